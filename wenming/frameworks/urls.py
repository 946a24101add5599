from django.urls import path

from wenming.frameworks import views

app_name = "frameworks"
urlpatterns = [
    path("", views.framework_list, name="framework_list"),
    path("new/", views.framework_create, name="framework_create"),
    path("import/template/", views.import_template, name="import_template"),
    path("<int:framework_id>/", views.framework_detail, name="framework_detail"),
    path("<int:framework_id>/edit/", views.framework_edit, name="framework_edit"),
    path("<int:framework_id>/derive/", views.framework_derive, name="framework_derive"),
    path("<int:framework_id>/publish/", views.framework_publish, name="framework_publish"),
    path("<int:framework_id>/new-version/", views.framework_new_version, name="framework_new_version"),
    path("<int:framework_id>/criteria/new/", views.criterion_create, name="criterion_create"),
    path("<int:framework_id>/import/", views.framework_import, name="framework_import"),
    path("<int:framework_id>/export.xlsx", views.framework_export_xlsx, name="framework_export_xlsx"),
    path("<int:framework_id>/export.yaml", views.framework_export_yaml, name="framework_export_yaml"),
    path("<int:framework_id>/compare/", views.framework_compare, name="framework_compare"),
    path("criteria/<int:criterion_id>/edit/", views.criterion_edit, name="criterion_edit"),
    path("criteria/<int:criterion_id>/delete/", views.criterion_delete, name="criterion_delete"),
    path("criteria/<int:criterion_id>/move/", views.criterion_move, name="criterion_move"),
]
