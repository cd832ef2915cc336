"""What the payments app tells other apps, sent after the commit of the change.

`obligation_paid`: every instalment of an obligation is paid. Arguments:
`municipality_id`, `obligation_id`, `external_id` (e.g. "eservices.submission:<id>":
the owner of a fee recognises its own), `kind` (the kind's code), `paid_at` (datetime).
"""

from django.dispatch import Signal

obligation_paid = Signal()
