"""The social help pages through the test client: the list, the income test with its
refusals, the decision and its letter, the payout list and its CSV, the parent's page."""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from ratusz.accounts.permissions import Role
from ratusz.cases.models import OutgoingLetter
from ratusz.core.models import PersonalDataAccess
from ratusz.education import services
from ratusz.education.models import (
    HelpApplication,
    HelpStatus,
    PayoutLine,
    ScholarshipRegulation,
)
from ratusz.education.tests.scholarship_factories import file_help, scholarship_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(make_staff, municipality_a, department_a):
    return make_staff(municipality_a, Role.EDUCATION, department=department_a,
                      username="alfa.oswiata")


@pytest.fixture
def finance(make_staff, municipality_a):
    return make_staff(municipality_a, Role.FINANCE, username="alfa.finanse")


@pytest.fixture
def submission(municipality_a, department_a, clerk, resident):
    services.set_regulation(municipality_a, acting_user=clerk,
                            effective_from=datetime.date(2025, 1, 1),
                            resolution="Uchwała nr V/12/2025",
                            tiers=[{"up_to": 82_300, "amount": 15_000}])
    return file_help(municipality_a, department_a, "stypendium-szkolne", scholarship_data(),
                     resident=resident)


def url(name, municipality, *args):
    return reverse(f"education-staff:{name}", args=[municipality.slug, *args])


def household_post(**changes):
    post = {"action": "household", "rows": "3", "pupil": "1",
            "m0-name": "Anna Kowalska", "m0-relation": "matka", "m0-employment": "2 400,00",
            "m1-name": "Piotr Kowalski", "m1-relation": "syn", "m1-pesel": "12261523411",
            "m2-name": "", "m2-relation": ""}
    post.update(changes)
    return post


def test_the_clerk_opens_the_test_enters_the_household_and_decides(client, clerk, submission,
                                                                   municipality_a):
    client.force_login(clerk)
    page = client.get(url("help-list", municipality_a))
    assert page.status_code == 200 and "Kowalsk" in page.content.decode()
    response = client.post(url("help-open", municipality_a, submission.pk))
    item = HelpApplication.objects.get(submission=submission)
    assert response["Location"] == url("help-matter", municipality_a, item.pk)
    response = client.post(url("help-matter-action", municipality_a, item.pk),
                           household_post())
    item.refresh_from_db()
    assert (item.income_per_person, item.eligible) == (120_000, False)
    response = client.post(url("help-matter-action", municipality_a, item.pk),
                           household_post(**{"m0-employment": "1 500,00", "rows": "3"}))
    item.refresh_from_db()
    assert (item.income_per_person, item.eligible) == (75_000, True)
    page = client.get(url("help-matter", municipality_a, item.pk)).content.decode()
    assert "750,00" in page and 'id="proposal"' in page and "150,00" in page
    assert PersonalDataAccess.objects.filter(context="education.help").exists()
    first = f"{item.school_year}-09"
    response = client.post(url("help-matter-action", municipality_a, item.pk),
                           {"action": "grant", "amount": "150,00", "first_month": first,
                            "month_count": "10"})
    assert response["Location"] == url("help-decision", municipality_a, item.pk)
    item.refresh_from_db()
    assert item.status == HelpStatus.GRANTED and item.monthly_amount == 15_000
    page = client.get(url("help-decision", municipality_a, item.pk)).content.decode()
    assert "przyznaję" in page
    client.post(url("help-letter", municipality_a, item.pk))
    item.refresh_from_db()
    assert OutgoingLetter.objects.get(pk=item.decision_letter_id).case_id == item.case_id


def test_bad_household_input_is_refused_with_its_reason(client, clerk, submission,
                                                        municipality_a):
    client.force_login(clerk)
    item = services.open_help_application(submission, acting_user=clerk)
    before = item.income_per_person
    for changes, words in (({"m0-employment": "-10"}, "jest ujemny"),
                           ({"pupil": ""}, "musi obejmować ucznia"),
                           ({"m0-employment": "dużo"}, "nie jest kwotą")):
        response = client.post(url("help-matter-action", municipality_a, item.pk),
                               household_post(**changes), follow=True)
        assert words in response.content.decode()
        item.refresh_from_db()
        assert item.income_per_person == before


def test_an_amount_outside_the_bounds_is_refused(client, clerk, submission, municipality_a):
    client.force_login(clerk)
    item = services.open_help_application(submission, acting_user=clerk)
    response = client.post(url("help-matter-action", municipality_a, item.pk),
                           {"action": "grant", "amount": "300", "month_count": "10",
                            "first_month": f"{item.school_year}-09"}, follow=True)
    assert "poza granicami ustawowymi" in response.content.decode()
    item.refresh_from_db()
    assert item.status == HelpStatus.OPEN and not PayoutLine.objects.exists()


def test_the_payout_list_and_its_csv(client, clerk, finance, submission, municipality_a):
    item = services.open_help_application(submission, acting_user=clerk)
    services.decide_help(item, acting_user=clerk, grant=True, monthly_amount=15_000,
                         month_count=2)
    month = f"{item.school_year}-09"
    client.force_login(finance)
    page = client.get(url("help-payouts", municipality_a) + f"?month={month}")
    assert page.status_code == 200 and "Piotr Kowalski" in page.content.decode()
    response = client.get(url("help-payouts-csv", municipality_a) + f"?month={month}")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode()), delimiter=";"))
    assert rows[0][:6] == ["line", "month", "recipient", "pupil", "amount_grosze",
                           "amount_pln"]
    assert len(rows) == 2
    assert rows[1][1:7] == [month, "Anna Kowalska", "Piotr Kowalski", "15000", "150.00",
                            "61109010140000071219812874"]
    client.post(url("help-payouts-paid", municipality_a), {"month": month})
    line = PayoutLine.objects.get(month=datetime.date(item.school_year, 9, 1))
    assert line.paid_at is not None
    client.force_login(clerk)
    assert client.post(url("help-payouts-paid", municipality_a),
                       {"month": month}).status_code == 403
    client.post(url("help-payout-correct", municipality_a, line.pk),
                {"amount": "-50,00", "reason": "Nadpłata", "month": month})
    line.refresh_from_db()
    assert line.amount == 15_000
    correction = PayoutLine.objects.get(corrects=line)
    assert correction.amount == -5_000
    response = client.get(url("help-payouts-csv", municipality_a) + f"?month={month}")
    rows = list(csv.reader(io.StringIO(response.content.decode()), delimiter=";"))
    assert [row[4] for row in rows[1:]] == ["15000", "-5000"]
    assert rows[2][8] == str(line.pk)


def test_the_parent_sees_their_own_matter_only(client, resident, clerk, submission,
                                                municipality_a, municipality_b):
    item = services.open_help_application(submission, acting_user=clerk)
    services.decide_help(item, acting_user=clerk, grant=True, monthly_amount=15_000,
                         month_count=2)
    client.force_login(resident)
    page = client.get(reverse("education:my-help", args=[municipality_a.slug, item.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Piotr Kowalski" in text and "150,00" in text and "300,00" in text
    assert client.get(reverse("education:my-help", args=[municipality_b.slug, item.pk])
                      ).status_code == 404
    HelpApplication.objects.filter(pk=item.pk).update(resident=None)
    assert client.get(reverse("education:my-help", args=[municipality_a.slug, item.pk])
                      ).status_code == 404


def test_another_gmina_staff_gets_404(client, submission, clerk, make_staff, municipality_b,
                                      municipality_a):
    item = services.open_help_application(submission, acting_user=clerk)
    stranger = make_staff(municipality_b, Role.EDUCATION, username="beta.oswiata")
    client.force_login(stranger)
    assert client.get(url("help-matter", municipality_a, item.pk)).status_code == 404
    assert client.get(url("help-matter", municipality_b, item.pk)).status_code == 404


def test_the_regulation_page_adds_a_version_and_refuses_a_tier_out_of_bounds(
        client, clerk, municipality_a):
    client.force_login(clerk)
    create = url("help-regulation-create", municipality_a)
    response = client.post(create, {"effective_from": "2026-09-01", "resolution": "Uchwała X",
                                    "tiers": "400,00; 300,00"}, follow=True)
    assert "poza granicami ustawowymi" in response.content.decode()
    response = client.post(create, {"effective_from": "2026-09-01", "resolution": "Uchwała X",
                                    "tiers": "400; 200\n823,00;124,00"}, follow=True)
    assert "Line" not in response.content.decode()
    regulation = ScholarshipRegulation.objects.get(municipality=municipality_a)
    assert regulation.tiers == [{"up_to": 40_000, "amount": 20_000},
                                {"up_to": 82_300, "amount": 12_400}]
    response = client.post(create, {"effective_from": "2026-10-01", "resolution": "Y",
                                    "tiers": "abc"}, follow=True)
    assert "Wiersz 1" in response.content.decode()
    page = client.get(url("help-regulations", municipality_a)).content.decode()
    assert "Uchwała X" in page and "200,00" in page
