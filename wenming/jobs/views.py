from django.shortcuts import render

from wenming.jobs.models import Job
from wenming.orgs.access import scoped


def job_list(request):
    jobs = scoped(Job, request.user)[:50]
    return render(request, "jobs/job_list.html", {"title": "后台任务", "jobs": jobs})
