"""Importing obligations: idempotent by external id, a per-line report, nothing half
written."""

from datetime import date

import pytest

from ratusz.accounts import identity
from ratusz.core.models import AuditLog
from ratusz.payments import importing, nrb, selectors, services
from ratusz.payments.errors import reason_texts
from ratusz.payments.models import Instalment, Obligation, ObligationImport, Payer
from ratusz.payments.tests.factories import (
    NIP,
    PESEL_EWA,
    PESELS,
    import_lines,
    obligation_line,
)

pytestmark = pytest.mark.django_db


def test_an_import_creates_payers_with_individual_accounts_and_the_instalments(gmina):
    run = import_lines(gmina, obligation_line(
        "PN/2026/1", instalments=[(date(2026, 3, 15), 30000), (date(2026, 5, 15), 30000)]),
        {**obligation_line("OD/2026/12", kind="waste_fee", title="Odpady 12/2026",
                           pesel=PESELS[0], name="Jan Nowak"),
         "classification": {"dzial": "900", "rozdzial": "90002", "paragraf": "0490"}})
    assert (run.created, run.updated, run.refused) == (2, 0, 0)
    payers = Payer.objects.filter(municipality=gmina).order_by("reference")
    assert [p.reference for p in payers] == [1, 2]
    account = selectors.collection_account(gmina)
    for payer in payers:
        assert nrb.belongs_to_scheme(payer.account, account.virtual_prefix)
        assert payer.pesel_ciphertext and PESEL_EWA not in payer.pesel_ciphertext
    ewa = payers[0]
    assert ewa.pesel_digest == identity.pesel_digest(PESEL_EWA)
    assert selectors.payer_pesel(ewa) == PESEL_EWA
    tax = Obligation.objects.get(external_id="PN/2026/1")
    assert (tax.dzial, tax.rozdzial, tax.paragraf) == ("756", "75616", "0310")
    assert [(i.number, i.due_date, i.amount) for i in tax.instalments.all()] == [
        (1, date(2026, 3, 15), 30000), (2, date(2026, 5, 15), 30000)]
    assert AuditLog.objects.filter(object_type="payments.obligationimport").count() == 1


def test_importing_again_updates_and_never_duplicates(gmina):
    line = obligation_line("PN/2026/1", instalments=[(date(2026, 3, 15), 30000)])
    import_lines(gmina, line)
    again = import_lines(gmina, line)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    changed = obligation_line("PN/2026/1", title="Podatek od nieruchomości 2026 (korekta)",
                              instalments=[(date(2026, 3, 15), 25000),
                                           (date(2026, 5, 15), 25000)])
    run = import_lines(gmina, changed)
    assert (run.created, run.updated) == (0, 1)
    assert Obligation.objects.count() == 1 and Payer.objects.count() == 1
    obligation = Obligation.objects.get()
    assert obligation.title.endswith("(korekta)")
    assert list(obligation.instalments.values_list("amount", flat=True)) == [25000, 25000]


@pytest.mark.parametrize("line,reason", [
    (obligation_line("X/1", pesel="44051401358"), "pesel"),
    ({**obligation_line("X/2"), "payer": {"kind": "business", "nip": "5260250275",
                                          "name": "Firma"}}, "nip"),
    (obligation_line("X/3", instalments=[(date(2026, 3, 15), -100)]), "amount_negative"),
    ({**obligation_line("X/4"), "instalments": [{"due_date": "2026-03-15", "amount": 12.5}]},
     "amount_not_an_integer"),
    ({**obligation_line("X/5"), "instalments": [{"due_date": "2026-03-15",
                                                  "amount": "12,50"}]},
     "amount_not_an_integer"),
    ({**obligation_line("X/6"), "instalments": [{"due_date": "2026-02-30", "amount": 100}]},
     "due_date"),
    (obligation_line("X/7", kind="dog_tax"), "kind"),
    ({**obligation_line("X/8"), "payer": {"kind": "person", "pesel": PESELS[1]}},
     "unknown_payer"),
    ({**obligation_line("X/9"), "title": "Podatek\u202e"}, "unsafe_text"),
    ({**obligation_line("X/10"), "colour": "red"}, "unknown_field"),
    ({**obligation_line(""), "external_id": ""}, "external_id"),
])
def test_a_bad_line_is_refused_with_its_reason_and_the_good_ones_go_in(gmina, line, reason):
    run = import_lines(gmina, obligation_line("GOOD/1"), line)
    assert (run.created, run.refused) == (1, 1)
    (refused,) = run.refused_lines
    assert refused["line"] == 2
    assert reason in [r["code"] for r in refused["reasons"]]
    assert all(text and "%(" not in text for text in reason_texts(refused["reasons"]))
    assert list(Obligation.objects.values_list("external_id", flat=True)) == ["GOOD/1"]


def test_a_known_payer_may_be_named_by_identifier_alone(gmina):
    import_lines(gmina, obligation_line("A/1"))
    run = import_lines(gmina, {**obligation_line("A/2"),
                               "payer": {"kind": "person", "pesel": PESEL_EWA}})
    assert (run.created, run.refused) == (1, 0)
    assert Payer.objects.count() == 1


def test_a_business_is_a_payer_by_nip(gmina):
    run = import_lines(gmina, {**obligation_line("B/1", kind="lease", title="Dzierżawa"),
                               "payer": {"kind": "business", "nip": NIP, "regon": "",
                                         "name": "Sklep Sp. z o.o."}})
    assert run.created == 1
    assert selectors.payer_by_identifier(gmina, "526-025-02-74").name == "Sklep Sp. z o.o."


def test_the_same_external_id_twice_in_one_import_is_refused_the_second_time(gmina):
    run = import_lines(gmina, obligation_line("D/1"), obligation_line("D/1"))
    assert (run.created, run.refused) == (1, 1)
    assert run.refused_lines[0]["reasons"][0]["code"] == "external_id_twice"


def test_what_is_paid_cannot_be_reduced_below_payment_or_removed(gmina):
    import_lines(gmina, obligation_line("P/1", instalments=[(date(2026, 3, 15), 30000),
                                                            (date(2026, 5, 15), 30000)]))
    first = Instalment.objects.get(number=1)
    Instalment.objects.filter(pk=first.pk).update(paid_principal=20000)
    run = import_lines(gmina, obligation_line("P/1", instalments=[(date(2026, 3, 15), 10000)]))
    codes = {r["code"] for r in run.refused_lines[0]["reasons"]}
    assert codes == {"below_paid"}
    run = import_lines(gmina, obligation_line("P/1", instalments=[(date(2026, 3, 15), 30000)]))
    assert run.refused == 0 and Instalment.objects.count() == 1  # no. 2 had no payment
    Instalment.objects.filter(pk=first.pk).update(paid_principal=30000)
    run = import_lines(gmina, {**obligation_line("P/1"),
                               "instalments": [{"number": 2, "due_date": "2026-05-15",
                                                "amount": 100}]})
    assert run.refused_lines[0]["reasons"][0]["code"] == "removed_paid"


def test_an_import_needs_the_collection_account(municipality_a):
    with pytest.raises(services.PaymentsError) as refused:
        import_lines(municipality_a, obligation_line("N/1"))
    assert refused.value.code == "no_collection_account"
    assert not ObligationImport.objects.exists()


def test_csv_rows_of_one_obligation_become_its_instalments():
    text = ("external_id;kind;title;period;payer_kind;pesel;nip;regon;payer_name;email;address;"
            "dzial;rozdzial;paragraf;instalment;due_date;amount\n"
            f"PN/1;property_tax;Podatek;2026;person;{PESEL_EWA};;;Ewa Mazur;;;;;;1;2026-03-15;"
            "30000\n"
            f"PN/1;property_tax;Podatek;2026;person;{PESEL_EWA};;;Ewa Mazur;;;;;;2;2026-05-15;"
            "30000\n")
    (record,) = importing.read_csv(text)
    assert record["_line"] == 2
    assert record["instalments"] == [{"due_date": "2026-03-15", "amount": "30000",
                                      "number": "1"},
                                     {"due_date": "2026-05-15", "amount": "30000",
                                      "number": "2"}]
    accepted, refused = importing.parse_lines([record], {"property_tax"})
    assert refused == [] and accepted[0].instalments[1].amount == 30000
    with pytest.raises(importing.CsvError):
        importing.read_csv("a;b\n1;2\n")


def test_a_large_import_refreshes_the_planners_statistics_after_commit(
        gmina, django_capture_on_commit_callbacks):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the planner's statistics are PostgreSQL's")

    def tuples() -> float:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = "
                           "'payments_instalment'")
            return cursor.fetchone()[0]

    before = tuples()
    with django_capture_on_commit_callbacks(execute=False) as small:
        import_lines(gmina, obligation_line("PN/2026/1"))
    with django_capture_on_commit_callbacks(execute=True) as large:
        import_lines(gmina, *[obligation_line(f"OD/{n}", kind="waste_fee")
                              for n in range(600)])
    names = [getattr(callback, "func", callback).__name__ for callback in small + large]
    assert names.count("_analyze") == 1  # the large import only
    assert tuples() >= 600 > before
