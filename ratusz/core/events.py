"""Domain events of core, sent after the commit of the write they report. Other apps
listen (the BIP gives a new unit its bulletin); core imports none of them."""

from django.dispatch import Signal

#: A unit was added to a gmina (also the office made with a new gmina). Arguments:
#: `unit_id`, `municipality_id`, `acting_user_id` (None for the platform's own set-up).
unit_created = Signal()
