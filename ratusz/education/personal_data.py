"""The education app's part of a resident's RODO rights (ratusz.core.personal_data): the
applications a parent filed, with the child, the preferences, the criteria, the
documents, the result and the appeal path. Nothing is erased on request: art. 160 Prawo
oświatowe keeps the recruitment's data while the child attends the institution, and
those of a child not admitted for a year (longer while a court complaint is pending)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from ratusz.core.personal_data import ErasurePlan, Provider, Retained, Section, register
from ratusz.education.models import Application, AttendanceAgreement


def _applications(municipality, user):
    return (Application.objects.for_municipality(municipality).filter(guardian=user)
            .select_related("campaign", "child", "qualified_offer__institution__unit")
            .prefetch_related("preferences__offer__institution__unit",
                              "declared__criterion", "documents", "justifications",
                              "appeals__case"))


def export(municipality, user) -> list[Section]:
    records = []
    for application in _applications(municipality, user):
        records.append({
            "recruitment": application.campaign.name, "year": application.campaign.year,
            "child": application.child.full_name,
            "child_birth_date": application.child.birth_date.isoformat(),
            "address": application.address, "parent": application.guardian_name,
            "email": application.guardian_email, "phone": application.guardian_phone,
            "filed_on": application.received_on.isoformat(), "status": application.status,
            "preferences": [p.offer.institution.name for p in sorted(
                application.preferences.all(), key=lambda p: p.rank)],
            "criteria": [{"criterion": d.criterion.name, "status": d.status}
                         for d in application.declared.all()],
            "documents": [{"name": d.name, "sha256": d.sha256}
                          for d in application.documents.all()],
            "placed_at": application.qualified_offer.institution.name
            if application.qualified_offer else "",
            "justifications": [{"text": j.text, "given_at": j.given_at.isoformat()
                                if j.given_at else ""} for j in application.justifications.all()],
            "appeals": [{"case": a.case.mark, "decision": a.decision}
                        for a in application.appeals.all()]})
    return [Section("education", _("Applications for preschools and schools"), records),
            Section("education-attendance", _("Preschool attendance and fees"),
                    _attendance(municipality, user))]


def _attendance(municipality, user) -> list[dict]:
    """The agreements the parent pays or whose child is theirs, with the absences they
    reported and the issued statements."""
    agreements = (AttendanceAgreement.objects.for_municipality(municipality)
                  .filter(child__guardians=user).distinct()
                  .select_related("child", "institution__unit", "meal_plan")
                  .prefetch_related("absences", "statements"))
    return [{"child": a.child.full_name, "institution": a.institution.name,
             "from": a.valid_from.isoformat(), "until": a.valid_until.isoformat(),
             "declared": f"{a.declared_from:%H:%M}-{a.declared_until:%H:%M}",
             "meal_plan": a.meal_plan.name if a.meal_plan else "",
             "absences": [{"day": b.day.isoformat(), "meals_cancelled": b.meals_cancelled,
                           "in_time": b.in_time} for b in a.absences.all()],
             "statements": [{"month": f"{st.month:%Y-%m}", "version": st.version,
                             "total": st.total, "status": st.status}
                            for st in a.statements.all()]} for a in agreements]


def plan(municipality, user) -> ErasurePlan:
    result = ErasurePlan("education")
    if _applications(municipality, user).exists():
        result.retained.append(Retained(
            _("applications for preschools and schools, with the child's data and documents"),
            _("Prawo oświatowe art. 160: kept while the child attends the institution; a "
              "child not admitted: a year, longer while a complaint to the court is pending")))
    if AttendanceAgreement.objects.for_municipality(municipality).filter(
            child__guardians=user).exists():
        result.retained.append(Retained(
            _("preschool attendance, absences and fee statements"),
            _("the fees are public-law receivables (u.f.z.o. art. 52 ust. 15): the records "
              "are kept as accounting evidence [unverified: the retention period]")))
    return result


def erase(municipality, user) -> dict:
    return {"applications": 0}


def register_provider() -> None:
    register(Provider("education", export, plan, erase))
