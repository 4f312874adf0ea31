from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "kinlink.assessments"
    label = "assessments"

    def ready(self) -> None:
        # Guards, signal receivers and the case-page panel register themselves on import.
        from kinlink.assessments import guards  # noqa: F401
