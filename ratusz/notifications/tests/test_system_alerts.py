"""An alert a system sent through the API (no author) shows on the staff pages."""

import pytest

from ratusz.accounts.permissions import Role
from ratusz.notifications import services

pytestmark = pytest.mark.django_db


def test_the_staff_pages_show_an_alert_without_an_author(client, make_staff, municipality_a):
    secretary = make_staff(municipality_a, Role.SECRETARY)
    alert, _ = services.create_alert(municipality_a, services.AlertData(
        event="Przerwa w dostawie wody", headline="Brak wody w Dąbrowie",
        description="Awaria.", severity="Severe", urgency="Expected", certainty="Likely",
        topic="water"), acting_user=None)
    services.submit_alert(alert, acting_user=None)
    client.force_login(secretary)
    page = client.get(f"/g/alfa/staff/powiadomienia/{alert.pk}/")
    assert page.status_code == 200
    assert "Brak wody w Dąbrowie" in page.content.decode()
    dashboard = client.get("/g/alfa/staff/powiadomienia/")
    assert dashboard.status_code == 200 and "Brak wody w Dąbrowie" in dashboard.content.decode()
