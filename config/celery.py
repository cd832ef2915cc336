import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("ratusz")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def ensure_embedded_broker_folders() -> None:
    """The filesystem broker and result store need their folders before first use."""
    from django.conf import settings

    if settings.REDIS_URL:
        return
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    for folder in (options["data_folder_in"], options["control_folder"],
                   settings.CELERY_RESULT_BACKEND.removeprefix("file://")):
        Path(folder).mkdir(parents=True, exist_ok=True)


@app.on_after_configure.connect
def _prepare_folders(sender, **kwargs):
    ensure_embedded_broker_folders()
