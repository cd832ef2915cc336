"""Background tasks of the core."""

from celery import shared_task
from django.db import connection

from ratusz.core import metrics


@shared_task(name="core.ping_worker", ignore_result=False)  # its answer is read
def ping_worker(token: str) -> dict:
    """Answer from a worker with the database it reaches: proves the whole task path."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    metrics.TASKS.labels("core.ping_worker", "success").inc()
    return {"pong": token, "database": connection.vendor}
