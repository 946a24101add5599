from django.apps import AppConfig


class VolimportConfig(AppConfig):
    name = "wenming.volimport"
    label = "volimport"
    verbose_name = "志愿服务批量导入导出"
