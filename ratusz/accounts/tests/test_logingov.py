"""login.gov.pl: the whole SAML flow against the simulator process, and every refusal."""

import pytest

from ratusz.accounts import identity
from ratusz.accounts.models import ResidentProfile, User
from ratusz.core.models import AuditLog
from ratusz.testing.logingov import sign_in_through_simulator

pytestmark = pytest.mark.django_db

ANNA = "85031212343"


def test_first_sign_in_creates_an_identified_resident(client, logingov):
    response, _ = sign_in_through_simulator(client, logingov, person=0)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == "/account/"
    profile = ResidentProfile.objects.get(pesel_digest=identity.pesel_digest(ANNA))
    assert profile.user.first_name == "Anna"
    assert profile.user.last_name == "Kowalczyk"
    assert str(profile.birth_date) == "1985-03-12"
    assert profile.identity_loa == "http://eidas.europa.eu/LoA/substantial"
    assert ANNA not in profile.pesel_ciphertext
    assert identity.profile_pesel(profile) == ANNA
    page = client.get("/account/")
    assert "•••••••2343" in page.content.decode()
    assert ANNA not in page.content.decode()
