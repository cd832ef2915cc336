"""Domain events of the EZD that other modules (notifications, e-services) listen to."""

from django.dispatch import Signal

#: Sent after commit when a case changes status: kwargs case_id, status.
case_status_changed = Signal()
#: Sent after commit when a letter is sent to a party: kwargs case_id, letter_id.
letter_sent = Signal()
