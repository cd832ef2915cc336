"""The social help services: opening the matter on a submission, the income test, the
decision within the bounds, the letter in the case, the payout lines and corrections."""

import datetime

import pytest
from django.utils import timezone

from ratusz.accounts.permissions import Role
from ratusz.cases.models import OutgoingLetter
from ratusz.education import selectors_scholarships as selectors
from ratusz.education import services
from ratusz.education.errors import EducationError
from ratusz.education.models import (
    HelpKind,
    HelpStatus,
    HouseholdMember,
    IncomeSource,
    MemberIncome,
    PayoutLine,
)
from ratusz.education.tests.scholarship_factories import (
    ACCOUNT,
    PUPIL_PESEL,
    allowance_data,
    file_help,
    scholarship_data,
)

pytestmark = pytest.mark.django_db
TIERS = [{"up_to": 40_000, "amount": 20_000}, {"up_to": 82_300, "amount": 12_400}]


@pytest.fixture
def clerk(make_staff, municipality_a, department_a):
    return make_staff(municipality_a, Role.EDUCATION, department=department_a,
                      username="alfa.oswiata")


@pytest.fixture
def regulation(municipality_a, clerk):
    return services.set_regulation(municipality_a, acting_user=clerk,
                                   effective_from=datetime.date(2025, 1, 1),
                                   resolution="Uchwała nr V/12/2025 Rady Gminy", tiers=TIERS)


@pytest.fixture
def scholarship(municipality_a, department_a, clerk, regulation, resident):
    submission = file_help(municipality_a, department_a, "stypendium-szkolne",
                           scholarship_data(), resident=resident)
    return services.open_help_application(submission, acting_user=clerk)


def family(*, mother=180_000, pupil_marked=True, pupil_income=0):
    return [services.MemberData("Anna Kowalska", "matka", "85031212343", False,
                                {IncomeSource.EMPLOYMENT: mother}),
            services.MemberData("Piotr Kowalski", "syn (uczeń)", PUPIL_PESEL, pupil_marked,
                                {IncomeSource.OTHER: pupil_income}),
            services.MemberData("Zofia Kowalska", "córka", "", False, {})]


def test_opening_takes_the_pupil_account_and_household_from_the_form(scholarship, resident):
    assert scholarship.kind == HelpKind.SCHOLARSHIP and scholarship.status == HelpStatus.OPEN
    assert scholarship.pupil_name == "Piotr Kowalski"
    assert scholarship.recipient_account == ACCOUNT
    assert scholarship.resident == resident
    assert scholarship.case_id == scholarship.submission.case_id
    today = timezone.localdate()
    assert scholarship.income_month == (today.replace(day=1) - datetime.timedelta(days=1)
                                        ).replace(day=1)
    members = selectors.household(scholarship)
    assert [m.is_pupil for m in members] == [False, True, False]
    assert scholarship.income_per_person == 60_000 and scholarship.eligible is True
    assert services.proposal(scholarship) == 12_400


def test_opening_twice_returns_the_same_matter(scholarship, clerk):
    again = services.open_help_application(scholarship.submission, acting_user=clerk)
    assert again.pk == scholarship.pk


def test_the_household_gives_per_person_income_and_the_tier(scholarship, clerk):
    application = services.record_household(scholarship, acting_user=clerk,
                                            members=family(mother=100_000))
    assert application.income_per_person == 33_333
    assert application.eligible is True
    assert services.proposal(application) == 20_000
    application = services.record_household(scholarship, acting_user=clerk,
                                            members=family(mother=246_900))
    assert (application.income_per_person, application.eligible) == (82_300, True)
    application = services.record_household(scholarship, acting_user=clerk,
                                            members=family(mother=246_902))
    assert application.income_per_person == 82_301  # 823,0066… half up
    assert application.eligible is False
    assert services.proposal(application) is None


def test_a_negative_income_is_refused_and_nothing_changes(scholarship, clerk):
    before = list(MemberIncome.objects.filter(member__application=scholarship)
                  .values_list("net_amount", flat=True))
    with pytest.raises(EducationError) as error:
        services.record_household(scholarship, acting_user=clerk,
                                  members=family(pupil_income=-100))
    assert error.value.code == "income_negative"
    assert "Osoba 2" in str(error.value) and "-1,00" in str(error.value)
    after = list(MemberIncome.objects.filter(member__application=scholarship)
                 .values_list("net_amount", flat=True))
    assert after == before


def test_a_household_without_the_pupil_is_refused(scholarship, clerk):
    with pytest.raises(EducationError) as error:
        services.record_household(scholarship, acting_user=clerk,
                                  members=family(pupil_marked=False))
    assert error.value.code == "pupil_missing"
    assert "Piotr Kowalski" in str(error.value)
    assert HouseholdMember.objects.filter(application=scholarship).count() == 3


def test_an_invalid_pesel_is_refused(scholarship, clerk):
    members = family()
    members[0].pesel = "85031212344"
    with pytest.raises(EducationError) as error:
        services.record_household(scholarship, acting_user=clerk, members=members)
    assert error.value.code == "pesel_invalid"


def test_a_grant_outside_the_bounds_is_refused(scholarship, clerk):
    for amount in (9_919, 24_801):
        with pytest.raises(EducationError) as error:
            services.decide_help(scholarship, acting_user=clerk, grant=True,
                                 monthly_amount=amount, month_count=10)
        assert error.value.code == "amount_out_of_bounds"
        assert "99,20" in str(error.value) and "248,00" in str(error.value)
    scholarship.refresh_from_db()
    assert scholarship.status == HelpStatus.OPEN
    assert not PayoutLine.objects.exists()


def test_a_grant_over_the_threshold_is_refused(scholarship, clerk):
    services.record_household(scholarship, acting_user=clerk, members=family(mother=300_000))
    with pytest.raises(EducationError) as error:
        services.decide_help(scholarship, acting_user=clerk, grant=True,
                             monthly_amount=12_400, month_count=10)
    assert error.value.code == "not_eligible"


def test_a_grant_makes_the_payout_lines_and_the_decision_text(scholarship, clerk):
    application = services.decide_help(scholarship, acting_user=clerk, grant=True,
                                       monthly_amount=12_400, month_count=10)
    assert application.status == HelpStatus.GRANTED
    lines = list(PayoutLine.objects.filter(application=application).order_by("month"))
    assert len(lines) == 10
    year = application.school_year
    assert lines[0].month == datetime.date(year, 9, 1)
    assert lines[-1].month == datetime.date(year + 1, 6, 1)
    assert {line.amount for line in lines} == {12_400}
    assert lines[0].account == ACCOUNT
    text = application.decision_text
    assert "przyznaję" in text and "124,00" in text
    assert "1240,00" in text.replace("\xa0", "").replace(" ", "")
    assert "art. 90d ust. 9" in text and "Samorządowego Kolegium Odwoławczego" in text
    assert "Uchwała nr V/12/2025" in text
    with pytest.raises(EducationError) as error:
        services.decide_help(application, acting_user=clerk, grant=False, reason="x")
    assert error.value.code == "help_decided"


def test_a_refusal_needs_its_reason(scholarship, clerk):
    with pytest.raises(EducationError) as error:
        services.decide_help(scholarship, acting_user=clerk, grant=False)
    assert error.value.code == "reason_required"
    application = services.decide_help(scholarship, acting_user=clerk, grant=False,
                                       reason="Dochód przekracza kryterium.")
    assert application.status == HelpStatus.REFUSED and "odmawiam" in application.decision_text
    assert not PayoutLine.objects.exists()


def test_the_decision_goes_into_the_case_once(scholarship, clerk):
    services.decide_help(scholarship, acting_user=clerk, grant=True, monthly_amount=12_400,
                         month_count=2)
    application = services.put_decision_in_case(scholarship, acting_user=clerk)
    letter = OutgoingLetter.objects.get(pk=application.decision_letter_id)
    assert letter.case_id == scholarship.case_id
    assert letter.subject == "Decyzja o przyznaniu stypendium szkolnego"
    assert letter.body == application.decision_text
    services.put_decision_in_case(application, acting_user=clerk)
    assert OutgoingLetter.objects.filter(case_id=scholarship.case_id).count() == 1


def test_a_letter_drafted_before_a_failed_link_is_found_not_drafted_again(scholarship, clerk):
    services.decide_help(scholarship, acting_user=clerk, grant=False, reason="Brak.")
    application = services.put_decision_in_case(scholarship, acting_user=clerk)
    type(application).objects.filter(pk=application.pk).update(decision_letter_id=None)
    again = services.put_decision_in_case(application, acting_user=clerk)
    assert again.decision_letter_id == application.decision_letter_id
    assert OutgoingLetter.objects.filter(case_id=scholarship.case_id).count() == 1


def test_paid_lines_stay_and_corrections_are_new_lines(scholarship, clerk, municipality_a):
    services.decide_help(scholarship, acting_user=clerk, grant=True, monthly_amount=12_400,
                         month_count=2)
    first = PayoutLine.objects.filter(application=scholarship).order_by("month").first()
    assert services.mark_month_paid(municipality_a, first.month, acting_user=clerk) == 1
    first.refresh_from_db()
    paid_at = first.paid_at
    assert paid_at is not None
    assert services.mark_month_paid(municipality_a, first.month, acting_user=clerk) == 0
    correction = services.correct_payout(first, acting_user=clerk, amount=-2_400,
                                         month=first.month, reason="Nadpłata")
    first.refresh_from_db()
    assert (first.amount, first.paid_at) == (12_400, paid_at)
    assert correction.amount == -2_400 and correction.corrects_id == first.pk
    assert correction.paid_at is None
    assert selectors.payout_total(municipality_a, first.month) == 10_000
    with pytest.raises(EducationError) as error:
        services.correct_payout(first, acting_user=clerk, amount=20_000, month=first.month,
                                reason="Za dużo")
    assert error.value.code == "correction_out_of_bounds"
    with pytest.raises(EducationError):
        services.correct_payout(first, acting_user=clerk, amount=0, month=first.month,
                                reason="Nic")


def test_the_allowance_within_its_cap_and_deadline(municipality_a, department_a, clerk,
                                                   regulation, resident):
    today = timezone.localdate()
    submission = file_help(municipality_a, department_a, "zasilek-szkolny",
                           allowance_data(event_on=today - datetime.timedelta(days=10)),
                           resident=resident)
    application = services.open_help_application(submission, acting_user=clerk)
    assert application.kind == HelpKind.ALLOWANCE
    with pytest.raises(EducationError) as error:
        services.decide_help(application, acting_user=clerk, grant=True,
                             monthly_amount=62_001)
    assert error.value.code == "allowance_out_of_bounds"
    application = services.decide_help(application, acting_user=clerk, grant=True,
                                       monthly_amount=62_000)
    assert PayoutLine.objects.get(application=application).amount == 62_000
    assert "zasiłek szkolny" in application.decision_text


def test_a_late_allowance_is_refused(municipality_a, department_a, clerk, regulation,
                                     resident):
    today = timezone.localdate()
    submission = file_help(municipality_a, department_a, "zasilek-szkolny",
                           allowance_data(event_on=today - datetime.timedelta(days=70)),
                           resident=resident)
    application = services.open_help_application(submission, acting_user=clerk)
    with pytest.raises(EducationError) as error:
        services.decide_help(application, acting_user=clerk, grant=True, monthly_amount=100)
    assert error.value.code == "allowance_late"


def test_a_regulation_with_a_tier_outside_the_bounds_is_refused(municipality_a, clerk):
    with pytest.raises(EducationError) as error:
        services.set_regulation(municipality_a, acting_user=clerk,
                                effective_from=datetime.date(2026, 1, 1), resolution="X",
                                tiers=[{"up_to": 10_000, "amount": 30_000}])
    assert error.value.code == "amount_out_of_bounds"


def test_another_gmina_sees_none_of_it(scholarship, municipality_b):
    assert selectors.help_application(municipality_b, scholarship.pk) is None
    assert not selectors.waiting_help_submissions(municipality_b).exists()


def test_a_member_without_a_name_is_refused_by_number(scholarship, clerk):
    members = family()
    members[2].name = " "
    with pytest.raises(EducationError) as error:
        services.record_household(scholarship, acting_user=clerk, members=members)
    assert error.value.code == "member_name_required" and "Osoba 3" in str(error.value)
