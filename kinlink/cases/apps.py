from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "kinlink.cases"
    label = "cases"
    verbose_name = "Cases"
