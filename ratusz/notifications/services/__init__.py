"""Writes of the notification system, by concern: `subscribing` (double opt-in, consent,
push browsers, unsubscribing), `alerts` (compose, approve, publish), `messages` (the
outbox, and the news of a person's own cases handed over by the app that owns them) and
`wording` (a gmina's own templates). The outermost function owns the transaction
(`atomic(durable=True)`); sending happens after it commits."""

from ratusz.notifications.delivery import callback_key
from ratusz.notifications.services.alerts import (
    ALERT_FIELDS,
    REASON_LIMIT,
    TEXT_LIMITS,
    AlertData,
    approve_alert,
    create_alert,
    follow_up,
    reject_alert,
    submit_alert,
    update_draft,
    validate_alert,
)
from ratusz.notifications.services.errors import NotificationError
from ratusz.notifications.services.messages import queue_message, queue_personal_news
from ratusz.notifications.services.subscribing import (
    CONFIRM_MAX_AGE,
    CONFIRM_SALT,
    CONSENT_VERSION,
    CONSENT_WORDING,
    PHONE_CODE_ATTEMPTS,
    PHONE_CODE_TTL,
    Choice,
    add_push_endpoint,
    confirm_email,
    confirm_phone,
    confirmation_token,
    consent_wording,
    normalise_email,
    normalise_phone,
    queue_email_confirmation,
    queue_phone_code,
    resend_phone_code,
    subscribe,
    turn_on_push,
    unsubscribe,
    validate_choice,
)
from ratusz.notifications.services.wording import reset_template, save_template

__all__ = [
    "ALERT_FIELDS", "CONFIRM_MAX_AGE", "CONFIRM_SALT", "CONSENT_VERSION", "CONSENT_WORDING",
    "PHONE_CODE_ATTEMPTS", "PHONE_CODE_TTL", "REASON_LIMIT", "TEXT_LIMITS", "AlertData",
    "Choice", "NotificationError",
    "add_push_endpoint", "approve_alert", "callback_key", "confirm_email", "confirm_phone",
    "confirmation_token", "consent_wording", "create_alert", "follow_up", "normalise_email",
    "normalise_phone", "queue_email_confirmation", "queue_message", "queue_personal_news",
    "queue_phone_code", "reject_alert", "reset_template", "resend_phone_code",
    "save_template", "submit_alert", "subscribe", "turn_on_push", "unsubscribe",
    "update_draft", "validate_alert", "validate_choice",
]
