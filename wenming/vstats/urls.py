from django.urls import path

from wenming.vstats import views

app_name = "vstats"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("records/", views.drill, name="drill"),
    path("ranking/", views.ranking, name="ranking"),
    path("export/", views.export, name="export"),
]
