"""Receipts (issue 15, findings 3 and 10): every submission gets its receipt even when a
text stored before input refused control characters cannot be carried by XML (written
here straight into the database); the XAdES seal describes the receipt instead of the
library's placeholder; anyone downloads the certificate chain of each unit's seal from
the public verification page and validates a receipt offline; the API says what the
receipt downloads are."""

import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs7
from lxml import etree

from ratusz.cases import services as ezd
from ratusz.eservices import receipts, services, tasks
from ratusz.eservices.models import Submission, SubmissionAttachment
from ratusz.eservices.tests.conftest import VALID_LETTER
from ratusz.eservices.tests.test_services import PDF

pytestmark = pytest.mark.django_db
XADES = "http://uri.etsi.org/01903/v1.3.2#"
ACK, RLO, NONCHARACTER = "\x06", "\u202e", "\ufffe"
VERIFY = "/g/alfa/e-urzad/weryfikacja/"


@pytest.fixture(autouse=True)
def _seals_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path  # the unit's demo e-seal certificate is made here


@pytest.fixture
def filed(letter_service, resident):
    file = services.UploadedFile("files", "skan.pdf", PDF)
    return services.submit(letter_service, data=VALID_LETTER, files=[file],
                           resident=resident)[0]


def test_the_xades_seal_describes_the_receipt(filed):
    xml = receipts.read_receipt(filed, "xml")
    root = etree.fromstring(xml)
    data_format = root.find(f".//{{{XADES}}}DataObjectFormat")
    assert data_format.findtext(f"{{{XADES}}}Description") == receipts.XADES_DESCRIPTION
    assert data_format.findtext(f"{{{XADES}}}MimeType") == "application/xml"
    assert b"Default XAdES payload description" not in xml and b"text/xml" not in xml
    assert ezd.verify_xades(xml).is_valid


def test_a_submission_with_unsafe_stored_text_still_gets_its_receipt(filed):
    Submission.objects.filter(pk=filed.pk).update(
        applicant_name=f"Ewa{ACK} Mazur{RLO}", data={"subject": f"Latarnia{ACK}"})
    SubmissionAttachment.objects.filter(submission=filed).update(
        original_name=f"skan{NONCHARACTER}.pdf")
    submission = Submission.objects.get(pk=filed.pk)

    assert tasks.make_receipt(submission.pk) == str(submission.public_id)

    submission.refresh_from_db()
    xml = receipts.read_receipt(submission, "xml")
    root = etree.fromstring(xml)
    namespace = {"upo": receipts.UPO_NAMESPACE}
    assert root.findtext("upo:Sender/upo:Name", namespaces=namespace) == \
        "Ewa\ufffd Mazur\ufffd"
    assert root.find("upo:Document/upo:Attachments/upo:Attachment", namespace).get(
        "Name") == "skan\ufffd.pdf"
    assert ezd.verify_xades(xml).is_valid
    assert receipts.verify_receipt(xml).is_genuine
    pdf = receipts.read_receipt(submission, "pdf")
    assert pdf.startswith(b"%PDF") and receipts.verify_receipt(pdf).is_genuine


def test_anyone_downloads_the_seal_chain_and_validates_offline(client, filed,
                                                               municipality_b):
    xml = receipts.read_receipt(filed, "xml")
    unit = filed.incoming.unit
    page = client.get(VERIFY)
    assert page.status_code == 200
    text = page.content.decode()
    assert unit.name in text and f"?lancuch={unit.pk}&amp;format=pem" in text

    pem = client.get(VERIFY, {"lancuch": unit.pk, "format": "pem"})
    assert pem.status_code == 200 and pem["Content-Type"] == "application/x-pem-file"
    seal, authority = x509.load_pem_x509_certificates(pem.content)
    assert seal.issuer == authority.subject
    assert ezd.certificate_facts(seal)["sha256"] in text
    assert ezd.verify_xades(xml, trusted_roots=[authority]).is_valid

    der = client.get(VERIFY, {"lancuch": unit.pk, "format": "p7b"})
    assert der.status_code == 200
    assert set(pkcs7.load_der_pkcs7_certificates(der.content)) == {seal, authority}

    for query in ({"lancuch": unit.pk, "format": "exe"}, {"lancuch": "x"},
                  {"lancuch": "9" * 30}):
        assert client.get(VERIFY, query).status_code == 404
    assert client.get("/g/beta/e-urzad/weryfikacja/", {"lancuch": unit.pk}).status_code == 404


def test_the_api_documents_the_receipt_downloads(client):
    paths = json.loads(client.get("/api/v1/openapi.json").content)["paths"]
    for suffix, content_type in (("pdf", "application/pdf"), ("xml", "application/xml")):
        answer = paths[f"/api/v1/submissions/{{submission_id}}/receipt.{suffix}"]["get"]
        assert list(answer["responses"]["200"]["content"]) == [content_type]
