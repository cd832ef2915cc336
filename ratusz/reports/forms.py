"""Forms of the reports' pages (fields and their checks; the services check again)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ratusz.core.text import refuse_unsafe_text
from ratusz.reports.models import AdjustmentKind

WEEKDAYS = [(0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")), (3, _("Thursday")),
            (4, _("Friday"))]


class AdjustmentForm(forms.Form):
    kind = forms.ChoiceField(label=_("What to record"), choices=AdjustmentKind.choices,
                             initial=AdjustmentKind.DELAY_NOTICE)
    new_deadline = forms.DateField(
        label=_("New date of settling the matter"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("For a notice of delay (art. 36): the date the matter will be settled "
                    "by."))
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(
        attrs={"rows": 4}), validators=[refuse_unsafe_text])


class WatchSettingsForm(forms.Form):
    remind_days_before = forms.IntegerField(
        label=_("Remind the handler this many days before the deadline"), min_value=0,
        max_value=60)
    escalate_days_after = forms.IntegerField(
        label=_("Tell the secretary this many days after the deadline"), min_value=0,
        max_value=60)
    digest_weekday = forms.TypedChoiceField(label=_("Weekly digest of the departments on"),
                                            choices=WEEKDAYS, coerce=int)
    is_active = forms.BooleanField(label=_("Send reminders"), required=False)


class RecipientsForm(forms.Form):
    recipients = forms.TypedMultipleChoiceField(
        label=_("Staff who receive the monthly report by e-mail"), coerce=int, required=False,
        widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, staff=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipients"].choices = [
            (user.pk, f"{user.get_full_name() or user.username}"
                      + (f" – {user.position}" if user.position else "")) for user in staff]


class InquiryForm(forms.Form):
    scheduled_for = forms.DateField(label=_("Day to file the test inquiry"),
                                    widget=forms.DateInput(attrs={"type": "date"}))
    municipalities = forms.MultipleChoiceField(
        label=_("Gminy to ask"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipalities"].choices = [(member.slug, member.name)
                                                 for member in members]
        if not members:
            del self.fields["municipalities"]


class PonaglenieForm(forms.Form):
    reasons = forms.CharField(
        label=_("Reasons of the ponaglenie"), max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}), validators=[refuse_unsafe_text],
        help_text=_("A ponaglenie must give its reasons (KPA art. 37 § 2). You may keep "
                    "the text we suggest or write your own."))
