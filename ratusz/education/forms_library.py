"""The school library's staff forms: a library for a school, a loan, a return, a reader
card, a record entered by hand, a MARC21 file. Parsing only; the services check the
rules (an ISBN that checks, a free inventory number, a known card)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ratusz.education.marc import CopyData, RecordData
from ratusz.education.models import ReaderKind


class LibraryForm(forms.Form):
    institution = forms.TypedChoiceField(label=_("School"), coerce=int)
    name = forms.CharField(label=_("Name of the library"), max_length=200, required=False)

    def __init__(self, *args, institutions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].choices = [(i.pk, i.name) for i in institutions]


class LendForm(forms.Form):
    card_number = forms.CharField(label=_("Reader card number"), max_length=40)
    inventory_number = forms.CharField(label=_("Inventory number of the copy"),
                                       max_length=40)


class ReturnForm(forms.Form):
    inventory_number = forms.CharField(label=_("Inventory number of the copy"),
                                       max_length=40)


class ReaderForm(forms.Form):
    card_number = forms.CharField(label=_("Reader card number"), max_length=40)
    kind = forms.ChoiceField(label=_("Kind of reader"), choices=ReaderKind.choices)
    name = forms.CharField(label=_("Name and surname"), max_length=200)
    child = forms.TypedChoiceField(label=_("Pupil (a child of the gmina)"), coerce=int,
                                   required=False, empty_value=None)
    email = forms.EmailField(label=_("E-mail for notices"), required=False)

    def __init__(self, *args, children=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child"].choices = [("", "—")] + [
            (c.pk, f"{c.full_name} ({c.birth_date:%d.%m.%Y})") for c in children]


class RecordForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=500)
    author = forms.CharField(label=_("Author (surname, first name)"), max_length=300,
                             required=False)
    isbn = forms.CharField(label=_("ISBN"), max_length=20, required=False)
    publisher = forms.CharField(label=_("Publisher"), max_length=300, required=False)
    year = forms.IntegerField(label=_("Year of publication"), required=False, min_value=1000,
                              max_value=2200)
    subjects = forms.CharField(label=_("Subjects (separated by semicolons)"),
                               max_length=1000, required=False)
    inventory_numbers = forms.CharField(
        label=_("Inventory numbers of the copies (separated by commas)"), max_length=1000,
        required=False)
    location = forms.CharField(label=_("Location (shelf)"), max_length=100, required=False)

    def record_data(self) -> RecordData:
        data = self.cleaned_data
        numbers = [n.strip() for n in data["inventory_numbers"].split(",") if n.strip()]
        return RecordData(
            title=data["title"], author=data["author"], isbn=data["isbn"],
            publisher=data["publisher"], year=data["year"],
            subjects=[s.strip() for s in data["subjects"].split(";") if s.strip()],
            copies=[CopyData(number, data["location"]) for number in numbers])


class ImportForm(forms.Form):
    file = forms.FileField(label=_("MARC21 file (ISO 2709 .mrc or MARCXML .xml)"))
