"""Forms of the education pages: their fields and formats; the rules are the services'."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from ratusz.core.text import refuse_unsafe_text
from ratusz.education import services
from ratusz.education.models import (
    ApplicationKind,
    Campaign,
    CampaignKind,
    DocumentKind,
    InstitutionKind,
)
from ratusz.education.services.campaigns import MAIN_TIMETABLE, SUPPLEMENTARY_TIMETABLE

PREFERENCE_FIELD = re.compile(r"^preference_(\d{1,2})$")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _text(label, *, max_length, required=True, **kwargs):
    return forms.CharField(label=label, max_length=max_length, required=required,
                           validators=[refuse_unsafe_text], **kwargs)


class ApplicationForm(forms.Form):
    """The fixed fields of an application; preferences and criteria are read by
    `application_data`, so that a request naming more than the campaign allows reaches
    the service and is refused with its reason."""

    child_first_name = _text(_("Child's first name"), max_length=100)
    child_last_name = _text(_("Child's surname"), max_length=100)
    child_pesel = forms.CharField(label=_("Child's PESEL"), max_length=20, required=False)
    document_kind = forms.ChoiceField(
        label=_("Without a PESEL: the document confirming identity"), required=False,
        choices=[("", "—")] + [c for c in DocumentKind.choices if c[0] != DocumentKind.PESEL])
    document_number = _text(_("Number of the document"), max_length=40, required=False)
    birth_date = forms.DateField(label=_("Date of birth (without a PESEL)"), required=False,
                                 widget=DateInput())
    is_resident = forms.BooleanField(label=_("The child lives in the gmina"), required=False)
    locality = forms.TypedChoiceField(label=_("Locality"), required=False, coerce=int,
                                      empty_value=None)
    address = _text(_("Address of the child"), max_length=300)
    guardian_name = _text(_("Parent's first name and surname"), max_length=200)
    email = forms.EmailField(label=_("E-mail for news of the application"), required=False)
    phone = _text(_("Phone"), max_length=30, required=False)
    registration = forms.BooleanField(
        label=_("The child lives in the catchment area of the school chosen first: this is a "
                "registration (zgłoszenie), admitted without competition"), required=False)
    statement_accepted = forms.BooleanField(
        label=_("I am aware of criminal liability for making a false statement; the "
                "statements I make in this application are true."), required=False)

    def __init__(self, *args, localities=(), allow_registration=False, **kwargs):
        super().__init__(*args, **kwargs)
        if not allow_registration:
            del self.fields["registration"]
        self.fields["locality"].choices = [("", "—")] + [(item.pk, item.name)
                                                         for item in localities]


class PaperApplicationForm(ApplicationForm):
    """A paper application the commission enters, with the day it came in."""

    received_on = forms.DateField(label=_("Received on"), widget=DateInput())
    field_order = ["received_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["statement_accepted"].label = _(
            "The parent signed the statements under the clause of criminal liability for "
            "making a false statement.")


def _integers(values) -> list[int]:
    """Ids as sent; a value that is not a number becomes -1, which no row has, so the
    service names it as unknown."""
    result = []
    for value in values:
        value = (value or "").strip()
        if value:
            result.append(int(value) if value.isdigit() and len(value) < 12 else -1)
    return result


def application_data(form: ApplicationForm, post) -> services.ApplicationData:
    """The service's input from a valid form and the raw preference and criteria fields."""
    numbered = sorted((int(match.group(1)), post.get(key)) for key in post
                      if (match := PREFERENCE_FIELD.match(key)))
    preferences = _integers([value for _n, value in numbered])
    criteria: list[tuple[int, int | None]] = [(criterion, None) for criterion in
                                              _integers(post.getlist("criteria"))]
    for key in post:
        if key.startswith("criterion_") and post.get(key):
            criterion = _integers([key.removeprefix("criterion_")])
            offer = _integers([post.get(key)])
            if criterion and offer:
                criteria.append((criterion[0], offer[0]))
    data = form.cleaned_data
    return services.ApplicationData(
        child=services.ChildData(data["child_first_name"], data["child_last_name"],
                                 data["child_pesel"], data["document_kind"],
                                 data["document_number"], data["birth_date"]),
        preferences=preferences, criteria=criteria, is_resident=data["is_resident"],
        locality_id=data["locality"], address=data["address"],
        guardian_name=data["guardian_name"], email=data["email"], phone=data["phone"],
        statement_accepted=data["statement_accepted"],
        kind=ApplicationKind.REGISTRATION if data.get("registration")
        else ApplicationKind.APPLICATION)


def choices_context(campaign: Campaign, criteria, post=None) -> dict:
    """What the preference and criteria fields of an application page show: a slot per
    allowed preference with what was chosen, the criteria (those holding at one
    institution apart) and which were ticked."""
    chosen = post or {}
    return {
        "slots": [(n, chosen.get(f"preference_{n}", ""))
                  for n in range(1, campaign.max_preferences + 1)],
        "checked": post.getlist("criteria") if post is not None else [],
        "criteria": [c for c in criteria if not c.per_institution],
        "institution_criteria": [c for c in criteria if c.per_institution]}


def uploads(files, name: str = "documents") -> list[services.Upload]:
    return [services.Upload(item.name, item.read()) for item in files.getlist(name)]


class DocumentsForm(forms.Form):
    documents = forms.FileField(label=_("Statements or documents (PDF, JPG, PNG)"),
                                required=False)


class TextForm(forms.Form):
    text = _text(_("Text"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 5}))


class CampaignForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label=_("Kind"), choices=CampaignKind.choices)
    name = _text(_("Name"), max_length=200)
    max_preferences = forms.IntegerField(label=_("Preferences allowed"), min_value=1,
                                         max_value=10, initial=3)
    statutory_points = forms.IntegerField(label=_("Points of each statutory criterion"),
                                          min_value=1, max_value=10_000, initial=100)
    timetable_act = _text(_("The wójt's order fixing the timetable"), max_length=300,
                          required=False)
    criteria_act = _text(_("The council's resolution on the criteria"), max_length=300,
                         required=False)
    appeals_department = forms.TypedChoiceField(label=_("Department that registers appeals"),
                                                coerce=int)
    appeals_jrwa_symbol = _text(_("JRWA class of appeals"), max_length=20, initial="402")

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        for name in MAIN_TIMETABLE + SUPPLEMENTARY_TIMETABLE:
            self.fields[name] = forms.DateField(
                label=Campaign._meta.get_field(name).verbose_name, widget=DateInput(),
                required=name in MAIN_TIMETABLE)
        self.fields["appeals_department"].choices = [
            (item.pk, f"{item.symbol} – {item.name}") for item in departments]

    def dates(self) -> dict:
        return {name: self.cleaned_data.get(name)
                for name in MAIN_TIMETABLE + SUPPLEMENTARY_TIMETABLE}


class OfferForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("Preschool or school"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind"), choices=InstitutionKind.choices)
    places = forms.IntegerField(label=_("Places"), min_value=0, max_value=10_000)
    groups = _text(_("Groups or classes"), max_length=300, required=False)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(unit.pk, unit.name) for unit in units]


class CriterionForm(forms.Form):
    name = _text(_("Criterion"), max_length=300)
    points = forms.IntegerField(label=_("Points"), min_value=1, max_value=1000)
    documents = _text(_("Documents that prove it"), max_length=500, required=False)
    per_institution = forms.BooleanField(label=_("Holds for one institution only"),
                                         required=False)


class ContinuationForm(forms.Form):
    offer = forms.TypedChoiceField(label=_("Preschool"), coerce=int)
    child_first_name = _text(_("Child's first name"), max_length=100)
    child_last_name = _text(_("Child's surname"), max_length=100)
    child_pesel = forms.CharField(label=_("Child's PESEL"), max_length=20)
    declared_on = forms.DateField(label=_("Declared on"), widget=DateInput())

    def __init__(self, *args, offers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offer"].choices = [(offer.pk, offer.institution.name) for offer in offers]


class StepForm(forms.Form):
    STEPS = ["open", "lottery", "allocate", "publish_qualified", "publish_admitted",
             "supplementary", "close"]
    step = forms.ChoiceField(choices=[(step, step) for step in STEPS])
    witnesses = _text(_("Members of the commission present"), max_length=500,
                      required=False)
    posted_on = forms.DateField(label=_("Day of posting"), required=False, widget=DateInput())


class DecisionForm(forms.Form):
    upheld = forms.TypedChoiceField(
        label=_("Decision"), coerce=lambda value: value == "yes", widget=forms.RadioSelect,
        choices=[("yes", _("Uphold the appeal: admit the child")),
                 ("no", _("Dismiss the appeal"))])
    reasoning = _text(_("Reasoning"), max_length=10_000,
                      widget=forms.Textarea(attrs={"rows": 5}))
