"""The tenant wall, walked over every URL pattern of the site.

A staff member of gmina A holding every role can neither read nor change anything of
gmina B, whether through B's addresses or by putting B's ids into A's addresses; anonymous
people reach only the public pages. The sanity pass proves the walk itself can fail: the
same URLs filled with A's own objects answer A's staff.
"""

import importlib
import re

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from ratusz.accounts import services as account_services
from ratusz.accounts.models import RoleAssignment
from ratusz.accounts.permissions import Permission, Role
from ratusz.accounts.tests.factories import ResidentFactory
from ratusz.core.models import AuditLog, PersonalDataAccess

#: Named URL patterns anyone may open.
PUBLIC = {
    "core:platform-home", "core:healthz", "core:readyz", "gmina:municipality-home",
    "accounts:login", "accounts:logout", "set_language", "accounts:register",
    "accounts:register-resend", "accounts:register-confirm", "accounts:password-reset",
    "accounts:password-reset-sent", "accounts:password-reset-confirm",
    "accounts:password-reset-done",
    # login.gov.pl: start, the node's way back (refused unless a sign-in is pending here),
    # our metadata, single logout.
    "accounts:logingov-start", "accounts:logingov-acs", "accounts:logingov-metadata",
    "accounts:logingov-slo",
}
#: The gmina's e-office: open to everyone (a service may still ask to sign in to send).
E_OFFICE_PUBLIC = {
    "eservices:catalogue", "eservices:card", "eservices:form", "eservices:form-summary",
    "eservices:check-email", "eservices:confirm", "eservices:status", "eservices:verify",
    "eservices:accessibility",
}
PUBLIC |= E_OFFICE_PUBLIC
#: Notifications: subscribing and the published alerts are public; the links with a
#: subscriber's secret token and the gateways' key-protected callbacks need no sign-in.
PUBLIC |= {
    "notifications:subscribe", "notifications:check-email", "notifications:confirm-email",
    "notifications:confirm-phone", "notifications:preferences", "notifications:unsubscribe",
    "notifications:push-subscribe", "alerts:alerts", "alerts:alert-feed", "alerts:alert-cap",
    "alerts:alert", "notifications-callbacks:sms",
}
#: The BIP (issue 7): every page of the gmina's and the units' bulletins is public.
PUBLIC |= {
    "bip:home", "bip:unit-home", "bip:section", "bip:unit-section", "bip:entry",
    "bip:entry-print", "bip:versions", "bip:version", "bip:diff", "bip:register",
    "bip:attachment", "bip:search", "bip:feed", "bip:unit-feed", "bip:section-feed",
    "bip:unit-section-feed", "bip:sitemap", "bip:export", "bip:unit-export",
    "bip:instructions", "bip:stats", "bip:not-found",
}
#: The images of the BIP entries' texts: public for readable entries (editors see drafts').
PUBLIC |= {"bip:image"}
#: The units' websites (issue 7, item 5): news, pages, events and contact are public.
PUBLIC |= {
    "website:home", "website:news", "website:news-item", "website:events", "website:event",
    "website:events-ics", "website:page", "website:contact",
}
#: Reports (issue 17): a gmina's indicators are open data (a page, CSV and JSON).
PUBLIC |= {"indicators:public", "indicators:public-json", "indicators:public-csv"}
#: Payments: the gateway's notification addresses, protected by the secret key in them.
PUBLIC |= {"payments-platform:gateway-status", "payments-platform:gateway-refusal"}
#: Closed to the public but not by sign-in: answers 404 unless configured (or, for the
#: receipt of a submission without sign-in, unless the browser filed it or has its code).
CLOSED_WITHOUT_SIGN_IN = {"core:metrics", "eservices:received", "eservices:anonymous-receipt"}
#: The resident's own matters: sign-in first, then only the resident's own.
RESIDENT_ONLY = {"eservices:my-matters", "eservices:matter", "eservices:matter-receipt",
                 "eservices:matter-letter",
                 # Reports: the late notice of a resident's matter and the ponaglenie.
                 "indicators:ponaglenie"}
#: The taxpayer account (payments): a resident's own, after login.gov.pl.
RESIDENT_ONLY |= {"payments:account", "payments:pay", "payments:payment",
                  "payments:statement-pdf"}
#: Education (issue 20): the recruitments and their rules are public; the application form
#: answers everyone (it asks to sign in through login.gov.pl before it takes anything).
PUBLIC |= {"education:recruitment", "education:campaign", "education:apply"}
#: Education: a parent's own application, after sign-in, only the parent's.
RESIDENT_ONLY |= {"education:application"}
RESIDENT_ONLY |= {"education:attendance-children", "education:attendance-child"}
#: Education: a parent's own scholarship and allowance matters (read-only), after sign-in.
RESIDENT_ONLY |= {"education:my-help"}
#: Education II: the school library catalogue (search, a record) is public; "my library"
#: (a resident's reader cards, loans and reservations) is the resident's own.
PUBLIC |= {"education:library-search", "education:library-record"}
RESIDENT_ONLY |= {"education:library-mine"}
SKIPPED_PREFIXES = ("api/", "admin/")  # tested in test_api.py and test_admin_access below
KWARG = re.compile(r"<(?:\w+:)?(\w+)>")


def walk(resolver=None, prefix="", namespace=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}{pattern.namespace}:"
            yield from walk(pattern, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), f"{namespace}{pattern.name}", pattern


def site_patterns():
    return [(route, name, pattern) for route, name, pattern in walk()
            if not route.startswith(SKIPPED_PREFIXES)]


def fill(route: str, values: dict) -> str:
    def replace(match):
        name = match.group(1)
        if name not in values:
            raise AssertionError(f"The isolation walk has no value for <{name}> in {route}: "
                                 "add one to `world` in test_isolation.py")
        return str(values[name])

    return "/" + KWARG.sub(replace, route)


def build_world(municipality, department, make_staff, label):
    """One gmina with one object of every kind a URL can name."""
    staff = make_staff(municipality, Role.CASE_OFFICER, department=department,
                       username=f"{label}.referent")
    assignment = RoleAssignment.objects.get(user=staff)
    resident = ResidentFactory(username=f"{label}.mieszkaniec")
    account_services.link_resident(municipality, resident)
    token, _secret = account_services.issue_api_token(
        municipality, acting_user=None, name=f"{label} system",
        permissions=[Permission.VIEW_DIRECTORY],
    )
    ezd = build_ezd_world(municipality, department, staff)
    archival_case_id = ezd.pop("_archival_case_id")
    eservices = build_eservices_world(municipality, department, resident, label)
    notifications = build_notifications_world(municipality, staff)
    draft_id = notifications.pop("_draft_id")
    bulletin = build_bulletin_world(department, staff)
    bip_entry_id = bulletin.pop("_entry_id")  # `entry_id` also names EZD's incoming entries
    websites = build_website_world(department, staff)
    world = {
        "resident": resident,
        "values": {"municipality_slug": municipality.slug, "user_id": staff.pk,
                   "department_id": department.pk, "assignment_id": assignment.pk,
                   "token_id": token.pk, "action": "confirm", "uidb64": "MQ",
                   "export_format": "json", **ezd,
                   **eservices, **notifications, **bulletin, **websites},
        "overrides": {"staff:resident-detail": {"user_id": resident.pk},
                      "notifications-staff:edit": {"alert_id": draft_id},
                      "ezd:case-export": {"case_id": archival_case_id},
                      "bip-staff:entry-edit": {"entry_id": bip_entry_id},
                      "bip-staff:image-upload": {"entry_id": bip_entry_id}},
    }
    for build in app_world_builders():
        extra = build(municipality=municipality, department=department, staff=staff,
                      resident=resident, label=label)
        world["values"].update(extra.get("values", {}))
        world["overrides"].update(extra.get("overrides", {}))
    return world


def app_world_builders():
    """Apps contribute the objects their URLs name through `ratusz/<app>/tests/world.py`
    (a function `build(*, municipality, department, staff, resident, label)` returning
    `{"values": {...}, "overrides": {<url name>: {...}}}`), found here without an edit."""
    builders = []
    for config in apps.get_app_configs():
        if not config.name.startswith("ratusz."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.tests.world")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.tests.world":
                raise
            continue
        builders.append(module.build)
    return builders


def build_ezd_world(municipality, department, staff):
    """A registered letter, a case with a letter and a document: every EZD id kwarg."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from ratusz.cases import services as ezd
    from ratusz.cases.models import Document, DocumentVersion
    from ratusz.cases.tests.conftest import make_jrwa

    make_jrwa(department.unit)
    entry, _ = ezd.register_incoming(
        department.unit, acting_user=staff, title="Pismo", received_on=timezone.localdate(),
        senders=[ezd.SenderData(kind="person", last_name="Nowak", city="X")], channel="post")
    case = ezd.open_case(department.unit, acting_user=staff, department=department,
                         jrwa_symbol="1431", title="Sprawa")
    letter = ezd.draft_letter(case, acting_user=staff, subject="Odpowiedź", body="Treść",
                              addressee_name="Jan Nowak", addressee_address="Polna 1",
                              addressee_city="24-220 X")
    document = Document.objects.create(municipality=municipality, case=case, title="Skan",
                                       kind="scan")
    path = default_storage.save(f"documents/{municipality.pk}/skan.txt", ContentFile(b"tekst"))
    default_storage.save(f"{path}.preview.png", ContentFile(b"\x89PNG\r\n\x1a\n"))
    version = DocumentVersion.objects.create(
        municipality=municipality, document=document, number=1, file=path,
        original_name="skan.txt", content_type="text/plain", size=5, sha256="0" * 64)
    from ratusz.cases.models import DisposalList

    archival = ezd.close_case(ezd.open_case(department.unit, acting_user=staff,
                                            department=department, jrwa_symbol="0003",
                                            title="Interpelacja"), acting_user=staff)
    disposal = DisposalList.objects.create(municipality=municipality, unit=department.unit,
                                           created_by=staff)
    rule = ezd.create_routing_rule(department.unit, acting_user=staff, name="Reguła",
                                   to_department=department, match_sender_contains="urząd")
    return {"entry_id": entry.pk, "case_id": case.pk, "letter_id": letter.pk,
            "version_id": version.pk, "disposal_id": disposal.pk, "rule_id": rule.pk,
            "_archival_case_id": archival.pk}


def build_eservices_world(municipality, department, resident, label):
    """A published service and a resident's submission: every e-services kwarg."""
    from ratusz.eservices import services as eservices
    from ratusz.eservices.tests.conftest import LETTER_FORM, VALID_LETTER, make_service

    service = make_service(municipality, department, f"pismo-{label}", LETTER_FORM,
                           jrwa_symbol="1431", allows_anonymous=True,
                           requires_identification=False)
    submission, _ = eservices.submit(service, data=VALID_LETTER, resident=resident)
    return {"slug": service.slug, "service_id": service.pk, "submission_id": submission.pk,
            "public_id": submission.public_id, "kind": "pdf", "token": "nieznany"}


def build_notifications_world(municipality, staff):
    """A published alert and a draft: the ids the notification pages name."""
    from ratusz.notifications import services as notifications

    def alert(headline):
        return notifications.create_alert(municipality, notifications.AlertData(
            event="Przerwa w dostawie wody", headline=headline, description="Awaria.",
            severity="Moderate", urgency="Expected", certainty="Likely", topic="water"),
            acting_user=staff)[0]

    published = notifications.submit_alert(alert("Brak wody"), acting_user=staff)
    return {"alert_id": published.pk, "_draft_id": alert("Szkic").pk, "purpose": "alert",
            "channel": "sms", "gateway": "smsapi"}


def build_bulletin_world(department, staff):
    """The office's BIP with a published entry: the ids the BIP editor's pages name."""
    from django.utils import timezone

    from ratusz.bulletin import services as bulletin

    site = bulletin.ensure_site(department.unit)
    entry = bulletin.create_entry(site.sections.get(slug="ogloszenia"), bulletin.EntryData(
        title="Ogłoszenie", body="<p>Treść.</p>", produced_by="OR", responsible="Referent",
        produced_on=timezone.localdate()), acting_user=staff)
    bulletin.submit_entry(entry, acting_user=staff)
    return {"site_id": site.pk, "_entry_id": entry.pk}


def build_website_world(department, staff):
    """A page, a news item and an event of the unit's website: the staff editor's ids."""
    from django.utils import timezone

    from ratusz.bulletin import services as website

    unit = department.unit
    page = website.create_page(unit, website.PageData(title="O nas"), acting_user=staff)
    item = website.create_news(unit, website.NewsData(title="Aktualność"), acting_user=staff)
    event = website.create_event(unit, website.EventData(
        title="Wydarzenie", starts_at=timezone.now()), acting_user=staff)
    return {"unit_id": unit.pk, "page_id": page.pk, "item_id": item.pk,
            "event_id": event.pk}


def values_for(world, name):
    return {**world["values"], **world["overrides"].get(name, {})}


def database_state():
    """Row counts of every model of every app of ours, and the audit trail's size."""
    counts = {}
    for model in apps.get_models():
        if model.__module__.startswith("ratusz."):
            counts[model._meta.label] = model._base_manager.count()
    counts["audit"] = AuditLog.objects.count()
    counts["rodo"] = PersonalDataAccess.objects.count()
    return counts


@pytest.fixture
def worlds(municipality_a, municipality_b, department_a, department_b, make_staff):
    return (build_world(municipality_a, department_a, make_staff, "alfa"),
            build_world(municipality_b, department_b, make_staff, "beta"))


@pytest.fixture
def almighty_a(make_staff, municipality_a, department_a):
    """A staff member of A who holds every role there."""
    user = make_staff(municipality_a, *[role for role in Role if role != Role.HEAD],
                      username="alfa.wszystko")
    RoleAssignment.objects.create(municipality=municipality_a, user=user, role=Role.HEAD,
                                  department=department_a, unit=department_a.unit)
    return user


def tenant_routes():
    """The staff workspace of a gmina (the e-office has its own walls, tested below)."""
    return [(route, name) for route, name, _ in site_patterns()
            if route.startswith("g/") and name not in PUBLIC
            and name not in CLOSED_WITHOUT_SIGN_IN and name not in RESIDENT_ONLY]


def test_the_walk_covers_the_staff_workspace():
    names = {name for _, name in tenant_routes()}
    assert {"staff:dashboard", "staff:staff-detail", "staff:resident-detail",
            "staff:api-tokens", "staff:department-edit"} <= names


def test_staff_of_a_reach_their_own_gmina(client, worlds, almighty_a):
    """Sanity: with A's own ids every page answers A's staff (so the 404s below mean it)."""
    world_a, _ = worlds
    client.force_login(almighty_a)
    for route, name in tenant_routes():
        url = fill(route, values_for(world_a, name))
        response = client.get(url)
        assert response.status_code in (200, 405), (url, response.status_code)


@pytest.mark.parametrize("method", ["get", "post"])
def test_staff_of_a_cannot_touch_gmina_b(client, worlds, almighty_a, method):
    world_a, world_b = worlds
    client.force_login(almighty_a)
    before = database_state()
    for route, name in tenant_routes():
        # B's own addresses, then B's ids smuggled into A's addresses.
        foreign = fill(route, values_for(world_b, name))
        smuggled_values = {**values_for(world_b, name), "municipality_slug": "alfa"}
        smuggled = fill(route, smuggled_values)
        for url in (foreign, smuggled):
            if url == fill(route, values_for(world_a, name)):
                continue  # a route with no object id is A's own page
            response = getattr(client, method)(url, {"name": "x", "symbol": "ZZ", "role": "admin"})
            assert response.status_code in (404, 405), (method, url, response.status_code)
    assert database_state() == before


def test_anonymous_people_reach_only_public_pages(client, worlds):
    world_a, _ = worlds
    for route, name, _ in site_patterns():
        if name in PUBLIC:
            continue
        url = fill(route, values_for(world_a, name))
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if name in CLOSED_WITHOUT_SIGN_IN:
                assert response.status_code in (404, 405), (url, response.status_code)
            else:
                assert response.status_code in (302, 405), (method, url, response.status_code)
                if response.status_code == 302:
                    assert response["Location"].startswith("/auth/login/"), url


def test_residents_do_not_reach_the_staff_workspace(client, worlds, resident):
    world_a, _ = worlds
    client.force_login(resident)
    for route, name in tenant_routes():
        response = client.get(fill(route, values_for(world_a, name)))
        assert response.status_code in (404, 405), (route, response.status_code)


def resident_routes():
    return [(route, name) for route, name, _ in site_patterns() if name in RESIDENT_ONLY]


def test_the_walk_covers_the_residents_matters():
    assert {name for _, name in resident_routes()} == RESIDENT_ONLY


def test_a_resident_reaches_only_their_own_matters(client, worlds):
    """Sanity with the resident's own matter, then another gmina's and another person's."""
    world_a, world_b = worlds
    client.force_login(world_a["resident"])
    for route, name in resident_routes():
        own = fill(route, values_for(world_a, name))
        assert client.get(own).status_code in (200, 404 if name == "eservices:matter-letter"
                                               else 200), own
        foreign = fill(route, values_for(world_b, name))
        smuggled = fill(route, {**values_for(world_b, name), "municipality_slug": "alfa"})
        for url in (foreign, smuggled):
            if url == own or name == "eservices:my-matters":
                continue
            assert client.get(url).status_code == 404, url
            assert client.post(url, {"action": "withdraw", "confirm": "yes"}
                               ).status_code in (404, 405), url
    client.force_login(world_b["resident"])
    for route, name in resident_routes():
        if name != "eservices:my-matters":
            url = fill(route, values_for(world_a, name))
            assert client.get(url).status_code == 404, url


# --- The department wall inside one gmina (finding 1 of issue 15) --------------------------

#: Routes that name one case or what belongs to it (its letters, documents, its e-service
#: submission): staff of another department reach them only if they see the case.
CASE_KWARGS = {"case_id", "letter_id", "version_id", "submission_id"}
#: The e-office's staff queue lists only the submissions whose case the person sees.
SUBMISSION_QUEUE = "eservices-staff:submissions"
#: E-services staff pages that show no submission: the service cards and their forms are
#: the gmina's catalogue, edited by whoever holds services.manage, whatever the department.
SERVICE_CATALOGUE = {
    "eservices-staff:service-list", "eservices-staff:service-edit",
    "eservices-staff:form-editor", "eservices-staff:form-preview",
    "eservices-staff:form-publish", "eservices-staff:form-discard",
}


def department_routes():
    return [(route, name) for route, name in tenant_routes()
            if CASE_KWARGS & set(KWARG.findall(route))]


@pytest.fixture
def officer_of_another_department(make_staff, municipality_a, department_a):
    """A case officer and head of department GK of gmina A (the world's cases are OR's)."""
    from ratusz.core.tests.factories import DepartmentFactory

    surveying = DepartmentFactory(municipality=municipality_a, unit=department_a.unit,
                                  symbol="GK", name="Referat Geodezji")
    return make_staff(municipality_a, Role.CASE_OFFICER, Role.HEAD, department=surveying,
                      username="alfa.geodeta")


def test_the_department_pass_covers_every_e_services_staff_route():
    walled = {name for _, name in department_routes()}
    staff_routes = {name for _, name in tenant_routes() if name.startswith("eservices-staff:")}
    assert staff_routes == (staff_routes & walled) | {SUBMISSION_QUEUE} | SERVICE_CATALOGUE
    assert {"eservices-staff:submission-detail", "eservices-staff:submission-pdf",
            "eservices-staff:submission-receipt", "eservices-staff:submission-publish-bip",
            "ezd:case-detail", "ezd:document-download"} <= walled


@pytest.mark.parametrize("method", ["get", "post"])
def test_staff_of_another_department_reach_no_case_of_it(client, worlds,
                                                         officer_of_another_department,
                                                         method):
    """GK's staff get 404 on an OR case in the EZD, and on the same matter filed through
    the e-office: its answers, PDF, receipts, messages, fee and BIP reply."""
    world_a, _ = worlds
    client.force_login(officer_of_another_department)
    before = {**database_state(), "messages": _count("eservices.Message")}
    for route, name in department_routes():
        url = fill(route, values_for(world_a, name))
        response = getattr(client, method)(url, {"action": "message", "text": "x"})
        assert response.status_code in (404, 405), (method, url, response.status_code)
    queue = client.get(fill("g/<municipality_slug>/staff/e-uslugi/",
                            world_a["values"]), {"komorka": "wszystkie"})
    assert queue.status_code == 200
    assert f"wnioski/{world_a['values']['submission_id']}/" not in queue.content.decode()
    assert {**database_state(), "messages": _count("eservices.Message")} == before


def _count(label: str) -> int:
    return apps.get_model(label).objects.count()


def test_django_admin_is_for_the_platform_operator_only(client, almighty_a):
    client.force_login(almighty_a)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    response = client.get("/admin/core/municipality/")
    assert response.status_code == 302
