from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demonstration data: composes every app's services, so no domain app imports it."""

    name = "kinlink.demo"
    label = "demo"
