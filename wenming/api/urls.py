from django.urls import path

from wenming.api.api import urls

urlpatterns = [path("", urls())]
