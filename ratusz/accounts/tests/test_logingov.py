"""login.gov.pl: the whole SAML flow against the simulator process, and every refusal."""

from pathlib import Path

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


def _refusal(response, code):
    assert response.status_code == 400, response.status_code
    text = response.content.decode()
    assert code in text
    assert "_auth_user_id" not in response.wsgi_request.session
    return text


@pytest.mark.parametrize("fault, code", [
    ("tamper", "bad_signature"),
    ("wrong_signature", "bad_signature"),
    ("unsigned_assertion", "unsigned"),
    ("wrong_encryption", "decryption"),
    ("expired", "expired"),
    ("wrong_audience", "wrong_audience"),
    ("wrong_destination", "wrong_destination"),
    ("low_loa", "loa_too_low"),
])
def test_bad_responses_are_refused_with_a_page_and_a_log_entry(client, logingov, caplog,
                                                                  fault, code):
    before = ResidentProfile.objects.count()
    response, _ = sign_in_through_simulator(client, logingov, fault=fault)
    _refusal(response, code)
    assert ResidentProfile.objects.count() == before
    assert any(getattr(record, "saml_refusal", "") == code for record in caplog.records)
    entry = AuditLog.objects.filter(action="sign_in_failed").latest("pk")
    assert entry.after == {"method": "login.gov.pl", "reason": code}
    assert not client.get("/account/").wsgi_request.user.is_authenticated


def test_a_replayed_assertion_is_refused(client, logingov):
    first, _ = sign_in_through_simulator(client, logingov, person=1)
    assert first.status_code == 302
    client.post("/auth/logout/")
    # The node answers a new sign-in with the assertion it issued before.
    second, _ = sign_in_through_simulator(client, logingov, person=1, fault="replay")
    _refusal(second, "in_response_to")


def test_the_same_assertion_twice_is_refused_as_a_replay(logingov, settings):
    """At the protocol level: one assertion, one sign-in (ids are remembered)."""
    from ratusz.accounts.logingov import protocol
    from ratusz.accounts.logingov.config import config_for
    from ratusz.accounts.logingov.sessions import remember_message as _remember
    from ratusz.accounts.logingov.simulator import Simulator

    cfg = config_for(None)
    simulator = Simulator(key_dir=logingov.key_dir, sp_metadata=str(logingov.metadata_file),
                          base_url=logingov.url)
    facts = {"request_id": "_req", "acs": cfg.acs_url, "sp_entity": cfg.sp_entity_id,
             "enc_cert": Path(cfg.enc_cert_file).read_bytes(), "person": simulator.persons[2],
             "name_id": "x", "session_index": "_s", "loa": cfg.loa}
    from lxml import etree

    response = simulator.response(facts)
    artifact_response = etree.Element(f"{{{protocol.SAMLP}}}ArtifactResponse", ID="_ar",
                                      InResponseTo="_res", Version="2.0",
                                      nsmap={"saml2p": protocol.SAMLP,
                                             "saml2": protocol.SAML})
    etree.SubElement(artifact_response, f"{{{protocol.SAML}}}Issuer").text = logingov.url
    status = etree.SubElement(artifact_response, f"{{{protocol.SAMLP}}}Status")
    etree.SubElement(status, f"{{{protocol.SAMLP}}}StatusCode", Value=protocol.SUCCESS)
    artifact_response.append(response)
    soap = protocol.soap_envelope(etree.tostring(artifact_response).decode())
    person = protocol.read_artifact_response(cfg, soap, resolve_id="_res",
                                             request_id="_req", seen=_remember)
    assert person.pesel == "92072408761"
    with pytest.raises(protocol.SamlError) as refused:
        protocol.read_artifact_response(cfg, soap, resolve_id="_res", request_id="_req",
                                        seen=_remember)
    assert refused.value.code == "replayed"
    with pytest.raises(protocol.SamlError) as other:
        protocol.read_artifact_response(cfg, soap, resolve_id="_res", request_id="_other",
                                        seen=_remember)
    assert other.value.code == "in_response_to"


def test_an_artifact_url_used_twice_is_refused(client, logingov):
    response, location = sign_in_through_simulator(client, logingov, person=3)
    assert response.status_code == 302
    client.post("/auth/logout/")
    again = client.get(location.split("://", 1)[1].split("/", 1)[1].join(["/", ""]))
    _refusal(again, "no_pending")


def test_an_unsolicited_response_is_refused(client, logingov):
    response = client.get("/auth/login-gov/acs/", {"SAMLart": "AAQAAA==", "RelayState": "x"})
    _refusal(response, "no_pending")


def test_cancel_at_the_node_is_refused_clearly(client, logingov):
    response, _ = sign_in_through_simulator(client, logingov, action="cancel")
    text = _refusal(response, "status")
    assert "login.gov.pl" in text


def test_a_pesel_of_an_existing_account_links_never_duplicates(client, logingov, resident):
    identity.set_identified(resident, "64022711296")
    count = User.objects.count()
    response, _ = sign_in_through_simulator(client, logingov, person=3)
    assert response.status_code == 302
    assert client.get("/account/").wsgi_request.user == resident
    assert User.objects.count() == count
    # Signed in as another (weaker) resident account: the PESEL still leads to its owner.
    client.post("/auth/logout/")
    from ratusz.accounts.tests.factories import ResidentFactory

    other = ResidentFactory(username="inna@example.org")
    client.force_login(other)
    response, _ = sign_in_through_simulator(client, logingov, person=3)
    assert client.get("/account/").wsgi_request.user == resident
    assert User.objects.count() == count + 1
    assert not ResidentProfile.objects.get(user=other).is_identified


def test_a_weaker_account_becomes_identified_on_first_sign_in(client, logingov):
    from ratusz.accounts.tests.factories import ResidentFactory

    weak = ResidentFactory(username="ewa@example.org")
    client.force_login(weak)
    assert "Confirm through login.gov.pl" in client.get("/account/").content.decode() or \
        "Potwierdź" in client.get("/account/").content.decode()
    count = User.objects.count()
    response, _ = sign_in_through_simulator(client, logingov, person=4)
    assert response.status_code == 302
    weak.refresh_from_db()
    assert User.objects.count() == count
    assert weak.resident_profile.is_identified
    assert weak.first_name == "Zofia"


def test_a_staff_session_never_turns_into_a_resident(client, logingov, admin_a):
    clerk_a = admin_a
    client.force_login(clerk_a)
    response, _ = sign_in_through_simulator(client, logingov, person=5)
    user = client.get("/account/").wsgi_request.user
    assert user != clerk_a and user.is_resident
    clerk_a.refresh_from_db()
    assert not hasattr(clerk_a, "resident_profile") or \
        not ResidentProfile.objects.filter(user=clerk_a).exists()


def test_single_logout_ends_both_sessions(client, logingov):
    response, _ = sign_in_through_simulator(client, logingov, person=0)
    assert response.status_code == 302
    page = client.post("/auth/logout/")
    assert page.status_code == 200
    assert not client.get("/account/").wsgi_request.user.is_authenticated
    import requests

    from ratusz.testing.logingov import hidden_fields

    action, fields = hidden_fields(page.content.decode())
    assert action == logingov.url + "/login-services/singleLogoutService"
    assert "form-action 'self' " + logingov.url in page["Content-Security-Policy"]
    answer = requests.post(action, data=fields, timeout=10)
    back, values = hidden_fields(answer.text)
    assert back == "http://testserver/auth/login-gov/slo/"
    done = client.post("/auth/login-gov/slo/", values)
    assert done.status_code == 302
    assert any(entry["event"] == "logout" and entry["known_session"]
               for entry in logingov.log())
    # The same LogoutResponse again is a replay; one without our RelayState is unsolicited.
    _refusal(client.post("/auth/login-gov/slo/", values), "replayed")
    _refusal(client.post("/auth/login-gov/slo/", {**values, "RelayState": "x"}),
             "no_pending")


def test_metadata_and_signed_request(client, logingov):
    from lxml import etree

    response = client.get("/auth/login-gov/metadata/")
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    md = "urn:oasis:names:tc:SAML:2.0:metadata"
    acs = root.find(f".//{{{md}}}AssertionConsumerService")
    assert acs.get("Location") == "http://testserver/auth/login-gov/acs/"
    assert acs.get("Binding") == "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact"
    uses = {k.get("use") for k in root.iter(f"{{{md}}}KeyDescriptor")}
    assert uses == {"signing", "encryption"}
    start = client.get("/auth/login-gov/start/")
    import base64

    from ratusz.testing.logingov import hidden_fields

    _action, fields = hidden_fields(start.content.decode())
    request = etree.fromstring(base64.b64decode(fields["SAMLRequest"]))
    assert request.get("ForceAuthn") == "true"
    assert request.get("ProtocolBinding").endswith("HTTP-Artifact")
    text = etree.tostring(request).decode()
    assert "ecdsa-sha256" in text and "SPType>public<" in text
    assert "http://eidas.europa.eu/LoA/substantial" in text
    assert client.get("/auth/login-gov/metadata/", {"gmina": "nie-ma"}).status_code == 404


def test_pesel_is_protected():
    assert identity.mask_pesel(ANNA) == "•••••••2343"
    assert identity.decrypt_pesel(identity.encrypt_pesel(ANNA)) == ANNA
    assert identity.encrypt_pesel(ANNA) != identity.encrypt_pesel(ANNA)  # random IV
    assert identity.pesel_digest(ANNA) == identity.pesel_digest(ANNA)
    assert identity.decrypt_pesel("garbage") == ""


def test_a_gmina_may_have_its_own_registration(client, logingov, municipality_a):
    import base64

    from lxml import etree

    from ratusz.accounts.models import LoginGovSettings
    from ratusz.testing.logingov import hidden_fields

    LoginGovSettings.objects.create(municipality=municipality_a,
                                    sp_entity_id="https://alfa.example/saml")
    metadata = etree.fromstring(client.get("/auth/login-gov/metadata/",
                                           {"gmina": municipality_a.slug}).content)
    assert metadata.get("entityID") == "https://alfa.example/saml"
    platform = etree.fromstring(client.get("/auth/login-gov/metadata/").content)
    assert platform.get("entityID") == "http://testserver/auth/login-gov/metadata/"
    start = client.get("/auth/login-gov/start/", {"gmina": municipality_a.slug})
    _action, fields = hidden_fields(start.content.decode())
    request = etree.fromstring(base64.b64decode(fields["SAMLRequest"]))
    assert request.findtext("{urn:oasis:names:tc:SAML:2.0:assertion}Issuer") == \
        "https://alfa.example/saml"
    assert client.session["logingov_pending"]["key"] == municipality_a.slug
    LoginGovSettings.objects.filter(municipality=municipality_a).update(enabled=False)
    start = client.get("/auth/login-gov/start/", {"gmina": municipality_a.slug})
    assert client.session["logingov_pending"]["key"] == "platform"


def test_the_node_ends_our_session_when_the_person_signs_out_elsewhere(client, logingov):
    import requests

    from ratusz.accounts.models import LoginGovSession
    from ratusz.testing.logingov import hidden_fields

    response, _ = sign_in_through_simulator(client, logingov, person=2)
    assert response.status_code == 302
    assert LoginGovSession.objects.count() == 1
    # The node's LogoutRequest comes through another browser: no session cookie of ours.
    facts = requests.post(logingov.url + "/_control/logout", data="{}", timeout=5).json()
    from django.test import Client

    other_browser = Client()
    page = other_browser.post("/auth/login-gov/slo/", {"SAMLRequest": facts["SAMLRequest"],
                                                        "RelayState": ""})
    assert page.status_code == 200
    assert not client.get("/account/").wsgi_request.user.is_authenticated
    assert LoginGovSession.objects.count() == 0
    action, fields = hidden_fields(page.content.decode())
    assert action == logingov.url + "/login-services/singleLogoutService"
    requests.post(action, data=fields, timeout=10).raise_for_status()
    assert any(entry["event"] == "sp_logout_response" and entry["in_response_to"] == facts["id"]
               and entry["status"].endswith("Success") for entry in logingov.log())
    # The same LogoutRequest again is a replay.
    again = other_browser.post("/auth/login-gov/slo/", {"SAMLRequest": facts["SAMLRequest"]})
    assert again.status_code == 400 and "replayed" in again.content.decode()


def test_a_forged_node_logout_request_is_refused(client, logingov):
    import base64

    response, _ = sign_in_through_simulator(client, logingov, person=1)
    forged = (b'<saml2p:LogoutRequest xmlns:saml2p="urn:oasis:names:tc:SAML:2.0:protocol" '
              b'xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="_f" Version="2.0">'
              b'<saml2:Issuer>x</saml2:Issuer><saml2:NameID>n</saml2:NameID>'
              b'</saml2p:LogoutRequest>')
    page = client.post("/auth/login-gov/slo/", {"SAMLRequest": base64.b64encode(forged).decode()})
    assert page.status_code == 400 and "unsigned" in page.content.decode()
    assert client.get("/account/").wsgi_request.user.is_authenticated


def test_the_metadata_advertises_only_the_algorithms_we_use(client, logingov):
    # Finding 10 of the outside review: md5, sha1, dsa-sha1 and ripemd160 were advertised.
    from lxml import etree

    root = etree.fromstring(client.get("/auth/login-gov/metadata/").content)
    algsupport = "urn:oasis:names:tc:SAML:metadata:algsupport"
    digests = {e.get("Algorithm") for e in root.iter(f"{{{algsupport}}}DigestMethod")}
    signing = {e.get("Algorithm") for e in root.iter(f"{{{algsupport}}}SigningMethod")}
    assert digests == {"http://www.w3.org/2001/04/xmlenc#sha256",
                       "http://www.w3.org/2001/04/xmldsig-more#sha384",
                       "http://www.w3.org/2001/04/xmlenc#sha512"}
    assert "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256" in signing
    weak = ("md5", "sha1", "ripemd", "dsa-sha1", "sha224")
    assert not [a for a in digests | signing if any(w in a for w in weak)]
