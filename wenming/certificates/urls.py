from django.urls import path

from wenming.certificates import views

app_name = "certificates"
urlpatterns = [
    path("", views.certificate_list, name="certificate_list"),
    path("new/", views.certificate_issue, name="certificate_issue"),
    path("request/", views.request_create, name="request_create"),
    path("requests/<int:cert_request_id>/reject/", views.request_reject, name="request_reject"),
    path("verify/", views.verify, name="verify"),
    path("<int:certificate_id>/", views.certificate_detail, name="certificate_detail"),
    path("<int:certificate_id>/download/", views.certificate_download, name="certificate_download"),
    path("<int:certificate_id>/revoke/", views.certificate_revoke, name="certificate_revoke"),
]
