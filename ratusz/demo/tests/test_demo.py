"""The demo: five real gminy with staff in every role; loading twice changes nothing."""

from ratusz.accounts.models import User, UserKind
from ratusz.accounts.selectors import authenticate_api_token, roles_of, token_permissions
from ratusz.cases.services import final_class
from ratusz.core.models import Department, Locality, Municipality, Unit
from ratusz.demo.loader import DEMO_PASSWORD, load_demo

EXPECTED = {
    "niedrzwica-duza": ("Niedrzwica Duża", "0609102"),
    "jablonna": ("Jabłonna", "0609062"),
    "jastkow": ("Jastków", "0609072"),
    "strzyzewice": ("Strzyżewice", "0609122"),
    "wierzbica": ("Wierzbica", "0603122"),
}


def test_the_demo_holds_the_five_gminy_with_every_role(db, client):
    demo = load_demo(base_url="http://127.0.0.1:8000")
    assert demo["base_url"] == "http://127.0.0.1:8000"
    assert {item["slug"]: (item["name"], item["teryt"]) for item in demo["municipalities"]} \
        == EXPECTED
    for item in demo["municipalities"]:
        municipality = Municipality.objects.get(slug=item["slug"])
        assert set(item["users"]) == {"registry_clerk", "case_officer", "head", "secretary",
                                      "admin", "finance", "education", "resident"}
        for key, account in item["users"].items():
            user = User.objects.get(username=account["username"])
            assert user.check_password(account["password"])
            if key == "resident":
                assert user.kind == UserKind.RESIDENT
            else:
                assert user.municipality == municipality
                assert roles_of(user, municipality), key
        assert Unit.objects.for_municipality(municipality).count() >= 3
        assert Unit.objects.for_municipality(municipality).filter(kind="office").count() == 1
        assert Department.objects.for_municipality(municipality).filter(symbol="GK").exists()
        assert Locality.objects.for_municipality(municipality).count() >= 8
        clerk_token = authenticate_api_token(item["api_token"])
        assert clerk_token.user.username == item["users"]["registry_clerk"]["username"]
        assert clerk_token.municipality == municipality
        assert "correspondence.register" in token_permissions(clerk_token)
        resident_token = authenticate_api_token(item["resident_token"])
        assert resident_token.user.kind == UserKind.RESIDENT
        assert set(item["ezd_sample"]) == {"department", "jrwa_symbol"}
        office = Unit.objects.for_municipality(municipality).get(kind="office")
        assert final_class(office, item["ezd_sample"]["jrwa_symbol"]) is not None
        assert Department.objects.for_municipality(municipality).filter(
            symbol=item["ezd_sample"]["department"]).exists()
        me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {item['api_token']}").json()
        assert me["municipality"]["slug"] == item["slug"]
        services = client.get("/api/v1/services",
                              HTTP_AUTHORIZATION=f"Bearer {item['resident_token']}").json()
        assert services["count"] >= 50
        assert item["eservice_sample"] == {"slug": "pismo-ogolne"}
        assert "pismo-ogolne" in {service["slug"] for service in services["items"]}
    assert demo["operator"]["password"] == DEMO_PASSWORD


def test_loading_again_keeps_the_data_and_renews_the_tokens(db):
    first = load_demo(base_url="http://127.0.0.1:8000")
    counts = (User.objects.count(), Unit.objects.count(), Department.objects.count(),
              Locality.objects.count())
    second = load_demo(base_url="http://127.0.0.1:8000")
    assert (User.objects.count(), Unit.objects.count(), Department.objects.count(),
            Locality.objects.count()) == counts
    old_token = first["municipalities"][0]["api_token"]
    new_token = second["municipalities"][0]["api_token"]
    assert authenticate_api_token(old_token) is None
    assert authenticate_api_token(new_token) is not None


def test_demo_residents_sign_in_through_the_simulator_and_staff_have_an_authenticator(db):
    import base64

    from django.core.management import call_command
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from ratusz.accounts import identity
    from ratusz.demo.loader import demo_persons

    demo = load_demo(base_url="http://127.0.0.1:8000")
    persons = {(p["given_name"], p["family_name"]): p["pesel"] for p in demo_persons()}
    assert len(persons) == 5
    for item in demo["municipalities"]:
        resident = User.objects.get(username=item["users"]["resident"]["username"])
        profile = resident.resident_profile
        assert profile.is_identified
        assert identity.profile_pesel(profile) == persons[(resident.first_name,
                                                           resident.last_name)]
        clerk = item["users"]["registry_clerk"]
        device = TOTPDevice.objects.get(user__username=clerk["username"], name="demo")
        assert base64.b32encode(device.bin_key).decode() == clerk["totp_secret"]
    from io import StringIO

    out = StringIO()
    call_command("demo_totp", clerk["username"], stdout=out)
    assert out.getvalue().strip() in {f"{totp(device.bin_key, drift=d):06d}"
                                      for d in (-1, 0, 1)}
