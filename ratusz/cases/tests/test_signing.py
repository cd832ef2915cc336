"""The office's e-seal: demo certificates, PAdES sealing and verification, XAdES."""

import datetime
import json
import os
import re
import shutil
import stat
import subprocess

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from ratusz.cases import signing
from ratusz.cases.documents import inspect_upload
from ratusz.cases.letters import render_letter_pdf
from ratusz.cases.tests.fixtures import samples

UNIT_NAME = "Urząd Gminy Jastków"


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR


@pytest.fixture
def unit():
    return samples.demo_unit(pk=5, name=UNIT_NAME, municipality_id=2)


@pytest.fixture(scope="module")
def letter_pdf() -> bytes:
    return render_letter_pdf(
        unit_name=UNIT_NAME, municipality_name="Gmina Jastków",
        address_line="ul. Chmielowa 1, 21-002 Jastków", case_mark="GK.6220.1.2026",
        letter_date=datetime.date(2026, 11, 22), addressee_name="Pan Jan Kowalski",
        addressee_address="ul. Źródlana 12/3", addressee_city="21-002 Snopków",
        subject="odpowiedź na pismo", body="Uprzejmie informuję, że sprawa jest w toku.",
        signer_name="Zdzisław Łęcki", signer_position="Wójt Gminy Jastków",
        seal_note="Dokument opatrzony pieczęcią elektroniczną (certyfikat demonstracyjny).",
    )


@pytest.fixture
def sealed_pdf(letter_pdf, unit) -> bytes:
    return signing.seal_pdf(letter_pdf, unit)


def flip_byte_in_first_signed_range(pdf: bytes) -> bytes:
    """Change one byte of compressed page content: inside the signed range, but leaving the
    file readable."""
    start = pdf.index(b"stream\n") + len(b"stream\n") + 12
    end = int(re.search(rb"/ByteRange\s*\[\s*0\s+(\d+)", pdf)[1])
    assert start < end
    return pdf[:start] + bytes([pdf[start] ^ 0x01]) + pdf[start + 1:]


# --- Seal material ----------------------------------------------------------------------

def test_a_unit_seal_is_made_once_and_kept_under_var_dir(unit, var_dir):
    first = signing.ensure_unit_seal(unit)
    second = signing.ensure_unit_seal(unit)

    assert first == second
    assert first.cert_pem == second.cert_pem
    assert first.key_path.parent.parent == var_dir / "seals"
    assert stat.S_IMODE(os.stat(first.key_path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(first.ca_cert_path.parent / "key.pem").st_mode) == 0o600


def test_the_unit_certificate_names_the_unit_and_is_issued_by_the_demo_ca(unit):
    material = signing.ensure_unit_seal(unit)
    certificate, ca = material.certificate, material.ca_certificate

    def attribute(name, oid):
        return [item.value for item in name.get_attributes_for_oid(oid)]

    assert attribute(certificate.subject, NameOID.COMMON_NAME) == [UNIT_NAME]
    assert attribute(certificate.subject, NameOID.ORGANIZATION_NAME) == [UNIT_NAME]
    assert attribute(certificate.subject, NameOID.COUNTRY_NAME) == ["PL"]
    assert certificate.issuer == ca.subject
    certificate.verify_directly_issued_by(ca)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment


def test_units_get_their_own_certificates_from_one_platform_ca():
    first = signing.ensure_unit_seal(samples.demo_unit(pk=1, name="Urząd Gminy Alfa"))
    second = signing.ensure_unit_seal(samples.demo_unit(pk=2, name="Szkoła Podstawowa"))

    assert first.cert_pem != second.cert_pem
    assert first.ca_cert_pem == second.ca_cert_pem


# --- PAdES ------------------------------------------------------------------------------

def test_a_sealed_letter_verifies_as_valid_and_names_the_unit(sealed_pdf, unit):
    check = signing.verify_pdf(sealed_pdf)

    assert check.status == "valid"
    assert check.signer_name == UNIT_NAME
    assert "O=Urząd Gminy Jastków" in check.signer_subject
    assert check.is_intact is True and check.is_trusted is True
    assert check.signature_count == 1
    assert abs(check.signing_time - datetime.datetime.now(datetime.UTC)) < datetime.timedelta(
        minutes=5)


def test_the_report_is_json_for_the_document_version(sealed_pdf):
    report = signing.verify_pdf(sealed_pdf).as_report()

    assert json.loads(json.dumps(report))["status"] == "valid"
    assert report["format"] == "PAdES"
    assert report["signer_name"] == UNIT_NAME
    assert report["signatures"][0]["is_intact"] is True


def test_a_changed_byte_in_the_signed_range_makes_the_seal_invalid(sealed_pdf):
    tampered = flip_byte_in_first_signed_range(sealed_pdf)

    check = signing.verify_pdf(tampered)

    assert check.status == "invalid"
    assert check.is_intact is False


def test_an_unsigned_pdf_has_no_signature(letter_pdf):
    check = signing.verify_pdf(letter_pdf)

    assert check.status == "none"
    assert check.as_report()["signature_count"] == 0


def test_an_intact_seal_from_an_untrusted_issuer_is_unverified(sealed_pdf, settings, tmp_path):
    assert signing.verify_pdf(sealed_pdf, trusted_roots=[]).status == "unverified"
    # Another platform's demo CA does not vouch for ours either.
    settings.VAR_DIR = tmp_path / "other"
    other_ca = signing.ensure_unit_seal(samples.demo_unit(pk=9)).ca_certificate

    check = signing.verify_pdf(sealed_pdf, trusted_roots=[other_ca])

    assert check.status == "unverified"
    assert check.is_intact is True and check.is_trusted is False


def test_sealing_twice_keeps_both_seals_valid(sealed_pdf):
    second_unit = samples.demo_unit(pk=6, name="Gminny Ośrodek Pomocy Społecznej")

    twice = signing.seal_pdf(sealed_pdf, second_unit)
    check = signing.verify_pdf(twice)

    assert check.status == "valid"
    assert check.signature_count == 2
    assert [item["signer_name"] for item in check.signatures] == [
        UNIT_NAME, "Gminny Ośrodek Pomocy Społecznej"]


def test_an_uploaded_sealed_letter_is_inspected_as_validly_signed(sealed_pdf):
    inspection = inspect_upload("GK.6220.1.2026-pismo.pdf", sealed_pdf)

    assert inspection.signature_status == "valid"
    assert inspection.signature_report["signer_name"] == UNIT_NAME
    assert "Znak sprawy: GK.6220.1.2026" in inspection.text


def test_a_tampered_upload_is_stored_with_an_invalid_signature(sealed_pdf):
    inspection = inspect_upload("pismo.pdf", flip_byte_in_first_signed_range(sealed_pdf))

    assert inspection.signature_status == "invalid"


def test_garbage_is_refused_by_the_sealer(unit):
    with pytest.raises(signing.SealingError):
        signing.seal_pdf(b"%PDF-1.7 not really", unit)


@pytest.mark.skipif(shutil.which("pdfsig") is None, reason="poppler-utils not installed")
def test_poppler_independently_sees_one_valid_seal_of_the_unit(sealed_pdf, tmp_path, unit):
    path = tmp_path / "sealed.pdf"
    path.write_bytes(sealed_pdf)
    arguments = ["pdfsig"]
    certutil = shutil.which("certutil")
    if certutil:  # trust the demo CA in a throw-away NSS database
        database = tmp_path / "nssdb"
        database.mkdir()
        subprocess.run([certutil, "-N", "-d", f"sql:{database}", "--empty-password"],
                       check=True, capture_output=True, timeout=30)
        subprocess.run([certutil, "-A", "-d", f"sql:{database}", "-n", "ratusz-demo-ca",
                        "-t", "C,C,C", "-i", str(signing.ensure_unit_seal(unit).ca_cert_path)],
                       check=True, capture_output=True, timeout=30)
        arguments += ["-nssdir", f"sql:{database}"]

    result = subprocess.run([*arguments, str(path)], capture_output=True, text=True,
                            timeout=60)
    output = result.stdout

    assert re.findall(r"^Signature #\d+:", output, re.MULTILINE) == ["Signature #1:"]
    assert f"Signer Certificate Common Name: {UNIT_NAME}" in output
    assert "Signature Validation: Signature is Valid." in output
    assert "Total document signed" in output
    if certutil:
        assert "Certificate Validation: Certificate is Trusted." in output


# --- XAdES ------------------------------------------------------------------------------

APPLICATION_XML = ('<?xml version="1.0" encoding="UTF-8"?>'
                   "<wniosek><wnioskodawca>Żaneta Kowalska</wnioskodawca>"
                   "<tresc>Proszę o wydanie zaświadczenia.</tresc></wniosek>").encode()


def xades_signed_by_signxml(unit) -> bytes:
    """Sign like an outside application would: signxml's XAdES signer and the unit's seal."""
    from lxml import etree
    from signxml import SignatureMethod
    from signxml.xades import XAdESSigner

    material = signing.ensure_unit_seal(unit)
    signed = XAdESSigner(signature_algorithm=SignatureMethod.ECDSA_SHA256).sign(
        etree.fromstring(APPLICATION_XML), key=material.key_pem,
        cert=[material.certificate, material.ca_certificate])
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


def test_an_xades_signature_with_the_unit_seal_is_valid(unit):
    check = signing.verify_xades(xades_signed_by_signxml(unit))

    assert check.status == "valid"
    assert check.format == "XAdES"
    assert check.signer_name == UNIT_NAME
    assert check.signing_time is not None
    assert json.loads(json.dumps(check.as_report()))["status"] == "valid"


def test_seal_xml_gives_a_valid_xades_document(unit):
    sealed = signing.seal_xml(APPLICATION_XML, unit)

    assert signing.verify_xades(sealed).status == "valid"
    assert inspect_upload("wniosek.xml", sealed).signature_status == "valid"


def test_a_changed_signed_xml_is_invalid(unit):
    signed = xades_signed_by_signxml(unit)
    tampered = signed.replace("Żaneta".encode(), b"Zaneta")
    assert tampered != signed

    check = signing.verify_xades(tampered)

    assert check.status == "invalid"
    assert check.is_intact is False


def test_an_intact_xades_from_an_untrusted_signer_is_unverified(unit):
    check = signing.verify_xades(xades_signed_by_signxml(unit), trusted_roots=[])

    assert check.status == "unverified"
    assert check.is_intact is True and check.is_trusted is False


def test_an_unsigned_xml_has_no_signature():
    assert signing.verify_xades(APPLICATION_XML).status == "none"


@pytest.mark.skipif(shutil.which("xmlsec1") is None, reason="xmlsec1 not installed")
def test_xmlsec1_independently_accepts_the_xades_seal(unit, tmp_path):
    path = tmp_path / "wniosek.xml"
    path.write_bytes(signing.seal_xml(APPLICATION_XML, unit))
    ca_path = signing.ensure_unit_seal(unit).ca_cert_path

    result = subprocess.run(
        ["xmlsec1", "--verify", "--trusted-pem", str(ca_path),
         "--id-attr:Id", "http://uri.etsi.org/01903/v1.3.2#:SignedProperties", str(path)],
        capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stderr
    assert "OK" in result.stderr


# --- A real unit ------------------------------------------------------------------------

def test_the_seal_of_a_unit_from_the_database(department_a):
    unit = department_a.unit

    material = signing.ensure_unit_seal(unit)
    sealed = signing.seal_pdf(samples.pdf_bytes("Zawiadomienie"), unit)

    assert material.key_path.parent.name == f"unit-{unit.municipality_id}-{unit.pk}"
    assert signing.verify_pdf(sealed).signer_name == unit.name
