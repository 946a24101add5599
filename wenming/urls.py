from django.urls import include, path

urlpatterns = [
    path("", include("wenming.web.urls")),
    path("orgs/", include("wenming.orgs.urls")),
    path("files/", include("wenming.files.urls")),
    path("jobs/", include("wenming.jobs.urls")),
    path("audit/", include("wenming.audit.urls")),
    path("api/v1/", include("wenming.api.urls")),
    path("frameworks/", include("wenming.frameworks.urls")),
    path("campaigns/", include("wenming.campaigns.urls")),
    path("assessments/", include("wenming.assessments.urls")),
    path("inspections/", include("wenming.inspections.urls")),
    path("volunteers/", include("wenming.volunteers.urls")),
    path("volunteers/", include("wenming.volunteers.urls_more")),
    path("vstats/", include("wenming.vstats.urls")),
    path("certificates/", include("wenming.certificates.urls")),
    path("volimport/", include("wenming.volimport.urls")),
    path("account/tokens/", include("wenming.api.token_urls")),
]

handler404 = "wenming.web.errors.not_found"
handler403 = "wenming.web.errors.forbidden"
handler500 = "wenming.web.errors.server_error"
