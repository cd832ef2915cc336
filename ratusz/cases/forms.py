"""Forms of the EZD workspace. Validation messages are translated; business rules live
in services (their Polish messages are shown as form errors)."""

from __future__ import annotations

import re
import unicodedata
import uuid

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.accounts.workspace import staff_label
from ratusz.cases import reports
from ratusz.cases.models import AccessLevel, CaseStatus, Channel, PartyKind, SendingMethod
from ratusz.cases.services.checks import REASON_LIMIT, TEXT_CAP, TEXT_CAPS
from ratusz.core.text import refuse_unsafe_text

#: What an empty choice of a drop-down reads.
EMPTY_CHOICE = _("— choose —")


class SafeTextForm(forms.Form):
    """A form whose every text field refuses control characters and bidirectional
    overrides (`ratusz.core.text`), whatever the edge let through; its drop-downs' empty
    choice reads "— choose —" unless it says something of its own."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.validators.append(refuse_unsafe_text)
            if isinstance(field, forms.ModelChoiceField) and field.empty_label == "---------":
                field.empty_label = EMPTY_CHOICE


class StaffChoiceField(forms.ModelChoiceField):
    """A staff member, named as people know them: "Marta Zielińska, kierownik GK"."""

    def label_from_instance(self, obj) -> str:
        return staff_label(obj)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def new_form_token() -> str:
    """The token that makes a double-sent registry form register one item."""
    return uuid.uuid4().hex


class IncomingForm(SafeTextForm):
    """The registry desk's form: the fewest keystrokes for the usual letter."""

    title = forms.CharField(label=_("Title (what the letter is about)"), max_length=500,
                            widget=forms.TextInput(attrs={"autofocus": True}))
    sender_kind = forms.ChoiceField(label=_("Sender is"), choices=PartyKind.choices,
                                    initial=PartyKind.PERSON, widget=forms.RadioSelect)
    first_name = forms.CharField(label=_("First name"), max_length=120, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=120, required=False)
    organisation_name = forms.CharField(label=_("Organisation"), max_length=300, required=False)
    city = forms.CharField(label=_("Town"), max_length=120)
    postal_code = forms.RegexField(
        label=_("Postal code"), regex=r"^\d{2}-\d{3}$", required=False, max_length=6,
        error_messages={"invalid": _("A postal code looks like 00-000.")},
    )
    street = forms.CharField(label=_("Street"), max_length=200, required=False)
    building = forms.CharField(label=_("Building"), max_length=20, required=False)
    flat = forms.CharField(label=_("Flat"), max_length=20, required=False)
    received_on = forms.DateField(label=_("Date received"), widget=_date_input())
    letter_date = forms.CharField(label=_("Date of the letter"), max_length=10, required=False,
                                  help_text=_("YYYY-MM-DD, or YYYY-MM or YYYY if only that is "
                                              "known. Empty: the date received."))
    posted_on = forms.DateField(label=_("Date posted"), required=False, widget=_date_input())
    channel = forms.ChoiceField(label=_("Delivered by"), choices=Channel.choices,
                                initial=Channel.POST)
    sender_reference = forms.CharField(label=_("Sender's reference"), max_length=120,
                                       required=False)
    attachments_count = forms.IntegerField(label=_("Number of attachments"), min_value=0,
                                           max_value=10000, initial=0)
    access_level = forms.ChoiceField(label=_("Access"), choices=AccessLevel.choices,
                                     initial=AccessLevel.PUBLIC)
    is_unopened = forms.BooleanField(label=_("Registered unopened (e.g. personal, tender)"),
                                     required=False)
    unopened_reason = forms.CharField(label=_("Why unopened"), max_length=120, required=False)
    scans = MultipleFileField(label=_("Scans or electronic files"), required=False)
    remarks = forms.CharField(label=_("Remarks"), required=False, max_length=TEXT_CAP,
                              widget=forms.Textarea(attrs={"rows": 2}))
    form_token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("received_on", timezone.localdate())
            self.initial.setdefault("form_token", new_form_token())

    def with_new_token(self) -> IncomingForm:
        """The same answers under a new token: sent again, they register a new item."""
        data = self.data.copy()
        data["form_token"] = new_form_token()
        form = IncomingForm(data, self.files)
        form.is_valid()
        return form

    def clean(self):
        data = super().clean()
        if data.get("sender_kind") == PartyKind.ORGANISATION:
            if not data.get("organisation_name"):
                self.add_error("organisation_name", _("Give the name of the organisation."))
        elif not data.get("last_name"):
            self.add_error("last_name", _("Give the sender's last name."))
        if data.get("is_unopened") and not data.get("unopened_reason"):
            self.add_error("unopened_reason", _("Say why the item was not opened."))
        return data


class AssignForm(SafeTextForm):
    department = forms.ModelChoiceField(label=_("Leading department"), queryset=None,
                                        required=False)
    user = StaffChoiceField(label=_("Or a person"), queryset=None, required=False)
    co_departments = forms.ModelMultipleChoiceField(
        label=_("Co-operating departments"), queryset=None, required=False,
        widget=forms.CheckboxSelectMultiple)
    instructions = forms.CharField(label=_("Instructions"), required=False,
                                   max_length=TEXT_CAP,
                                   widget=forms.Textarea(attrs={"rows": 2}))
    due_date = forms.DateField(label=_("Deadline"), required=False, widget=_date_input())

    def __init__(self, *args, departments, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        self.fields["co_departments"].queryset = departments
        self.fields["user"].queryset = staff

    def clean(self):
        data = super().clean()
        if not data.get("department") and not data.get("user"):
            raise forms.ValidationError(_("Choose a department or a person."))
        return data


class AnnulForm(SafeTextForm):
    reason = forms.CharField(label=_("Reason for annulment"), max_length=500)


def _folded(text: str) -> str:
    """Lower case without diacritics ("Udostępnianie" → "udostepnianie"); ł is l."""
    text = unicodedata.normalize("NFKD", text.casefold().replace("ł", "l"))
    return "".join(char for char in text if not unicodedata.combining(char))


def jrwa_label(jrwa_class) -> str:
    return f"{jrwa_class.symbol} – {jrwa_class.title} ({jrwa_class.category})"


def match_jrwa_classes(classes, text: str, favourites=()) -> list:
    """The classes a clerk means by `text`: the class of that symbol, or those whose
    symbol starts with it or whose title has every word of it (diacritics optional),
    the department's most used first."""
    text = text.strip()
    symbol = re.match(r"^(\d+)(?:\s|–|-|$)", text)
    if symbol:
        exact = [item for item in classes if item.symbol == symbol.group(1)]
        if exact:
            return exact
    words = _folded(text).replace("–", " ").split()
    if not words:
        return []
    found = [item for item in classes
             if all(item.symbol.startswith(word) or word in _folded(item.title)
                    for word in words)]
    first = {item.pk for item in favourites}
    return sorted(found, key=lambda item: (item.pk not in first, item.symbol))


class JrwaPicker(forms.CharField):
    """The JRWA class typed by its symbol or words; the browser offers the classes as a
    list (a datalist, no script needed) and the server resolves what was typed."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("JRWA class"))
        kwargs.setdefault("help_text", _("Type the symbol or words of its name, e.g. "
                                         "“1431” or “informacji publicznej”."))
        kwargs.setdefault("max_length", 300)
        super().__init__(**kwargs)

    def validate(self, value) -> None:
        """Required for the person (not marked optional), but a class chosen from those
        offered counts too: the form's clean() says what is missing."""
        if value not in self.empty_values:
            super().validate(value)


class OpenCaseForm(SafeTextForm):
    department = forms.ModelChoiceField(label=_("Department"), queryset=None)
    jrwa_class = JrwaPicker()
    jrwa_choice = forms.ChoiceField(label=_("Most used in the department"), required=False,
                                    widget=forms.RadioSelect)
    title = forms.CharField(label=_("Case title"), max_length=500)
    description = forms.CharField(label=_("Description"), required=False,
                                  max_length=TEXT_CAP,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    handler = StaffChoiceField(label=_("Case handler"), queryset=None, required=False)
    deadline = forms.DateField(label=_("Deadline"), required=False, widget=_date_input(),
                               help_text=_("Empty: 30 days from today."))

    #: How many matching classes are offered to choose from.
    MATCHES_SHOWN = 30

    def __init__(self, *args, departments, classes, staff, favourites=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        self.fields["handler"].queryset = staff
        self.classes = list(classes)
        self.favourites = list(favourites)
        # Favourites first, then every class: what the browser offers while typing.
        seen = {item.pk for item in self.favourites}
        self.jrwa_options = [jrwa_label(item) for item in
                             self.favourites + [c for c in self.classes if c.pk not in seen]]
        self.jrwa_list_id = f"{self.add_prefix('jrwa_class')}-options"
        picker = self.fields["jrwa_class"]
        picker.widget.attrs.update({"list": self.jrwa_list_id, "autocomplete": "off"})
        if self.is_bound:  # any final class may come back chosen
            self.fields["jrwa_choice"].choices = [(item.symbol, jrwa_label(item))
                                                  for item in self.classes]
        else:
            self._offer(self.favourites, label=_("Most used in the department"))

    def _offer(self, classes, *, label) -> None:
        """The classes shown to choose from (none: the choice is not shown)."""
        field = self.fields["jrwa_choice"]
        field.choices = [(item.symbol, jrwa_label(item)) for item in classes]
        field.label = label
        field.widget = forms.RadioSelect(choices=field.choices) if classes else \
            forms.HiddenInput()

    def clean(self):
        data = super().clean()
        chosen = data.get("jrwa_choice")
        typed = data.get("jrwa_class") or ""
        if chosen:
            matches = [item for item in self.classes if item.symbol == chosen]
        else:
            matches = match_jrwa_classes(self.classes, typed, self.favourites) if typed else []
        self._offer(self.favourites, label=_("Most used in the department"))
        if len(matches) == 1:
            data["jrwa_class"] = matches[0]
            # Shown again (another field was wrong), the picker holds the class found.
            self.data = self.data.copy()
            self.data[self.add_prefix("jrwa_class")] = jrwa_label(matches[0])
            self.data.pop(self.add_prefix("jrwa_choice"), None)
        elif matches:
            self._offer(matches[:self.MATCHES_SHOWN],
                        label=_("Classes matching “%(text)s”") % {"text": typed})
            self.add_error("jrwa_choice", _("Several classes match: choose one."))
        elif typed:
            self.add_error("jrwa_class", _("No final class of the JRWA matches this. Type "
                                           "its symbol or other words."))
        else:
            self.add_error("jrwa_class", _("Choose the JRWA class."))
        return data


class StatusForm(SafeTextForm):
    status = forms.ChoiceField(label=_("New status"), choices=[
        (value, label) for value, label in CaseStatus.choices if value != CaseStatus.CLOSED])
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class HandlerForm(SafeTextForm):
    handler = StaffChoiceField(label=_("Case handler"), queryset=None)

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = staff


class NoteForm(SafeTextForm):
    text = forms.CharField(label=_("Official note"), max_length=TEXT_CAP,
                           widget=forms.Textarea(attrs={"rows": 3}))


class DocumentForm(SafeTextForm):
    title = forms.CharField(label=_("Document title"), max_length=300, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=[("incoming", _("incoming")),
                                                       ("internal", _("internal")),
                                                       ("note", _("official note")),
                                                       ("scan", _("scan"))])
    file = forms.FileField(label=_("File"))


class LetterForm(SafeTextForm):
    subject = forms.CharField(label=_("Subject"), max_length=300)
    addressee_name = forms.CharField(label=_("Addressee"), max_length=300)
    addressee_address = forms.CharField(label=_("Street and number"), max_length=300,
                                        required=False)
    addressee_city = forms.CharField(label=_("Postal code and town"), max_length=120)
    addressee_ade = forms.CharField(
        label=_("Address for e-Doręczenia (ADE)"), max_length=30, required=False,
        help_text=_("For a letter sent by e-Doręczenia. Left empty, the address base is "
                    "searched for a public body of the addressee's exact name."))
    sending_method = forms.ChoiceField(label=_("Sending method"), choices=SendingMethod.choices)
    body = forms.CharField(label=_("Text of the letter"), max_length=TEXT_CAPS["body"],
                           widget=forms.Textarea(attrs={"rows": 14}))


class ApprovalRequestForm(SafeTextForm):
    step_1 = StaffChoiceField(label=_("Step 1 – approver"), queryset=None)
    step_2 = StaffChoiceField(label=_("Step 2 – approver"), queryset=None, required=False)
    step_3 = StaffChoiceField(label=_("Step 3 – approver"), queryset=None, required=False)

    def __init__(self, *args, approvers, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("step_1", "step_2", "step_3"):
            self.fields[name].queryset = approvers

    def approvers(self):
        return [self.cleaned_data[name] for name in ("step_1", "step_2", "step_3")
                if self.cleaned_data.get(name)]


class DecisionForm(SafeTextForm):
    comment = forms.CharField(label=_("Comment"), required=False, max_length=REASON_LIMIT,
                              widget=forms.Textarea(attrs={"rows": 2}))


class CloseForm(SafeTextForm):
    settled_on = forms.DateField(label=_("Date of final settlement"), widget=_date_input())
    note = forms.CharField(label=_("How it was settled"), max_length=500, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "close_%s")  # the case page has other "note" fields
        super().__init__(*args, **kwargs)
        self.initial.setdefault("settled_on", timezone.localdate())


class ReasonForm(SafeTextForm):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class TransferForm(SafeTextForm):
    department = forms.ModelChoiceField(label=_("Department taking over"), queryset=None)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments


class RoutingRuleForm(SafeTextForm):
    name = forms.CharField(label=_("Name of the rule"), max_length=200)
    match_sender_contains = forms.CharField(label=_("Sender's name contains"), max_length=200,
                                            required=False)
    match_channel = forms.ChoiceField(label=_("Delivered by"), required=False,
                                      choices=[("", _("any"))] + list(Channel.choices))
    match_title_contains = forms.CharField(label=_("Title contains"), max_length=200,
                                           required=False)
    match_service = forms.CharField(label=_("E-service (slug)"), max_length=120,
                                    required=False)
    to_department = forms.ModelChoiceField(label=_("Assign to department"), queryset=None,
                                           required=False)
    to_user = StaffChoiceField(label=_("Or to a person"), queryset=None, required=False)
    instructions = forms.CharField(label=_("Instructions"), required=False,
                                   max_length=TEXT_CAP,
                                   widget=forms.Textarea(attrs={"rows": 2}))
    deadline_days = forms.IntegerField(label=_("Deadline in days"), min_value=1,
                                       max_value=365, required=False)
    priority = forms.IntegerField(label=_("Priority (lower first)"), min_value=1,
                                  max_value=999, initial=100)

    def __init__(self, *args, departments, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_department"].queryset = departments
        self.fields["to_user"].queryset = staff


class LinkCaseForm(SafeTextForm):
    mark = forms.CharField(label=_("Mark of the related case"), max_length=60)


class PartyForm(SafeTextForm):
    kind = forms.ChoiceField(label=_("Party is"), choices=PartyKind.choices,
                             initial=PartyKind.PERSON, widget=forms.RadioSelect)
    first_name = forms.CharField(label=_("First name"), max_length=120, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=120, required=False)
    organisation_name = forms.CharField(label=_("Organisation"), max_length=300, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=12, required=False)
    city = forms.CharField(label=_("Town"), max_length=120, required=False)
    street = forms.CharField(label=_("Street"), max_length=200, required=False)
    building = forms.CharField(label=_("Building"), max_length=20, required=False)
    role = forms.CharField(label=_("Role in the case"), max_length=80, initial="strona")


class NoticesForm(SafeTextForm):
    daily_summary = forms.BooleanField(
        label=_("Every morning, a summary of what waits for me"), required=False)
    approval_requests = forms.BooleanField(
        label=_("At once, when a letter waits for my approval"), required=False)


# --- Registers, reports and the archive -------------------------------------------------

class RegisterFilterForm(SafeTextForm):
    text = forms.CharField(label=_("Search"), required=False, max_length=200)
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1990,
                              max_value=2100)
    date_from = forms.DateField(label=_("From"), required=False, widget=_date_input())
    date_to = forms.DateField(label=_("To"), required=False, widget=_date_input())
    channel = forms.ChoiceField(label=_("Method"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, channels, statuses=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [("", _("any"))] + list(channels)
        if statuses is None:
            del self.fields["status"]
        else:
            self.fields["status"].choices = [("", _("any"))] + list(statuses)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end of the range is before its start."))
        return data

    def filters(self) -> reports.RegisterFilters:
        data = self.cleaned_data
        return reports.RegisterFilters(
            year=data.get("year"), date_from=data.get("date_from"),
            date_to=data.get("date_to"), channel=data.get("channel") or "",
            status=data.get("status") or "", text=data.get("text") or "")


class SpisSprawForm(SafeTextForm):
    department = forms.ModelChoiceField(label=_("Department"), queryset=None)
    jrwa_symbol = forms.ChoiceField(label=_("JRWA class"))
    year = forms.IntegerField(label=_("Year"), min_value=1990, max_value=2100)

    def __init__(self, *args, departments, classes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        self.fields["jrwa_symbol"].choices = classes


class OverdueForm(SafeTextForm):
    department = forms.ModelChoiceField(label=_("Department"), queryset=None, required=False,
                                        empty_label=_("all my departments"))

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments


class ArchiveTransferForm(SafeTextForm):
    department = forms.ModelChoiceField(label=_("Department"), queryset=None)
    as_of = forms.DateField(label=_("As of"), widget=_date_input())

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments


class DisposalCreateForm(SafeTextForm):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=None)
    as_of = forms.DateField(label=_("As of"), widget=_date_input())

    def __init__(self, *args, units, **kwargs):
        kwargs.setdefault("auto_id", "disposal_%s")  # the page's transfer form has as_of too
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units


class ApproveForm(SafeTextForm):
    consent_reference = forms.CharField(
        label=_("Reference of the state archive's consent"), required=False, max_length=200,
        help_text=_("Not needed for a list of Bc copies only."))
