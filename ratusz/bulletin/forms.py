"""Forms of the BIP editor: the site's mandatory elements, the subject menu, an entry with
its metryczka and attachments, and the withdrawal. Business rules (sanitising, alt texts,
the dates) live in services; their messages are shown as form errors."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ratusz.bulletin import selectors
from ratusz.bulletin.defaults import section_entry_kind
from ratusz.bulletin.models import Section, Site
from ratusz.bulletin.services import MAX_HTML, MAX_INSTRUCTIONS, MAX_REASON, SITE_FIELDS, EntryData
from ratusz.core.text import refuse_unsafe_text

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
DATETIME_FORMATS = [DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def _datetime_local():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL)


def _date():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DescribedForm(forms.Form):
    """Inputs point (aria-describedby) at their hint and at their error message. Every
    text refuses the characters no page or feed may carry (control characters, the
    bidirectional overrides), whichever form it is in."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                field.validators.append(refuse_unsafe_text)

    def describe_errors(self) -> None:
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                continue
            auto_id = self[name].auto_id
            ids = [f"{auto_id}_helptext"] if field.help_text else []
            ids += [f"{auto_id}_error"] if self.errors.get(name) else []
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)
            if self.errors.get(name):
                field.widget.attrs["aria-invalid"] = "true"

    @classmethod
    def initial_for(cls, item) -> dict:
        """The form's fields filled from the item's attributes of the same names."""
        return {name: getattr(item, name) for name in cls.base_fields}

    def add_service_errors(self, error) -> None:
        """The (field, message) pairs of a BulletinError next to their fields."""
        pairs = getattr(error, "errors", None) or [(error.field, error.message)]
        for name, message in pairs:
            self.add_error(name if name in self.fields else None, message)
        self.describe_errors()


class SiteForm(DescribedForm):
    title = forms.CharField(label=_("Title of the BIP"), max_length=200)
    editorial_address = forms.CharField(
        label=_("Postal address of the editorial office"), max_length=300)
    editor_name = forms.CharField(label=_("Editor"), max_length=200,
                                  help_text=_("At least one editor, by name."))
    editor_phone = forms.CharField(label=_("Editor's phone"), max_length=40, required=False)
    editor_email = forms.EmailField(label=_("Editor's e-mail"))
    instructions = forms.CharField(label=_("Instructions for use"), max_length=MAX_INSTRUCTIONS,
                                   widget=forms.Textarea(attrs={"rows": 6}))
    requires_approval = forms.BooleanField(
        label=_("Entries need approval by a second editor"), required=False,
        help_text=_("When set, “Publish” sends an entry for approval; an editor with the "
                    "right to approve (not its author) publishes it."))

    FIELDS = SITE_FIELDS


class SectionForm(DescribedForm):
    title = forms.CharField(label=_("Title of the section"), max_length=200)
    is_register = forms.BooleanField(
        label=_("A register (also published as open data: CSV and JSON)"), required=False)


class SectionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.title


def entry_kind_of(section: Section) -> str:
    """The kind of entry the section holds (a resolution in "Uchwały" is a document)."""
    return section_entry_kind(section.slug, section.is_register)


class EntryForm(DescribedForm):
    section = SectionChoice(
        label=_("Section of the menu"), queryset=Section.objects.none(),
        empty_label=_("— choose —"),
        help_text=_("The kind of entry follows the section: a document in registers "
                    "(resolutions, orders, tenders) and acts, an announcement in "
                    "announcements and recruitment, otherwise an article."))
    title = forms.CharField(label=_("Title"), max_length=300)
    number = forms.CharField(label=_("Number of the act"), max_length=80, required=False,
                             help_text=_("For documents, e.g. “XII/85/2026” or "
                                         "“Zarządzenie nr 14/2026”."))
    act_date = forms.DateField(label=_("Date of the act"), required=False, widget=_date())
    body = forms.CharField(
        label=_("Text"), required=False, max_length=MAX_HTML,
        widget=forms.Textarea(attrs={"rows": 16, "data-wysiwyg": "1"}),
        help_text=_("Headings, lists, links, tables and images with an alternative text. "
                    "Scripts, styles and embedded pages (except session recordings) are "
                    "removed."))
    produced_by = forms.CharField(label=_("Produced by (wytworzył)"), max_length=200,
                                  help_text=_("The body or department, e.g. “Referat "
                                              "Organizacyjny”."))
    responsible = forms.CharField(label=_("Responsible for the content"), max_length=200,
                                  help_text=_("Name and post, e.g. “Anna Kowalczyk, "
                                              "inspektor”."))
    produced_on = forms.DateField(label=_("Date produced"), widget=_date())
    publish_from = forms.DateTimeField(
        label=_("Publish from"), required=False, widget=_datetime_local(),
        input_formats=DATETIME_FORMATS,
        help_text=_("Leave empty to publish at once."))
    expires_at = forms.DateTimeField(
        label=_("Expires"), required=False, widget=_datetime_local(),
        input_formats=DATETIME_FORMATS,
        help_text=_("After this time the entry leaves the menu (it stays in the archive)."))
    reason = forms.CharField(
        label=_("Reason for the change"), max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required for a published entry: its page says it was corrected, when "
                    "and why, and the change register shows it next to the new version."),
        error_messages={"required": _("Say why the published entry is changed.")})

    def __init__(self, *args, site: Site, published: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = selectors.menu_sections(site)
        if not published:
            del self.fields["reason"]
        self.describe_errors()

    def entry_data(self) -> EntryData:
        data = self.cleaned_data
        return EntryData(title=data["title"], body=data.get("body") or "",
                         produced_by=data["produced_by"], responsible=data["responsible"],
                         produced_on=data["produced_on"],
                         kind=entry_kind_of(data["section"]),
                         number=data.get("number") or "", act_date=data.get("act_date"),
                         publish_from=data.get("publish_from"),
                         expires_at=data.get("expires_at"))

    @classmethod
    def initial_for(cls, entry) -> dict:
        return {"section": entry.section_id, "title": entry.title,
                "number": entry.number, "act_date": entry.act_date, "body": entry.body,
                "produced_by": entry.produced_by, "responsible": entry.responsible,
                "produced_on": entry.produced_on, "publish_from": entry.publish_from,
                "expires_at": entry.expires_at}


class WithdrawForm(DescribedForm):
    reason = forms.CharField(
        label=_("Reason for the withdrawal"), max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required. The entry stays in the change register with this reason."),
        error_messages={"required": _("Say why the entry is withdrawn.")})
