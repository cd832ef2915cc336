"""Test inquiries: scheduled by a coordinator, filed through the e-office from the flagged
test account on their day, answered by the first letter or the settlement, measured, and
left out of the indicators."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from ratusz.accounts.models import UserKind
from ratusz.cases import services as ezd
from ratusz.reports import models, selectors, services
from ratusz.reports.models import InquiryStatus, MatterClock, MemberStatus


@pytest.fixture
def coordinator(db):
    return get_user_model().objects.create_user("koordynator", password="x" * 12,
                                                kind=UserKind.COORDINATOR)


def test_an_inquiry_is_filed_answered_and_measured(client, municipality_a, letter_service,
                                                   officer_a, coordinator,
                                                   django_capture_on_commit_callbacks):
    partnership = services.create_partnership(acting_user=None, name="E-gminy",
                                              members=[municipality_a], accepted=True)
    partnership.coordinators.add(coordinator)
    client.force_login(coordinator)
    today = timezone.localdate()
    response = client.post("/partnerstwa/e-gminy/zapytania-testowe/",
                           {"scheduled_for": today.isoformat(), "municipalities": ["alfa"]})
    assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        assert services.file_due_inquiries(municipality_a) == 1
    inquiry = models.TestInquiry.objects.get()
    assert inquiry.status == InquiryStatus.FILED and inquiry.case is not None
    assert inquiry.case.incoming.channel == "eservice"
    with django_capture_on_commit_callbacks(execute=True):
        ezd.close_case(inquiry.case, acting_user=officer_a)
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.ANSWERED and inquiry.answer_days == 0
    assert MatterClock.objects.get(case=inquiry.case).is_test is True
    services.refresh_days(municipality_a, [today])
    figures = selectors.member_documents(partnership, today.year)[0]
    assert figures["inquiries"]["answered"] == 1
    assert figures["document"]["indicators"]["test_inquiry_days"]["value"] == 0
    assert figures["document"]["indicators"]["cases_settled"]["value"] == 0
    assert figures["document"]["indicators"]["incoming_total"]["value"] == 0
    page = client.get("/partnerstwa/e-gminy/zapytania-testowe/").content.decode()
    assert "Alfa" in page


def test_only_accepted_members_can_be_asked(municipality_a, municipality_b, coordinator):
    partnership = services.create_partnership(acting_user=None, name="P",
                                              members=[municipality_a, municipality_b])
    partnership.members.filter(municipality=municipality_a).update(
        status=MemberStatus.ACCEPTED)
    assert [m.slug for m in selectors.accepted_members(partnership)] == ["alfa"]
    with pytest.raises(services.PartnershipError):
        services.schedule_inquiry(municipality_a, acting_user=coordinator,
                                  on=timezone.localdate() - timedelta(days=1))
