"""Bank statements: matched by the individual account number, else a reference and the
amount; the rest waits for a clerk; the same file twice books nothing."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from ratusz.core.models import AuditLog
from ratusz.payments import selectors, services
from ratusz.payments.models import (
    Allocation,
    Instalment,
    LineStatus,
    Payer,
    Receipt,
    Statement,
    StatementLine,
)
from ratusz.payments.tests.factories import PESELS, import_lines, mt940, obligation_line

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(gmina):
    today = timezone.localdate()
    import_lines(gmina, obligation_line("PN/1", instalments=[
        (today - timedelta(days=100), 120000), (today + timedelta(days=30), 120000)]))
    import_lines(gmina, obligation_line("OD/1", kind="waste_fee", title="Odpady",
                                        pesel=PESELS[0], name="Jan Nowak",
                                        instalments=[(today + timedelta(days=10), 3500)]))
    return gmina


def _account(gmina):
    return selectors.collection_account(gmina).nrb


def _payer(pesel_index=None):
    payers = Payer.objects.order_by("reference")
    return payers[0] if pesel_index is None else payers[1]


def test_a_line_paid_to_an_individual_account_books_the_payer_with_interest(ledger):
    ewa = _payer()
    today = timezone.localdate()
    data = mt940(_account(ledger), [(120000, "podatek", ewa.account, "TNR1")], day=today)
    statement = services.import_statement(ledger, data, acting_user=None, channel="api")
    assert (statement.lines, statement.matched, statement.unmatched,
            statement.duplicates) == (1, 1, 0, 0)
    receipt = Receipt.objects.get()
    assert (receipt.payer, receipt.amount, receipt.value_date) == (ewa, 120000, today)
    overdue = Instalment.objects.get(obligation__external_id="PN/1", number=1)
    # 1 200 zł paid on an arrear with interest: split proportionally (art. 55 § 2).
    assert overdue.interest_charged > 0
    assert overdue.paid_principal + overdue.interest_paid == 120000
    assert overdue.paid_principal < 120000 and overdue.settled_at is None
    line = StatementLine.objects.get()
    assert (line.status, line.matched_by, line.receipt) == (LineStatus.MATCHED, "account",
                                                            receipt)


def test_the_same_file_again_matches_nothing_and_changes_nothing(ledger):
    ewa = _payer()
    data = mt940(_account(ledger), [(50000, "podatek", ewa.account, "TNR1"),
                                    (777, "?", "", "TNR2")])
    services.import_statement(ledger, data, acting_user=None, channel="api")
    before = (Receipt.objects.count(), Allocation.objects.count(),
              list(Instalment.objects.values_list("paid_principal", "interest_paid")))
    again = services.import_statement(ledger, data, acting_user=None, channel="api")
    assert (again.lines, again.matched, again.unmatched, again.duplicates) == (2, 0, 0, 2)
    assert (Receipt.objects.count(), Allocation.objects.count(),
            list(Instalment.objects.values_list("paid_principal", "interest_paid"))) == before
    assert StatementLine.objects.count() == 2


def test_a_reference_in_the_title_with_the_amount_due_matches(ledger):
    waste = Instalment.objects.get(obligation__external_id="OD/1")
    data = mt940(_account(ledger), [(3500, f"oplata za odpady RTZ{waste.pk}", "", "T1"),
                                    (3400, f"RTZ{waste.pk} mniej", "", "T2")])
    statement = services.import_statement(ledger, data, acting_user=None, channel="ui")
    assert (statement.matched, statement.unmatched) == (1, 1)
    waste.refresh_from_db()
    assert waste.settled_at is not None and waste.paid_principal == 3500
    unmatched = StatementLine.objects.get(status=LineStatus.UNMATCHED)
    assert unmatched.amount == 3400 and unmatched.note


def test_a_clerk_assigns_an_unmatched_line_and_it_is_audited(ledger, finance):
    data = mt940(_account(ledger), [(3500, "za smieci Nowak", "", "T9")])
    services.import_statement(ledger, data, acting_user=finance, channel="ui")
    line = StatementLine.objects.get()
    assert line.status == LineStatus.UNMATCHED
    jan = _payer(1)
    services.assign_line(line, payer=jan, acting_user=finance)
    line.refresh_from_db()
    assert (line.status, line.payer, line.assigned_by) == (LineStatus.ASSIGNED, jan, finance)
    assert Instalment.objects.get(obligation__external_id="OD/1").settled_at is not None
    entry = AuditLog.objects.filter(object_type="payments.statementline").get()
    assert entry.after["status"] == "assigned" and entry.actor == finance
    with pytest.raises(services.PaymentsError):
        services.assign_line(line, payer=jan, acting_user=finance)


def test_debits_are_recorded_but_not_booked(ledger):
    data = mt940(_account(ledger), [(-5000, "oplata bankowa", "", "F1")])
    statement = services.import_statement(ledger, data, acting_user=None, channel="api")
    assert (statement.matched, statement.unmatched, statement.debits) == (0, 0, 1)
    assert not Receipt.objects.exists()


@pytest.mark.parametrize("data,code", [
    (b"this is not a statement", "not_mt940"),
    (b"/etc/passwd", "not_mt940"),
    (None, "foreign_account"),
    ("balances", "balances"),
    ("currency", "currency"),
])
def test_a_bad_statement_is_refused_whole(ledger, data, code):
    ewa = _payer()
    good = mt940(_account(ledger), [(50000, "podatek", ewa.account, "TNR1")])
    if data is None:
        data = mt940("61109010140000071219812874", [(50000, "x", ewa.account, "T")])
    elif data == "balances":
        data = good.replace(b":62F:C261207PLN500,00", b":62F:C261207PLN600,00")
    elif data == "currency":
        data = good.replace(b"PLN", b"EUR")
    with pytest.raises(services.PaymentsError) as refused:
        services.import_statement(ledger, data, acting_user=None, channel="api")
    assert refused.value.code == code
    assert str(refused.value.message)
    assert not Statement.objects.exists() and not Receipt.objects.exists()


def test_an_overpayment_is_kept_and_set_off_against_a_new_liability(ledger):
    jan = _payer(1)
    data = mt940(_account(ledger), [(10000, "odpady", jan.account, "T1")])
    services.import_statement(ledger, data, acting_user=None, channel="api")
    assert selectors.credit_of(ledger, jan) == 10000 - 3500
    import_lines(ledger, obligation_line("OD/2", kind="waste_fee", title="Odpady 2",
                                         pesel=PESELS[0], name="Jan Nowak",
                                         instalments=[(date(2027, 1, 20), 3500)]))
    assert selectors.credit_of(ledger, jan) == 10000 - 7000
    assert Instalment.objects.get(obligation__external_id="OD/2").settled_at is not None
    services.refund_overpayment(jan, amount=3000, account="61109010140000071219812874",
                                requested_on=timezone.localdate(), acting_user=None)
    assert selectors.credit_of(ledger, jan) == 0
    with pytest.raises(services.PaymentsError):
        services.refund_overpayment(jan, amount=1, account="61109010140000071219812874",
                                    requested_on=timezone.localdate(), acting_user=None)
