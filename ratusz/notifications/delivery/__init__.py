"""Delivery: from a published alert to messages in the outbox (fan-out), and from the
outbox to SMTP, the SMS gateways and the push services.

Exactly once, even when a worker dies:
- the fan-out inserts one row per (alert, subscriber, channel) under a unique key, in
  batches, ignoring rows that exist: running it twice (a retried task) adds nothing;
- a worker *claims* queued rows (one UPDATE … WHERE status='queued'), so two workers never
  send the same row;
- just before the step that hands a message over (the final "." of SMTP DATA, the push
  POST) the worker commits `handed_at`. A claim left behind by a dead worker is settled by
  `sweep`: handed → sent (the server had it), not handed → queued again. For SMS the
  gateway itself refuses a reference it has already accepted (SMSAPI `check_idx`), so an
  unsettled SMS batch is simply sent again;
- the broker only carries wake-up calls (ids); the rows wait in the outbox during a broker
  outage and `sweep` (Celery beat, every minute) dispatches what is due.

The parts: `outbox` (fan-out, wake-ups, sweep, claims), `rendering` (the text of each
message), `mail`, `sms` and `push` (the senders), `outcomes` (what a sender records, and
the rate limits).
"""

from ratusz.notifications.delivery.mail import build_email, one_click_headers, send_emails
from ratusz.notifications.delivery.outbox import (
    BATCH,
    DELIVER_TASK,
    FAN_OUT_TASK,
    FANOUT_CHUNK,
    FANOUT_RANGE,
    REDISPATCH_AFTER,
    STALE_CLAIM,
    WARSAW,
    after_quiet_hours,
    deliver,
    deliver_due,
    dispatch,
    fan_out,
    polling_delivery,
    start_fan_out,
    sweep,
    wake,
    wake_after_commit,
)
from ratusz.notifications.delivery.outcomes import MAX_ATTEMPTS, Throttle
from ratusz.notifications.delivery.push import send_pushes
from ratusz.notifications.delivery.rendering import (
    SEVERITY_WORDS,
    alert_content,
    alert_values,
    message_text,
    preferences_url,
    public_url,
    unsubscribe_url,
)
from ratusz.notifications.delivery.sms import (
    callback_key,
    record_sms_reports,
    send_sms,
    sms_callback_url,
    sms_gateways,
)

__all__ = [
    "BATCH", "DELIVER_TASK", "FANOUT_CHUNK", "FANOUT_RANGE", "FAN_OUT_TASK", "MAX_ATTEMPTS",
    "REDISPATCH_AFTER", "SEVERITY_WORDS", "STALE_CLAIM", "WARSAW", "Throttle",
    "after_quiet_hours", "alert_content", "alert_values", "build_email", "callback_key",
    "deliver", "deliver_due", "dispatch", "fan_out", "message_text", "one_click_headers",
    "polling_delivery", "preferences_url", "public_url", "record_sms_reports", "send_emails",
    "send_pushes", "send_sms", "sms_callback_url", "sms_gateways", "start_fan_out", "sweep",
    "unsubscribe_url", "wake", "wake_after_commit",
]
