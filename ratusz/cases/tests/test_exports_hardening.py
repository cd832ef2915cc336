"""The EZD's exports fail closed for one item, never for the whole document (issue 15,
finding 3): a text stored before input refused control characters and bidirectional
overrides (written here straight into the database) is carried with U+FFFD in their place;
the archive package stays well-formed XML, the spis spraw CSV and PDF are still made."""

import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from ratusz.cases import services
from ratusz.cases.models import Case, CaseParty, Document
from ratusz.cases.services import archive
from ratusz.cases.tests.test_archive import NS, add_file

pytestmark = pytest.mark.django_db
ACK, RLO, NONCHARACTER = "\x06", "\u202e", "\ufffe"
TODAY = timezone.localdate()


def test_the_archive_package_carries_unsafe_text_as_replacement_characters(
        unit_a, officer_a, department_a, jrwa_a):
    case = services.open_case(unit_a, acting_user=officer_a, department=department_a,
                              jrwa_symbol="0003", title="Interpelacja")
    document = add_file(case, officer_a, name="skan.txt", title="Skan")
    case = services.close_case(case, acting_user=officer_a)
    Case.objects.filter(pk=case.pk).update(title=f"Interpelacja{ACK} radnego",
                                           description=f"Opis{NONCHARACTER}")
    Document.objects.filter(pk=document.pk).update(title=f"Skan{RLO}txt.exe")
    document.versions.update(original_name=f"skan{ACK}.txt")

    package = zipfile.ZipFile(io.BytesIO(archive.export_archive_package(case)))

    metadata = package.read("metadata.xml")
    root = etree.fromstring(metadata)  # strict: a forbidden character would not parse
    assert root.findtext("p:case/p:title", namespaces=NS) == "Interpelacja\ufffd radnego"
    assert root.findtext("p:case/p:description", namespaces=NS) == "Opis\ufffd"
    node = root.find("p:documents/p:document", NS)
    assert node.findtext("p:title", namespaces=NS) == "Skan\ufffdtxt.exe"
    version = node.find("p:versions/p:version", NS)
    assert version.get("originalName") == "skan\ufffd.txt"
    assert package.read(version.get("file")) == "Treść decyzji".encode()


@pytest.fixture
def unsafe_case(jrwa_a, unit_a, officer_a, department_a):
    case = services.open_case(unit_a, acting_user=officer_a, department=department_a,
                              jrwa_symbol="1431", title="Wniosek",
                              parties=[services.PartyData(last_name="Nowak")])
    services.close_case(case, acting_user=officer_a, settled_on=TODAY)
    Case.objects.filter(pk=case.pk).update(title=f"Wniosek{ACK}{RLO}")
    CaseParty.objects.filter(case=case).update(last_name=f"Nowak{NONCHARACTER}")
    return case


def test_the_spis_spraw_csv_and_pdf_are_made_with_unsafe_text(client, head_a, department_a,
                                                              unsafe_case):
    client.force_login(head_a)
    query = {"department": department_a.pk, "jrwa_symbol": "1431", "year": TODAY.year}
    csv = client.get(reverse("ezd:spis-spraw-csv", args=["alfa"]), query)
    assert csv.status_code == 200
    text = csv.content.decode("utf-8-sig")
    assert "Wniosek\ufffd\ufffd" in text
    assert not any(character in text for character in (ACK, RLO, NONCHARACTER))
    pdf = client.get(reverse("ezd:spis-spraw-pdf", args=["alfa"]), query)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    page = client.get(reverse("ezd:spis-spraw", args=["alfa"]), query).content.decode()
    assert "Wniosek\ufffd\ufffd" in page and RLO not in page
