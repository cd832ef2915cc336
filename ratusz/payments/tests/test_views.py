"""The taxpayer account and the finance workspace, through the test client."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ratusz.core.models import AuditLog
from ratusz.payments import selectors
from ratusz.payments.models import (
    GatewayAccount,
    Instalment,
    LineStatus,
    ObligationImport,
    Reminder,
    StatementLine,
)
from ratusz.payments.tests.factories import (
    API_KEY,
    CRC,
    PESEL_EWA,
    PESELS,
    import_lines,
    mt940,
    obligation_line,
)
from ratusz.testing.logingov import sign_in_identified

pytestmark = pytest.mark.django_db
ACCOUNT = "/g/alfa/e-urzad/naleznosci/"
STAFF = "/g/alfa/staff/finanse/"


@pytest.fixture
def owed(gmina):
    today = timezone.localdate()
    import_lines(gmina, obligation_line("PN/1", instalments=[
        (today - timedelta(days=90), 100000), (today + timedelta(days=20), 100000)]))
    return gmina


def test_the_taxpayer_account_shows_everything_after_login_gov(client, owed, resident):
    sign_in_identified(client, resident)
    page = client.get(ACCOUNT)
    assert page.status_code == 200
    text = page.content.decode()
    payer = selectors.payer_by_identifier(owed, PESEL_EWA)
    assert payer.account[2:6] in text.replace(" ", "")
    assert "Podatek od nieruchomości 2026 – rata 1" in text
    assert text.count('name="pozycja"') == 2


def test_a_password_account_sees_nothing_of_it(client, owed, resident):
    client.force_login(resident)
    page = client.get(ACCOUNT)
    assert page.status_code == 200
    assert "Podatek od nieruchomości" not in page.content.decode()
    assert "/auth/login-gov/start/" in page.content.decode()
    assert client.get(ACCOUNT + "wyciag.pdf")["Content-Type"].startswith("text/html")


def test_anonymous_people_are_sent_to_sign_in_and_strangers_get_404(client, owed):
    assert client.get(ACCOUNT).status_code == 302
    from ratusz.accounts.tests.factories import ResidentFactory

    client.force_login(ResidentFactory(username="obcy"))
    assert client.get(ACCOUNT).status_code == 404


def test_the_statement_of_account_is_a_pdf(client, owed, resident):
    sign_in_identified(client, resident)
    answer = client.get(ACCOUNT + "wyciag.pdf")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF")


def test_the_pay_page_sums_what_is_chosen(client, owed, resident):
    sign_in_identified(client, resident)
    ids = list(Instalment.objects.values_list("pk", flat=True))
    page = client.get(ACCOUNT + "zaplac/", {"pozycja": ids})
    assert page.status_code == 200
    assert page.content.decode().count('type="hidden" name="pozycja"') == 2
    page = client.get(ACCOUNT + "zaplac/", {"zobowiazanie": "PN/1"})
    assert page.content.decode().count('type="hidden" name="pozycja"') == 2


def test_staff_pages_answer_the_finance_officer(client, owed, finance):
    client.force_login(finance)
    payer = selectors.payer_by_identifier(owed, PESEL_EWA)
    for url in ("", "platnicy/?q=" + PESEL_EWA, f"platnicy/{payer.pk}/", "import/",
                "wyciagi/", "do-przypisania/", "raport-dzienny/", "nadplaty/", "platnosci/",
                "ustawienia/"):
        assert client.get(STAFF + url).status_code == 200, url


def test_an_import_uploaded_as_csv_reports_each_line(client, gmina, finance):
    client.force_login(finance)
    csv = ("external_id;kind;title;period;payer_kind;pesel;payer_name;due_date;amount\n"
           f"PN/1;property_tax;Podatek;2026;person;{PESEL_EWA};Ewa Mazur;2026-03-15;1000\n"
           f"PN/2;property_tax;Podatek;2026;person;{PESELS[0]};Jan Nowak;2026-03-15;-5\n")
    answer = client.post(STAFF + "import/wyslij/", {
        "file": SimpleUploadedFile("podatki.csv", csv.encode())})
    run = ObligationImport.objects.get()
    assert answer["Location"] == f"{STAFF}import/{run.pk}/"
    assert (run.created, run.refused) == (1, 1)
    report = client.get(answer["Location"]).content.decode()
    assert "PN/2" in report


def test_a_clerk_imports_a_statement_and_assigns_a_line(client, owed, finance):
    client.force_login(finance)
    data = mt940(selectors.collection_account(owed).nrb, [(4321, "wplata", "", "R1")])
    answer = client.post(STAFF + "wyciagi/wyslij/", {
        "file": SimpleUploadedFile("wyciag.sta", data)})
    assert answer.status_code == 302
    line = StatementLine.objects.get()
    page = client.get(f"{STAFF}do-przypisania/{line.pk}/")
    assert page.status_code == 200
    answer = client.post(f"{STAFF}do-przypisania/{line.pk}/", {"payer": "000"})
    assert answer.status_code == 200 and "PESEL" in answer.content.decode()
    answer = client.post(f"{STAFF}do-przypisania/{line.pk}/", {"payer": PESEL_EWA})
    assert answer.status_code == 302
    line.refresh_from_db()
    assert line.status == LineStatus.ASSIGNED


def test_reminder_and_its_delivery_charge_the_statutory_cost(client, owed, finance):
    client.force_login(finance)
    payer = selectors.payer_by_identifier(owed, PESEL_EWA)
    overdue = Instalment.objects.get(number=1)
    client.post(f"{STAFF}platnicy/{payer.pk}/upomnienie/", {"instalment": overdue.pk})
    reminder = Reminder.objects.get()
    client.post(f"{STAFF}upomnienia/{reminder.pk}/doreczenie/",
                {"delivered_on": timezone.localdate().isoformat()})
    reminder.refresh_from_db()
    assert reminder.cost == 1600
    assert AuditLog.objects.filter(object_type="payments.reminder").count() == 2
    upcoming = Instalment.objects.get(number=2)
    client.post(f"{STAFF}platnicy/{payer.pk}/upomnienie/", {"instalment": upcoming.pk})
    assert Reminder.objects.count() == 1  # not overdue: refused


def test_the_daily_report_is_a_csv_by_classification(client, owed, finance):
    payer = selectors.payer_by_identifier(owed, PESEL_EWA)
    from ratusz.payments import services

    services.import_statement(owed, mt940(selectors.collection_account(owed).nrb,
                                          [(50000, "x", payer.account, "R")],
                                          day=timezone.localdate()),
                              acting_user=None, channel="api")
    client.force_login(finance)
    answer = client.get(STAFF + "raport-dzienny/", {
        "dzien": timezone.localdate().isoformat(), "format": "csv"})
    assert answer["Content-Type"].startswith("text/csv")
    rows = answer.content.decode().splitlines()
    assert rows[0] == "data;dzial;rozdzial;paragraf;kwota;kwota_gr;liczba"
    assert any(";756;75616;0310;" in row for row in rows[1:])
    assert any(";0910;" in row for row in rows[1:])  # the interest part


def test_gateway_keys_are_stored_encrypted_and_never_shown(client, owed, finance):
    client.force_login(finance)
    page = client.get(STAFF + "ustawienia/").content.decode()
    assert API_KEY not in page and CRC not in page
    answer = client.post(STAFF + "ustawienia/", {
        "action": "gateway", "base_url": "https://sandbox.przelewy24.pl", "merchant_id": "7",
        "pos_id": "", "api_key": "", "crc_key": "", "is_active": "on"})
    assert answer.status_code == 302
    account = GatewayAccount.objects.get()
    assert account.merchant_id == 7 and API_KEY not in account.api_key_ciphertext
    assert selectors.gateway_account(owed).api_key_ciphertext  # the old key kept
    audit = AuditLog.objects.filter(object_type="payments.gatewayaccount").last()
    assert API_KEY not in str(audit.after) and CRC not in str(audit.after)


def test_a_resident_cannot_open_the_finance_workspace(client, owed, resident):
    client.force_login(resident)
    assert client.get(STAFF).status_code == 404
