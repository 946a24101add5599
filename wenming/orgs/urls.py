from django.urls import path

from wenming.orgs import views

app_name = "orgs"
urlpatterns = [
    path("regions/", views.region_list, name="region_list"),
    path("", views.org_list, name="org_list"),
    path("<int:org_id>/", views.org_detail, name="org_detail"),
    path("users/", views.user_list, name="user_list"),
]
