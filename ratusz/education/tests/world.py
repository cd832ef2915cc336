"""Objects of the education app that its URLs name, for the isolation walk
(tests/test_isolation.py): a recruitment open today with two preschools, and the world's
resident's application with a statement attached. The values go in `overrides` for the
app's own URL names only, so that other apps' keyword names cannot clash with them."""

from ratusz.education import services
from ratusz.education.tests.factories import application_data, make_recruitment
from ratusz.education.tests.scholarship_factories import file_help, scholarship_data
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
    overrides.update(_help_world(municipality, department, staff, resident))
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
