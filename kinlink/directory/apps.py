from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "kinlink.directory"
    label = "directory"
    verbose_name = "Directory"
