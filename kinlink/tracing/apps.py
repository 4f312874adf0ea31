from django.apps import AppConfig


class TracingConfig(AppConfig):
    name = "kinlink.tracing"
    label = "tracing"
    verbose_name = "Family tracing"
