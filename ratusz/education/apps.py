from django.apps import AppConfig


class EducationConfig(AppConfig):
    name = "ratusz.education"
    label = "education"
    verbose_name = "Ratusz education"
    default_auto_field = "django.db.models.BigAutoField"
