"""Objects of the payments app that its URLs name, for the isolation walk
(tests/test_isolation.py). Every id goes in `overrides` under the payments' own URL names,
so nothing here changes another app's values."""

from datetime import timedelta

from django.utils import timezone

from ratusz.payments import services
from ratusz.payments.models import Instalment, StatementLine
from ratusz.payments.tests import factories

PESEL_BY_LABEL = {"alfa": "44051401359", "beta": "02070803628"}


def build(*, municipality, department, staff, resident, label) -> dict:
    account, gateway = factories.set_up(municipality)
    past = timezone.localdate() - timedelta(days=40)
    run = factories.import_lines(municipality, factories.obligation_line(
        f"PN/{label}/1", pesel=PESEL_BY_LABEL.get(label, "85121309876"),
        instalments=[(past, 50000)]))
    instalment = Instalment.objects.get(obligation__external_id=f"PN/{label}/1")
    payer = instalment.payer
    reminder = services.issue_reminder(instalment, acting_user=staff)
    statement = services.import_statement(
        municipality, factories.mt940(account.nrb, [(1234, "wpłata bez tytułu", "", "REF1")]),
        acting_user=staff, channel="ui")
    line = StatementLine.objects.get(statement=statement)
    payment = factories.pending_payment(municipality, payer, [instalment], user=resident,
                                        gateway=gateway)
    staff_ids = {"payer_id": payer.pk, "reminder_id": reminder.pk, "import_id": run.pk,
                 "statement_id": statement.pk, "line_id": line.pk}
    overrides = {
        "payments-staff:payer": staff_ids, "payments-staff:payer-reminder": staff_ids,
        "payments-staff:payer-refund": staff_ids,
        "payments-staff:reminder-delivery": staff_ids, "payments-staff:import": staff_ids,
        "payments-staff:statement": staff_ids, "payments-staff:assign": staff_ids,
        "payments:payment": {"payment_id": payment.public_id},
        "payments-platform:gateway-status": {"notify_key": "nieznany"},
        "payments-platform:gateway-refusal": {"notify_key": "nieznany"},
    }
    return {"values": {}, "overrides": overrides}
