"""The staff pages: the dashboard with its charts and tables, exports, the monthly PDF,
the watch's settings, partnerships and test inquiries."""

import io
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from openpyxl import load_workbook

from ratusz.reports import services
from ratusz.reports.models import MemberStatus, PartnershipMember, ReportRecipient
from ratusz.reports.tests.conftest import past_case

BASE = "/g/alfa/staff/raporty/"


@pytest.fixture
def figures(municipality_a, office_a, department_a, officer_a):
    today = timezone.localdate()
    case = past_case(office_a, officer_a, department_a, received_on=today - timedelta(days=30))
    services.track_cases(municipality_a, [case.pk])
    services.refresh_days(municipality_a, [today])
    return case


def test_the_dashboard_shows_charts_with_tables(client, secretary_a, figures):
    client.force_login(secretary_a)
    response = client.get(BASE)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('src="data:image/svg+xml') >= 3
    assert "<caption>" in html and "alt=" in html
    assert "1 matter is past its deadline" in html or "1 sprawa" in html


def test_every_table_exports_to_csv_and_xlsx(client, secretary_a, figures):
    client.force_login(secretary_a)
    for table in ("wskazniki", "miesiace", "jednostki", "jrwa", "rodzaje", "uslugi",
                  "kanaly", "powiadomienia", "zaleglosci"):
        csv = client.get(f"{BASE}eksport/{table}.csv")
        assert csv.status_code == 200, table
        xlsx = client.get(f"{BASE}eksport/{table}.xlsx")
        assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats"), table
        load_workbook(io.BytesIO(xlsx.content))
    overdue = client.get(f"{BASE}eksport/zaleglosci.xlsx")
    sheet = load_workbook(io.BytesIO(overdue.content)).active
    assert sheet.cell(2, 1).value == figures.mark
    assert client.get(f"{BASE}eksport/nic.csv").status_code == 404


def test_the_overdue_page_and_the_case_clock(client, secretary_a, figures):
    client.force_login(secretary_a)
    assert figures.mark in client.get(f"{BASE}zaleglosci/").content.decode()
    page = client.get(f"{BASE}sprawy/{figures.pk}/termin/")
    assert page.status_code == 200 and b"art. 36" in page.content


def test_the_monthly_report_is_a_pdf_sent_once_to_the_chosen(client, municipality_a,
                                                             secretary_a, head_a, figures,
                                                             django_capture_on_commit_callbacks):
    client.force_login(secretary_a)
    pdf = client.get(f"{BASE}raport-miesieczny.pdf")
    assert pdf.content.startswith(b"%PDF")
    response = client.post(f"{BASE}ustawienia/", {"form": "recipients",
                                                  "recipients": [head_a.pk]})
    assert response.status_code == 302
    assert list(ReportRecipient.objects.values_list("user_id", flat=True)) == [head_a.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_monthly_report(municipality_a) is True
        assert services.send_monthly_report(municipality_a) is False
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [head_a.email]
    assert mail.outbox[0].attachments[0][2] == "application/pdf"


def test_the_administrator_accepts_a_partnership(client, municipality_a, admin_a):
    partnership = services.create_partnership(acting_user=None, name="Powiat",
                                              members=[municipality_a])
    member = PartnershipMember.objects.get()
    client.force_login(admin_a)
    assert "Powiat" in client.get(f"{BASE}partnerstwa/").content.decode()
    client.post(f"{BASE}partnerstwa/{member.pk}/", {"decision": "accept"})
    member.refresh_from_db()
    assert member.status == MemberStatus.ACCEPTED and member.decided_by == admin_a
    assert partnership.members.count() == 1


def test_the_watch_settings_are_saved(client, municipality_a, secretary_a):
    client.force_login(secretary_a)
    client.post(f"{BASE}ustawienia/", {"form": "watch", "remind_days_before": "3",
                                       "escalate_days_after": "2", "digest_weekday": "4",
                                       "is_active": "on"})
    settings = services.watch_settings(municipality_a)
    assert (settings.remind_days_before, settings.escalate_days_after,
            settings.digest_weekday) == (3, 2, 4)


def test_a_chart_with_the_same_numbers_is_drawn_once(monkeypatch):
    from ratusz.reports import charts

    drawn = []
    render = charts._data_uri
    monkeypatch.setattr(charts, "_data_uri", lambda chart: drawn.append(1) or render(chart))
    months, title = ["2026-01", "2026-02"], f"Sprawy {uuid.uuid4()}"  # new to the cache
    first = charts.line_chart(title, months, [("a", [1, 2])])
    assert charts.line_chart(title, months, [("a", [1, 2])]) == first
    assert len(drawn) == 1
    assert charts.line_chart(title, months, [("a", [1, 3])]) != first
    assert len(drawn) == 2
