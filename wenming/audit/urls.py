from django.urls import path

from wenming.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.entry_list, name="entry_list"),
    path("export/", views.entry_export, name="entry_export"),
    path("<int:entry_id>/", views.entry_detail, name="entry_detail"),
]
