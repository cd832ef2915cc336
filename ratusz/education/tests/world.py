"""Objects of the education app that its URLs name, for the isolation walk
(tests/test_isolation.py): a recruitment open today with two preschools, and the world's
resident's application with a statement attached. The values go in `overrides` for the
app's own URL names only, so that other apps' keyword names cannot clash with them."""

from ratusz.education import services
from ratusz.education.tests.attendance_factories import make_child, make_preschool
from ratusz.education.tests.factories import application_data, make_recruitment
from ratusz.education.tests.library_factories import add_book, make_library, make_pupil_reader
from ratusz.education.tests.scholarship_factories import file_help, scholarship_data
from ratusz.education.tests.sheet_factories import make_sheet
from ratusz.testing.pdf import tiny_pdf

STAFF_NAMES = ["campaigns", "campaign-create", "campaign", "campaign-offer",
               "campaign-criterion", "campaign-continuation", "campaign-step", "applications",
               "lists", "application", "application-action", "attachment",
               "paper-application",
               "sheets", "sheet-create", "sheet-rates", "sheet-version", "sheet-action",
               "sheet-diff"]
PUBLIC_NAMES = ["recruitment", "campaign", "apply", "application"]
ATTENDANCE_STAFF = ["attendance", "attendance-day", "attendance-mark", "fees-month",
                    "fees-month-action"]
ATTENDANCE_PUBLIC = ["attendance-children", "attendance-child"]


def build(*, municipality, department, staff, resident, label) -> dict:
    recruitment = make_recruitment(municipality, department,
                                   names=[f"Przedszkole {label} 1", f"Przedszkole {label} 2"])
    application = services.submit_application(
        recruitment["campaign"], application_data(recruitment["offers"],
                                                  first="Ola", last=f"Nowak-{label}"),
        guardian=resident, acting_user=resident,
        uploads=[services.Upload("oswiadczenie.pdf", tiny_pdf(["Oświadczenie"]))])
    values = {"campaign_id": recruitment["campaign"].pk,
              "offer_id": recruitment["offers"][0].pk, "application_id": application.pk,
              "attachment_id": application.documents.get().pk,
              "application_ref": application.public_id}
    sheet = services.send_version(make_sheet(municipality)["version"], acting_user=staff)
    values["sheet_version_id"] = services.prepare_correction(
        services.return_version(sheet, acting_user=staff, text="Do poprawy."),
        acting_user=staff).pk
    overrides = {f"education-staff:{name}": values for name in STAFF_NAMES}
    overrides.update({f"education:{name}": values for name in PUBLIC_NAMES})
    institution, plan = make_preschool(municipality, name=f"Przedszkole opłat {label}")
    agreement = make_child(institution, plan, resident, first_name=f"Ala-{label}")
    attendance = {"institution_id": institution.pk, "agreement_id": agreement.pk,
                  "child_id": agreement.child_id}
    overrides.update({f"education-staff:{name}": attendance for name in ATTENDANCE_STAFF})
    overrides.update({f"education:{name}": attendance for name in ATTENDANCE_PUBLIC})
    overrides.update(_help_world(municipality, department, staff, resident))
    overrides.update(build_library(municipality=municipality, resident=resident, label=label))
    return {"values": {}, "overrides": overrides}


HELP_STAFF_NAMES = ["help-list", "help-open", "help-matter", "help-matter-action",
                    "help-decision", "help-letter", "help-payouts", "help-payouts-csv",
                    "help-payouts-paid", "help-payout-correct", "help-regulations",
                    "help-regulation-create"]


def _help_world(municipality, department, staff, resident) -> dict:
    """A scholarship matter granted for two months (so a payout line exists) and a second
    submission still waiting for its income test."""
    submission = file_help(municipality, department, "stypendium-szkolne",
                           scholarship_data(), resident=resident)
    waiting = file_help(municipality, department, "stypendium-szkolne",
                        scholarship_data(pupil="Jan"), resident=resident)
    item = services.open_help_application(submission, acting_user=staff)
    services.decide_help(item, acting_user=staff, grant=True, monthly_amount=12_400,
                         month_count=2)
    values = {"application_id": item.pk, "filed_id": waiting.pk,
              "line_id": item.payouts.first().pk}
    overrides = {f"education-staff:{name}": values for name in HELP_STAFF_NAMES}
    overrides["education:my-help"] = values
    return overrides


LIBRARY_STAFF_NAMES = ["libraries", "library", "library-export"]
LIBRARY_PUBLIC_NAMES = ["library-search", "library-record", "library-mine"]


def build_library(*, municipality, resident, label) -> dict:
    """A school library with a record, a copy and the world's resident's child as a
    reader who reserved it (the overrides of the library's URL names)."""
    library = make_library(municipality, name=f"Szkoła Podstawowa {label}")
    record = add_book(library, f"Pan Tadeusz {label}", "Mickiewicz, Adam")
    reader = make_pupil_reader(library, resident, first="Staś", last=f"Nowak-{label}")
    services.reserve(record, reader, acting_user=resident)
    values = {"library_id": library.pk, "record_id": record.pk, "fmt": "mrc"}
    overrides = {f"education-staff:{name}": values for name in LIBRARY_STAFF_NAMES}
    overrides.update({f"education:{name}": values for name in LIBRARY_PUBLIC_NAMES})
    return overrides
