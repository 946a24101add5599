"""More volunteer pages under /volunteers/ (own namespace ``volunteers_more``, so this file and
urls.py can change independently): edit/cancel of projects and activities, star ladders, claiming
a record."""

from django.urls import path

from wenming.volunteers import views_claim
from wenming.volunteers import views_manage as vm

app_name = "volunteers_more"
urlpatterns = [
    path("projects/<int:project_id>/edit/", vm.project_edit, name="project_edit"),
    path("projects/<int:project_id>/cancel/", vm.project_cancel, name="project_cancel"),
    path("activities/<int:activity_id>/edit/", vm.activity_edit, name="activity_edit"),
    path("activities/<int:activity_id>/cancel/", vm.activity_cancel, name="activity_cancel"),
    path("stars/", vm.star_ladders, name="star_ladders"),
    path("claim/", views_claim.claim_record, name="claim"),
    path("signups/<int:signup_id>/attendance/", vm.signup_attendance, name="signup_attendance"),
]
