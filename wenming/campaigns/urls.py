from django.urls import path

from wenming.campaigns import views

app_name = "campaigns"
urlpatterns = [
    path("", views.campaign_list, name="campaign_list"),
    path("new/", views.campaign_open, name="campaign_open"),
    path("my-tasks/", views.my_tasks, name="my_tasks"),
    path("<int:campaign_id>/", views.campaign_detail, name="campaign_detail"),
    path("<int:campaign_id>/tasks/", views.task_list, name="task_list"),
    path("<int:campaign_id>/tasks/breakdown.docx", views.task_breakdown_docx, name="task_breakdown_docx"),
    path("<int:campaign_id>/gantt/", views.gantt, name="gantt"),
    path("<int:campaign_id>/edit/", views.campaign_edit, name="campaign_edit"),
    path("<int:campaign_id>/group/", views.group_edit, name="group_edit"),
    path("<int:campaign_id>/milestones/", views.milestone_edit, name="milestone_edit"),
    path("<int:campaign_id>/merge/", views.task_merge, name="task_merge"),
    path("<int:campaign_id>/assign/", views.assign_import, name="assign_import"),
    path("<int:campaign_id>/assign/template.xlsx", views.assign_template, name="assign_template"),
    path("<int:campaign_id>/evidence/", views.evidence_ledger, name="evidence_ledger"),
    path("<int:campaign_id>/binder/", views.binder_page, name="binder_page"),
    path("binders/<int:binder_id>/progress/", views.binder_progress, name="binder_progress"),
    path("binders/<int:binder_id>/download/", views.binder_download, name="binder_download"),
    path("tasks/<int:task_id>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("evidence/<int:evidence_id>/review/", views.evidence_review, name="evidence_review"),
    path("<int:campaign_id>/evidence/review/", views.evidence_review_bulk, name="evidence_review_bulk"),
    path("evidence/<int:evidence_id>/delete/", views.evidence_delete, name="evidence_delete"),
    path("evidence/<int:evidence_id>/replace/", views.evidence_replace, name="evidence_replace"),
    path("evidence/pending/", views.evidence_pending, name="evidence_pending"),
    path("tasks/<int:task_id>/evidence/list/", views.criterion_evidence, name="criterion_evidence"),
    path("tasks/<int:task_id>/edit/", views.task_edit, name="task_edit"),
    path("tasks/<int:task_id>/split/", views.task_split, name="task_split"),
]
