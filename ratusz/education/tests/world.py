"""Objects of the education app that its URLs name, for the isolation walk
(tests/test_isolation.py): a recruitment open today with two preschools, and the world's
resident's application with a statement attached. The values go in `overrides` for the
app's own URL names only, so that other apps' keyword names cannot clash with them."""

from ratusz.education import services
from ratusz.education.tests.factories import application_data, make_recruitment
from ratusz.education.tests.library_factories import add_book, make_library, make_pupil_reader
from ratusz.testing.pdf import tiny_pdf

STAFF_NAMES = ["campaigns", "campaign-create", "campaign", "campaign-offer",
               "campaign-criterion", "campaign-continuation", "campaign-step", "applications",
               "lists", "application", "application-action", "attachment",
               "paper-application"]
PUBLIC_NAMES = ["recruitment", "campaign", "apply", "application"]


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
    overrides = {f"education-staff:{name}": values for name in STAFF_NAMES}
    overrides.update({f"education:{name}": values for name in PUBLIC_NAMES})
    overrides.update(build_library(municipality=municipality, resident=resident, label=label))
    return {"values": {}, "overrides": overrides}


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
