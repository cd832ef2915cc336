"""The payments' periodic work runs on Celery beat: pending gateway payments swept, notices
before due dates sent and overpayments set off without anyone starting them."""

from ratusz.payments import tasks


def test_the_periodic_work_is_on_celery_beats_schedule():
    from config.celery import app

    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {"payments.sweep", "payments.due_notices", "payments.set_off"} <= scheduled
    assert {tasks.sweep_task.name, tasks.due_notices_task.name, tasks.set_off_task.name} == {
        "payments.sweep", "payments.due_notices", "payments.set_off"}
