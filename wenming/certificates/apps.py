from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "wenming.certificates"
    label = "certificates"
    verbose_name = "志愿服务证明"
