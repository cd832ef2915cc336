"""The archive: transfer after two full years, disposal lists and their consent, disposal
that deletes files but keeps metadata, and the archive package of category-A cases."""

import hashlib
import io
import zipfile
from datetime import date
from xml.etree import ElementTree

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from ratusz.cases import services
from ratusz.cases.models import (
    ArchiveTransfer,
    Case,
    CaseAction,
    CaseRecordEntry,
    DisposalList,
    DisposalStatus,
    Document,
    DocumentVersion,
)
from ratusz.cases.services import EzdError, archive
from ratusz.cases.services.archive import PACKAGE_NAMESPACE
from ratusz.core.models import AuditLog

TODAY = timezone.localdate()
NS = {"p": PACKAGE_NAMESPACE}


def closed_case(unit, officer, department, *, symbol, settled_on, title="Sprawa"):
    case = services.open_case(unit, acting_user=officer, department=department,
                              jrwa_symbol=symbol, title=title)
    return services.close_case(case, acting_user=officer, settled_on=settled_on)


def add_file(case, officer, *, name="decyzja.txt", content=b"Tre\xc5\x9b\xc4\x87 decyzji",
             title="Decyzja"):
    """A document with one stored version, as adding a document leaves it."""
    document = Document.objects.create(municipality_id=case.municipality_id, case=case,
                                       title=title, kind="outgoing", created_by=officer)
    digest = hashlib.sha256(content).hexdigest()
    path = f"documents/{case.municipality_id}/{digest}.txt"
    if not default_storage.exists(path):  # stored once per content, as the services do
        path = default_storage.save(path, ContentFile(content))
    DocumentVersion.objects.create(
        municipality_id=case.municipality_id, document=document, number=1, file=path,
        original_name=name, content_type="text/plain", size=len(content), sha256=digest,
        created_by=officer)
    return document


def url(name, *args, slug="alfa"):
    return reverse(f"ezd:{name}", args=[slug, *args])


# --- Transfer to the office archive -----------------------------------------------------------

def test_cases_pass_to_the_archive_after_two_full_years_not_before(
        unit_a, officer_a, department_a, jrwa_a):
    case = closed_case(unit_a, officer_a, department_a, symbol="1431",
                       settled_on=date(2021, 6, 10))
    assert case.archive_transfer_due == date(2024, 1, 1)

    with pytest.raises(EzdError) as error:
        archive.transfer_to_archive(unit_a, department_a, acting_user=officer_a,
                                    as_of=date(2023, 12, 31))
    assert error.value.code == "nothing_to_transfer"
    assert Case.objects.get(pk=case.pk).archived_at is None
    assert ArchiveTransfer.objects.count() == 0

    transfer = archive.transfer_to_archive(unit_a, department_a, acting_user=officer_a,
                                           as_of=date(2024, 1, 1))

    assert list(transfer.cases.all()) == [case]
    assert Case.objects.get(pk=case.pk).archived_at is not None
    last = CaseRecordEntry.objects.filter(case=case).order_by("position").last()
    assert last.action == CaseAction.ARCHIVED
    assert services.verify_case_record(case) == []
    assert AuditLog.objects.filter(object_type="cases.archivetransfer",
                                   object_id=str(transfer.pk)).count() == 1
    with pytest.raises(EzdError):  # never twice
        archive.transfer_to_archive(unit_a, department_a, acting_user=officer_a,
                                    as_of=TODAY)


def test_open_cases_and_other_departments_stay(unit_a, officer_a, department_a,
                                               department_a2, jrwa_a):
    services.open_case(unit_a, acting_user=officer_a, department=department_a,
                       jrwa_symbol="1431", title="W toku")
    other = closed_case(unit_a, officer_a, department_a2, symbol="1431",
                        settled_on=date(2020, 1, 1))
    with pytest.raises(EzdError):
        archive.transfer_to_archive(unit_a, department_a, acting_user=officer_a, as_of=TODAY)
    assert Case.objects.get(pk=other.pk).archived_at is None


def test_a_date_in_the_future_is_refused(unit_a, officer_a, department_a, jrwa_a):
    with pytest.raises(EzdError) as error:
        archive.create_disposal_list(unit_a, acting_user=officer_a,
                                     as_of=date(TODAY.year + 30, 1, 1))
    assert error.value.code == "as_of_in_future"


# --- Disposal lists ----------------------------------------------------------------------------

@pytest.fixture
def old_cases(unit_a, officer_a, department_a, jrwa_a):
    """Cases settled long ago in each category; the B10 ones are past retention."""
    long_ago = date(TODAY.year - 12, 3, 1)
    return {
        "A": closed_case(unit_a, officer_a, department_a, symbol="0003", settled_on=long_ago),
        "B10": closed_case(unit_a, officer_a, department_a, symbol="1431",
                           settled_on=long_ago),
        "BE10": closed_case(unit_a, officer_a, department_a, symbol="6220",
                            settled_on=long_ago),
        "Bc": closed_case(unit_a, officer_a, department_a, symbol="6221",
                          settled_on=date(TODAY.year - 1, 5, 5)),
        "B10 recent": closed_case(unit_a, officer_a, department_a, symbol="1431",
                                  settled_on=date(TODAY.year - 2, 5, 5)),
    }


def test_a_disposal_list_holds_non_archival_cases_past_retention(
        unit_a, officer_a, old_cases):
    disposal_list = archive.create_disposal_list(unit_a, acting_user=officer_a, as_of=TODAY)

    assert set(disposal_list.cases.all()) == {old_cases["B10"], old_cases["BE10"],
                                              old_cases["Bc"]}
    assert disposal_list.status == DisposalStatus.DRAFT
    with pytest.raises(EzdError) as error:  # each case on one open list only
        archive.create_disposal_list(unit_a, acting_user=officer_a, as_of=TODAY)
    assert error.value.code == "nothing_to_dispose"
    assert DisposalList.objects.count() == 1


def test_an_empty_disposal_list_is_refused(unit_a, officer_a, department_a, jrwa_a):
    closed_case(unit_a, officer_a, department_a, symbol="0003", settled_on=date(2000, 1, 1))
    with pytest.raises(EzdError) as error:
        archive.create_disposal_list(unit_a, acting_user=officer_a, as_of=TODAY)
    assert error.value.code == "nothing_to_dispose"
    assert DisposalList.objects.count() == 0


def test_b_needs_the_state_archives_consent_reference(unit_a, officer_a, head_a, old_cases):
    disposal_list = archive.create_disposal_list(unit_a, acting_user=officer_a, as_of=TODAY)
    with pytest.raises(EzdError) as error:  # not yet sent to the state archive
        archive.approve_disposal_list(disposal_list, acting_user=head_a,
                                      consent_reference="AP.1.2026")
    assert error.value.code == "list_not_submitted"
    archive.submit_disposal_list(disposal_list, acting_user=officer_a)

    with pytest.raises(EzdError) as error:
        archive.approve_disposal_list(disposal_list, acting_user=head_a, consent_reference=" ")

    assert error.value.code == "consent_reference_required"
    assert DisposalList.objects.get(pk=disposal_list.pk).status == DisposalStatus.SUBMITTED
    approved = archive.approve_disposal_list(disposal_list, acting_user=head_a,
                                             consent_reference="ZN.6341.12.2026")
    assert (approved.status, approved.consent_reference, approved.approved_by) == (
        DisposalStatus.APPROVED, "ZN.6341.12.2026", head_a)


def test_bc_copies_are_approved_without_consent(unit_a, officer_a, head_a, department_a,
                                                jrwa_a):
    closed_case(unit_a, officer_a, department_a, symbol="6221",
                settled_on=date(TODAY.year - 1, 5, 5))
    disposal_list = archive.create_disposal_list(unit_a, acting_user=officer_a, as_of=TODAY)

    approved = archive.approve_disposal_list(disposal_list, acting_user=head_a)

    assert (approved.status, approved.consent_reference) == (DisposalStatus.APPROVED, "")


def test_execution_deletes_the_files_but_keeps_metadata_and_record(
        unit_a, officer_a, head_a, old_cases, django_capture_on_commit_callbacks):
    b_case, a_case = old_cases["B10"], old_cases["A"]
    document = add_file(b_case, officer_a)
    version = document.versions.get()
    path = version.file.name
    shared = add_file(a_case, officer_a)  # same content: the same stored file
    assert shared.versions.get().file.name == path
    other_path = add_file(b_case, officer_a, content=b"inny plik", name="skan.txt"
                          ).versions.get().file.name
    record_before = CaseRecordEntry.objects.filter(case=b_case).count()
    disposal_list = archive.create_disposal_list(unit_a, acting_user=officer_a, as_of=TODAY)
    with pytest.raises(EzdError) as error:
        archive.execute_disposal_list(disposal_list, acting_user=head_a)
    assert error.value.code == "list_not_approved"
    archive.submit_disposal_list(disposal_list, acting_user=officer_a)
    archive.approve_disposal_list(disposal_list, acting_user=head_a,
                                  consent_reference="ZN.6341.12.2026")

    with django_capture_on_commit_callbacks(execute=True):
        executed = archive.execute_disposal_list(disposal_list, acting_user=head_a)

    assert executed.status == DisposalStatus.EXECUTED
    assert not default_storage.exists(other_path)
    assert default_storage.exists(path)  # the A case still uses the same stored file
    version.refresh_from_db()
    assert (version.original_name, version.size, version.sha256, version.file.name) == (
        "decyzja.txt", len("Treść decyzji".encode()),
        hashlib.sha256("Treść decyzji".encode()).hexdigest(), "")
    b_case.refresh_from_db()
    assert b_case.disposed_at is not None
    assert Document.objects.filter(case=b_case).count() == 2
    entries = CaseRecordEntry.objects.filter(case=b_case).order_by("position")
    assert entries.count() == record_before + 1
    assert entries.last().action == CaseAction.DISPOSED
    assert entries.last().data == {"disposal_list": disposal_list.pk, "files": 2}
    assert services.verify_case_record(b_case) == []
    assert Case.objects.get(pk=a_case.pk).disposed_at is None


# --- Archive package -----------------------------------------------------------------------------

def test_the_archive_package_of_a_category_a_case(unit_a, officer_a, department_a, jrwa_a):
    case = services.open_case(unit_a, acting_user=officer_a, department=department_a,
                              jrwa_symbol="0003", title="Interpelacja radnego")
    add_file(case, officer_a, name="interpelacja.txt", content=b"Interpelacja",
             title="Interpelacja")
    add_file(case, officer_a, name="odpowiedź wójta.txt", content="Odpowiedź".encode(),
             title="Odpowiedź")
    case = services.close_case(case, acting_user=officer_a)

    package = zipfile.ZipFile(io.BytesIO(archive.export_archive_package(case)))

    root = ElementTree.fromstring(package.read("metadata.xml"))
    assert root.tag == f"{{{PACKAGE_NAMESPACE}}}archivePackage"
    case_node = root.find("p:case", NS)
    assert case_node.findtext("p:caseMark", namespaces=NS) == case.mark
    assert case_node.findtext("p:title", namespaces=NS) == "Interpelacja radnego"
    assert case_node.findtext("p:format", namespaces=NS) == "Multipart/Header-Set"
    assert case_node.findtext("p:type", namespaces=NS) == "Collection"
    assert case_node.findtext("p:archivalCategory", namespaces=NS) == "A"
    assert case_node.find("p:jrwaClass", NS).get("symbol") == "0003"
    documents = root.findall("p:documents/p:document", NS)
    assert [node.findtext("p:title", namespaces=NS) for node in documents] == [
        "Interpelacja", "Odpowiedź"]
    assert documents[0].findtext("p:responsibility/p:name", namespaces=NS) == \
        "Piotr Wiśniewski"
    versions = root.findall("p:documents/p:document/p:versions/p:version", NS)
    assert len(versions) == 2
    for version in versions:
        data = package.read(version.get("file"))
        assert version.get("file").startswith("files/")
        assert hashlib.sha256(data).hexdigest() == version.get("sha256")
    assert package.read(versions[1].get("file")) == "Odpowiedź".encode()
    record = root.findall("p:caseRecord/p:entry", NS)
    assert [entry.find("p:action", NS).get("code") for entry in record] == [
        "opened", "closed"]
    assert record[-1].findtext("p:hash", namespaces=NS) == \
        CaseRecordEntry.objects.filter(case=case).order_by("position").last().hash


@pytest.mark.parametrize("symbol", ["1431", "6221"])
def test_only_closed_category_a_cases_are_exported(unit_a, officer_a, department_a, jrwa_a,
                                                   symbol):
    case = closed_case(unit_a, officer_a, department_a, symbol=symbol, settled_on=TODAY)
    with pytest.raises(EzdError) as error:
        archive.export_archive_package(case)
    assert error.value.code == "not_archival"
    open_a = services.open_case(unit_a, acting_user=officer_a, department=department_a,
                                jrwa_symbol="0003", title="W toku")
    with pytest.raises(EzdError) as error:
        archive.export_archive_package(open_a)
    assert error.value.code == "case_not_closed"


def test_a_changed_file_refuses_the_export(unit_a, officer_a, department_a, jrwa_a):
    case = services.open_case(unit_a, acting_user=officer_a, department=department_a,
                              jrwa_symbol="0003", title="Interpelacja")
    version = add_file(case, officer_a).versions.get()
    DocumentVersion.objects.filter(pk=version.pk).update(sha256="0" * 64)
    case = services.close_case(case, acting_user=officer_a)
    with pytest.raises(EzdError) as error:
        archive.export_archive_package(case)
    assert error.value.code == "file_corrupted"


# --- Views ---------------------------------------------------------------------------------------

def test_the_archive_page_and_a_transfer(client, head_a, unit_a, officer_a, department_a,
                                         jrwa_a):
    case = closed_case(unit_a, officer_a, department_a, symbol="1431",
                       settled_on=date(TODAY.year - 3, 1, 1))
    client.force_login(head_a)
    assert client.get(url("archive")).status_code == 200

    response = client.post(url("archive-transfer"), {"department": department_a.pk,
                                                     "as_of": TODAY.isoformat()})

    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).archived_at is not None


def test_the_disposal_list_journey(client, head_a, officer_a, unit_a, old_cases):
    client.force_login(officer_a)
    response = client.post(url("disposal-create"), {"unit": unit_a.pk,
                                                    "as_of": TODAY.isoformat()})
    disposal_list = DisposalList.objects.get()
    assert response["Location"] == url("disposal-detail", disposal_list.pk)
    page = client.get(url("disposal-detail", disposal_list.pk))
    assert page.status_code == 200
    assert old_cases["B10"].mark in page.content.decode()
    assert old_cases["A"].mark not in page.content.decode()
    client.post(url("disposal-submit", disposal_list.pk))

    client.force_login(head_a)
    missing = client.post(url("disposal-approve", disposal_list.pk), {"consent_reference": ""})
    assert DisposalList.objects.get().status == DisposalStatus.SUBMITTED
    assert missing.status_code == 302
    client.post(url("disposal-approve", disposal_list.pk),
                {"consent_reference": "ZN.6341.12.2026"})
    client.post(url("disposal-execute", disposal_list.pk))

    assert DisposalList.objects.get().status == DisposalStatus.EXECUTED


def test_a_case_officer_cannot_approve_or_execute(client, officer_a, unit_a, old_cases):
    disposal_list = archive.create_disposal_list(unit_a, acting_user=officer_a, as_of=TODAY)
    archive.submit_disposal_list(disposal_list, acting_user=officer_a)
    client.force_login(officer_a)
    audit_before = AuditLog.objects.count()

    approve = client.post(url("disposal-approve", disposal_list.pk),
                          {"consent_reference": "ZN.6341.12.2026"})
    execute = client.post(url("disposal-execute", disposal_list.pk))

    # Their own workspace tells them the page is not theirs (403), changing nothing.
    assert (approve.status_code, execute.status_code) == (403, 403)
    disposal_list.refresh_from_db()
    assert (disposal_list.status, disposal_list.consent_reference) == (
        DisposalStatus.SUBMITTED, "")
    assert AuditLog.objects.count() == audit_before


def test_a_registry_clerk_cannot_open_the_archive(client, clerk_a, municipality_a):
    client.force_login(clerk_a)
    assert client.get(url("archive")).status_code == 403


def test_another_gmina_cannot_reach_a_disposal_list(client, officer_a, unit_a, old_cases,
                                                    make_staff, municipality_b, department_b):
    from ratusz.accounts.permissions import Role

    disposal_list = archive.create_disposal_list(unit_a, acting_user=officer_a, as_of=TODAY)
    head_b = make_staff(municipality_b, Role.HEAD, department=department_b,
                        username="beta.kierownik")
    client.force_login(head_b)

    for name in ("disposal-detail", "disposal-submit", "disposal-approve", "disposal-execute"):
        for slug in ("alfa", "beta"):
            response = client.post(url(name, disposal_list.pk, slug=slug),
                                   {"consent_reference": "X"})
            assert response.status_code == 404, (name, slug)
    assert DisposalList.objects.get().status == DisposalStatus.DRAFT


def test_the_archive_package_download(client, head_a, officer_a, unit_a, department_a,
                                      jrwa_a, officer_b):
    case = closed_case(unit_a, officer_a, department_a, symbol="0003", settled_on=TODAY)
    client.force_login(head_a)

    response = client.get(url("case-export", case.pk))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "metadata.xml" in zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    client.force_login(officer_b)
    assert client.get(url("case-export", case.pk, slug="beta")).status_code == 404
    assert client.get(url("case-export", case.pk)).status_code == 404


def test_a_non_archival_case_export_explains_why(client, head_a, officer_a, unit_a,
                                                 department_a, jrwa_a):
    case = closed_case(unit_a, officer_a, department_a, symbol="1431", settled_on=TODAY)
    client.force_login(head_a)

    response = client.get(url("case-export", case.pk))

    assert response.status_code == 302
    assert response["Location"] == url("case-detail", case.pk)
