"""The world of the crash trial and of the e-services and EZD benchmarks, made through the
services: the gmina Benchowo with the shipped JRWA, the general letter service, a resident
and a registry clerk with their API tokens; and the small PDF every submission carries."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

SERVICE_SLUG = "pismo-ogolne"
SUBMISSIONS_PATH = f"/api/v1/services/{SERVICE_SLUG}/submissions"
LETTER_FORM = {
    "title": "Pismo ogólne",
    "schema": {
        "type": "object", "additionalProperties": False,
        "properties": {
            "first_name": {"type": "string", "title": "Imię", "maxLength": 60},
            "last_name": {"type": "string", "title": "Nazwisko", "maxLength": 80},
            "email": {"type": "string", "title": "Adres e-mail", "format": "email"},
            "subject": {"type": "string", "title": "Temat", "maxLength": 200},
            "content": {"type": "string", "title": "Treść", "maxLength": 20_000},
            "files": {"type": "array", "title": "Załączniki", "maxItems": 1,
                      "x-attachment": {"accept": ["pdf"], "max_size_mb": 1}},
        },
        "required": ["last_name", "subject", "content"],
    },
    "layout": {
        "pages": [{"title": "Pismo", "sections": [
            {"title": "Nadawca", "fields": ["first_name", "last_name", "email"]},
            {"title": "Treść", "fields": ["subject", "content", "files"]}]}],
        "fields": {"first_name": {"prefill": "first_name"},
                   "last_name": {"prefill": "last_name"}, "email": {"prefill": "email"},
                   "content": {"widget": "textarea"}},
    },
}
NAMES = [("Ewa", "Mazur"), ("Jan", "Kowalski"), ("Zofia", "Wiśniewska"), ("Piotr", "Nowak")]
SUBJECTS = ["Oświetlenie ulicy Polnej", "Dziura w drodze gminnej", "Wycinka drzewa",
            "Zimowe utrzymanie chodników"]


def create_gmina(departments=(("OR", "Referat Organizacyjny"),)) -> SimpleNamespace:
    """The gmina Benchowo with these departments of its office and the shipped JRWA;
    `jrwa_symbol` is its first final class."""
    from ratusz.cases.jrwa import load_default_jrwa
    from ratusz.cases.models import JrwaClass
    from ratusz.core import services as core
    from ratusz.core.tenancy import tenant_context

    with tenant_context(None, all_municipalities=True):
        municipality = core.create_municipality(
            acting_user=None, name="Benchowo", official_name="Gmina Benchowo", slug="benchowo",
            teryt="0609995", kind="rural", voivodeship="lubelskie", county="lubelski",
            city="Benchowo")
    with tenant_context(municipality):
        office = municipality.office
        made = [core.create_department(municipality, acting_user=None, unit=office,
                                       symbol=symbol, name=name)
                for symbol, name in departments]
        load_default_jrwa(office, acting_user=None)
        jrwa = (JrwaClass.objects.for_municipality(municipality)
                .filter(version__unit=office, version__is_current=True, is_final=True)
                .order_by("symbol").first())
    return SimpleNamespace(municipality=municipality, office=office, departments=made,
                           jrwa_symbol=jrwa.symbol)


def add_letter_service(municipality, department):
    """The published service `pismo-ogolne` (LETTER_FORM), as the tests make it."""
    from ratusz.core.tenancy import tenant_context
    from ratusz.eservices.models import FormStatus, FormVersion, Service

    with tenant_context(municipality):
        service = Service.objects.create(
            municipality=municipality, department=department, slug=SERVICE_SLUG,
            search_text=SERVICE_SLUG, name=LETTER_FORM["title"], category="general",
            summary="Pismo w dowolnej sprawie", purpose="Cel", who_may_apply="Każdy",
            deadline_days=30, deadline_description="30 dni", jrwa_symbol="140",
            is_published=True, allows_anonymous=True, requires_identification=False)
        form = FormVersion.objects.create(
            municipality=municipality, service=service, number=1, title=LETTER_FORM["title"],
            schema=LETTER_FORM["schema"], layout=LETTER_FORM["layout"],
            status=FormStatus.PUBLISHED)
        service.current_form = form
        service.save(update_fields=["current_form"])
    return service


def add_resident(municipality, password: str):
    """A resident with a `resident.self` API token of the gmina: (user, token, secret)."""
    from ratusz.accounts import services as accounts
    from ratusz.accounts.permissions import Permission
    from ratusz.core.tenancy import tenant_context

    with tenant_context(None, all_municipalities=True):
        resident = accounts.register_resident(
            username="bench.mieszkaniec", email="mieszkaniec@benchowo.example.org",
            password=password, first_name="Ewa", last_name="Mazur", city="Benchowo",
            street="Polna", building="7", postal_code="24-220")
    with tenant_context(municipality):
        token, secret = accounts.issue_api_token(
            municipality, acting_user=None, name="bench resident", user=resident,
            permissions=[Permission.RESIDENT_SELF])
    return resident, token, secret


def add_registry_clerk(municipality, department):
    """A registry clerk of `department` with an API token of the role's permissions:
    (user, token, secret)."""
    from ratusz.accounts import services as accounts
    from ratusz.accounts.permissions import ROLE_PERMISSIONS, Role
    from ratusz.core.tenancy import tenant_context

    with tenant_context(municipality):
        clerk = accounts.create_staff_member(
            municipality, acting_user=None, username="bench.kancelaria", first_name="Anna",
            last_name="Kowalczyk", roles=[(Role.REGISTRY_CLERK, department)])
        token, secret = accounts.issue_api_token(
            municipality, acting_user=None, name="bench", user=clerk,
            permissions=sorted(ROLE_PERMISSIONS[Role.REGISTRY_CLERK]))
    return clerk, token, secret


@dataclass
class World:
    """What the load needs: the gmina, its office and department, the service, and the
    two API tokens (their ids scope the Idempotency-Keys, ratusz.core.idempotency)."""

    municipality: object
    office: object
    department: object
    jrwa_symbol: str
    service: object
    resident_token: str
    resident_token_id: int
    clerk_token: str
    clerk_token_id: int


def create_world(password: str, var: Path) -> World:
    """A gmina with one department (OR), the shipped JRWA, the letter service, a resident
    and a registry clerk with their tokens; the office's e-seal made in `var` (the servers'
    RATUSZ_VAR_DIR) before any worker needs it."""
    from django.test.utils import override_settings

    from ratusz.cases import signing
    from ratusz.core.tenancy import tenant_context

    gmina = create_gmina()
    department = gmina.departments[0]
    service = add_letter_service(gmina.municipality, department)
    _resident, resident_token, resident_secret = add_resident(gmina.municipality, password)
    _clerk, clerk_token, clerk_secret = add_registry_clerk(gmina.municipality, department)
    with override_settings(VAR_DIR=var), tenant_context(gmina.municipality):
        signing.ensure_unit_seal(gmina.office)
    return World(gmina.municipality, gmina.office, department, gmina.jrwa_symbol, service,
                 resident_secret, resident_token.pk, clerk_secret, clerk_token.pk)


def small_pdf(nonce: str) -> bytes:
    """A valid one-page PDF of about 700 bytes whose information dictionary carries
    `nonce`, so every submission stores a file of its own."""
    content = b"BT /F1 12 Tf 72 760 Td (Skan pisma - Gmina Benchowo) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Producer (ratusz chaos) /Keywords (%s) >>" % nonce.encode("ascii"),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += (b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, xref))
    return bytes(out)
