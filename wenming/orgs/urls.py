from django.urls import path

from wenming.orgs import views

app_name = "orgs"
urlpatterns = [
    path("regions/", views.region_list, name="region_list"),
    path("regions/import/", views.region_import, name="region_import"),
    path("regions/import/template/", views.region_import_template, name="region_import_template"),
    path("", views.org_list, name="org_list"),
    path("new/", views.org_create, name="org_create"),
    path("<int:org_id>/", views.org_detail, name="org_detail"),
    path("<int:org_id>/edit/", views.org_edit, name="org_edit"),
    path("<int:org_id>/members/add/", views.org_member_add, name="org_member_add"),
    path("<int:org_id>/departments/", views.department_list, name="department_list"),
    path("departments/<int:department_id>/edit/", views.department_edit, name="department_edit"),
    path("departments/<int:department_id>/delete/", views.department_delete, name="department_delete"),
    path("departments/<int:department_id>/lead/", views.department_lead, name="department_lead"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:user_id>/", views.user_detail, name="user_detail"),
    path("users/<int:user_id>/edit/", views.user_edit, name="user_edit"),
    path("users/<int:user_id>/active/", views.user_active, name="user_active"),
    path("users/<int:user_id>/password/", views.user_password, name="user_password"),
    path("users/<int:user_id>/memberships/add/", views.user_membership_add, name="user_membership_add"),
    path("memberships/<int:membership_id>/remove/", views.membership_remove, name="membership_remove"),
]
