"""Forms of the notification pages: the resident's subscription (topic × channel), and on
the staff pages an alert (CAP fields), a follow-up, a message template and the subscriber
filters. Business rules live in services and templates; their messages are shown as form
errors."""

from __future__ import annotations

from datetime import time

from django import forms
from django.utils.translation import gettext_lazy as _

from ratusz.core.models import Locality
from ratusz.core.text import refuse_unsafe_text
from ratusz.notifications import selectors, templates
from ratusz.notifications.models import (
    ALERT_TOPICS,
    Certainty,
    Channel,
    MsgType,
    Severity,
    Topic,
    Urgency,
)
from ratusz.notifications.services import (
    REASON_LIMIT,
    TEXT_LIMITS,
    AlertData,
    Choice,
    NotificationError,
)

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


def _datetime_local():
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL)


class SubscriptionForm(forms.Form):
    """A resident's choice: the table of topics × channels (`t_<topic>_<channel>` boxes),
    localities, addresses, quiet hours and the consent."""

    email = forms.EmailField(label=_("E-mail address"), required=False, max_length=254)
    phone = forms.CharField(label=_("Mobile phone number"), required=False, max_length=20,
                            help_text=_("9 digits, e.g. 512 345 678"),
                            validators=[refuse_unsafe_text])
    quiet = forms.BooleanField(label=_("Do not send anything between 22:00 and 7:00 (severe "
                                       "warnings still come)"), required=False)
    consent = forms.BooleanField(label=_("I agree"), required=True, error_messages={
        "required": _("Without consent we cannot send you notifications.")})

    def __init__(self, *args, municipality, with_cases: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        self.topics = list(ALERT_TOPICS) + ([Topic.CASES] if with_cases else [])
        self.localities = list(selectors.localities(municipality))
        self.pairs: set[tuple[str, str]] = set()
        self.chosen_localities: list[Locality] = []

    def matrix(self, chosen: set[tuple[str, str]]):
        rows = []
        for topic in self.topics:
            rows.append({"topic": topic, "label": topic.label, "cells": [
                {"channel": channel, "label": channel.label,
                 "name": f"t_{topic.value}_{channel.value}",
                 "checked": (topic.value, channel.value) in chosen}
                for channel in Channel]})
        return rows

    def clean(self):
        data = super().clean()
        raw = self.data
        self.pairs = {(topic.value, channel.value) for topic in self.topics
                      for channel in Channel if raw.get(f"t_{topic.value}_{channel.value}")}
        wanted = {value for value in raw.getlist("localities") if value.isdigit()}
        self.chosen_localities = [loc for loc in self.localities if str(loc.pk) in wanted]
        return data

    def choice(self) -> Choice:
        quiet = self.cleaned_data.get("quiet")
        return Choice(
            pairs=self.pairs, localities=self.chosen_localities,
            email=self.cleaned_data.get("email", ""), phone=self.cleaned_data.get("phone", ""),
            quiet_from=time(22, 0) if quiet else None, quiet_until=time(7, 0) if quiet else None)

    def add_service_error(self, error: NotificationError) -> None:
        self.add_error(error.field if error.field in self.fields else None, error.message)


class DescribedForm(forms.Form):
    """Inputs point (aria-describedby) at their hint and at their error message, so a
    screen reader reads both. Choice groups are described on their fieldset instead."""

    #: More ids that describe an input, by field name (e.g. the live SMS counter).
    described_by_extra: dict[str, list[str]] = {}

    def describe_errors(self) -> None:
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                continue
            auto_id = self[name].auto_id
            ids = [f"{auto_id}_helptext"] if field.help_text else []
            ids += [f"{auto_id}_error"] if self.errors.get(name) else []
            ids += self.described_by_extra.get(name, [])
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)


class LocalityChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class AlertForm(DescribedForm):
    """An alert, an update or a cancellation. Dates are entered in Warsaw time (the
    current time zone); a cancellation takes its topic and levels from the original."""

    topic = forms.ChoiceField(label=_("Topic"),
                              choices=[(t.value, t.label) for t in ALERT_TOPICS])
    event = forms.CharField(label=_("Event"), max_length=TEXT_LIMITS["event"],
                            validators=[refuse_unsafe_text],
                            help_text=_("What happens, in a few words, e.g. “Burza z "
                                        "gradem” or “Przerwa w dostawie wody”."))
    headline = forms.CharField(label=_("Headline"), max_length=TEXT_LIMITS["headline"],
                               validators=[refuse_unsafe_text],
                               help_text=_("The first line of every message. Up to 160 "
                                           "characters; keep it short for SMS."))
    description = forms.CharField(label=_("Description"),
                                  max_length=TEXT_LIMITS["description"],
                                  validators=[refuse_unsafe_text],
                                  widget=forms.Textarea(attrs={"rows": 6}))
    instruction = forms.CharField(label=_("What residents should do"),
                                  max_length=TEXT_LIMITS["instruction"], required=False,
                                  validators=[refuse_unsafe_text],
                                  widget=forms.Textarea(attrs={"rows": 3}))
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices,
                                 initial=Severity.MODERATE, widget=forms.RadioSelect,
                                 help_text=_("Severe and extreme alerts are sent only after a "
                                             "second person approves them."))
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices,
                                initial=Urgency.EXPECTED, widget=forms.RadioSelect)
    certainty = forms.ChoiceField(label=_("Certainty"), choices=Certainty.choices,
                                  initial=Certainty.LIKELY, widget=forms.RadioSelect)
    onset = forms.DateTimeField(label=_("Starts"), required=False, widget=_datetime_local(),
                                input_formats=[DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S",
                                               "%Y-%m-%d %H:%M"],
                                help_text=_("Polish time. Empty: now."))
    expires = forms.DateTimeField(label=_("Ends"), required=False, widget=_datetime_local(),
                                  input_formats=[DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S",
                                                 "%Y-%m-%d %H:%M"],
                                  help_text=_("Polish time. Empty: until cancelled."))
    localities = LocalityChoice(label=_("Area"), queryset=Locality.objects.none(),
                                required=False, widget=forms.CheckboxSelectMultiple,
                                help_text=_("None chosen: the whole gmina. Subscribers who "
                                            "chose other localities do not get it."))
    channels = forms.MultipleChoiceField(
        label=_("Channels"), choices=Channel.choices, widget=forms.CheckboxSelectMultiple,
        initial=list(Channel.values), required=False)

    #: Fields a cancellation does not ask for (the service sets them).
    CANCEL_FIXED = ("topic", "severity", "urgency", "certainty")

    def __init__(self, *args, municipality, msg_type: str = MsgType.ALERT, **kwargs):
        super().__init__(*args, **kwargs)
        self.msg_type = msg_type
        self.fields["localities"].queryset = selectors.localities(municipality)
        if msg_type == MsgType.CANCEL:
            for name in self.CANCEL_FIXED:
                del self.fields[name]

    def clean_channels(self):
        channels = self.cleaned_data.get("channels") or []
        if not channels:
            raise forms.ValidationError(_("Choose at least one channel."))
        return channels

    def alert_data(self, *, original=None) -> AlertData:
        data = self.cleaned_data
        fixed = {name: getattr(original, name) for name in self.CANCEL_FIXED} \
            if original is not None and self.msg_type == MsgType.CANCEL else {}
        return AlertData(
            event=data["event"], headline=data["headline"], description=data["description"],
            instruction=data.get("instruction", ""),
            severity=fixed.get("severity") or data["severity"],
            urgency=fixed.get("urgency") or data["urgency"],
            certainty=fixed.get("certainty") or data["certainty"],
            topic=fixed.get("topic") or data["topic"],
            onset=data.get("onset"), expires=data.get("expires"),
            localities=list(data.get("localities") or []),
            channels=list(data.get("channels") or []))

    def add_service_errors(self, error) -> None:
        """Put a NotificationError (with its `.errors` list) next to the fields."""
        pairs = getattr(error, "errors", None) or [(error.field, error.message)]
        for field, message in pairs:
            field = {"area": "localities"}.get(field, field)
            self.add_error(field if field in self.fields else None, message)

    @staticmethod
    def initial_from(alert) -> dict:
        return {"topic": alert.topic, "event": alert.event, "headline": alert.headline,
                "description": alert.description, "instruction": alert.instruction,
                "severity": alert.severity, "urgency": alert.urgency,
                "certainty": alert.certainty, "onset": alert.onset, "expires": alert.expires,
                "localities": selectors.alert_localities(alert.municipality_id, alert),
                "channels": list(alert.channels or Channel.values)}


class RejectForm(DescribedForm):
    reason = forms.CharField(label=_("Why is it rejected?"), max_length=REASON_LIMIT,
                             validators=[refuse_unsafe_text],
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("The author sees it and can correct the draft."))


class TemplateForm(DescribedForm):
    """A gmina's own wording for one (purpose, channel)."""

    subject = forms.CharField(label=_("Subject"), max_length=200, required=False,
                              validators=[refuse_unsafe_text])
    body = forms.CharField(label=_("Text"), max_length=4000, validators=[refuse_unsafe_text],
                           widget=forms.Textarea(attrs={"rows": 10}))
    transliterate = forms.BooleanField(
        label=_("Send without Polish letters (GSM-7: cheaper, 160 characters per part)"),
        required=False)

    def __init__(self, *args, purpose: str, channel: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.purpose, self.channel = purpose, channel
        if channel == Channel.SMS:
            del self.fields["subject"]
            self.fields["body"].widget.attrs["data-sms-counter"] = "sms-counter"
            self.described_by_extra = {"body": ["sms-counter"]}
            self.fields["transliterate"].widget.attrs["data-sms-transliterate"] = ""
        else:
            del self.fields["transliterate"]
        allowed = ", ".join(f"(({name}))" for name in templates.PLACEHOLDERS[purpose])
        self.fields["body"].help_text = _("Placeholders you may use: %(names)s.") % {
            "names": allowed}

    def _check(self, value: str) -> str:
        unknown = templates.unknown_placeholders(self.purpose, value)
        if unknown:
            raise forms.ValidationError(
                _("Unknown placeholders: %(unknown)s. Allowed: %(allowed)s.") % {
                    "unknown": ", ".join(f"(({name}))" for name in unknown),
                    "allowed": ", ".join(f"(({name}))"
                                         for name in templates.PLACEHOLDERS[self.purpose])})
        return value

    def clean_subject(self):
        return self._check(self.cleaned_data.get("subject", "").strip())

    def clean_body(self):
        body = self.cleaned_data.get("body", "").replace("\r\n", "\n").strip()
        if not body:
            raise forms.ValidationError(_("Write the text of the message."))
        return self._check(body)


class SubscriberFilterForm(forms.Form):
    temat = forms.ChoiceField(label=_("Topic"), required=False,
                              choices=[("", _("all topics"))] + list(Topic.choices))
    kanal = forms.ChoiceField(label=_("Channel"), required=False,
                              choices=[("", _("all channels"))] + list(Channel.choices))
    miejscowosc = forms.ChoiceField(label=_("Locality"), required=False)
    pelne = forms.BooleanField(label=_("Show full addresses"), required=False)

    def __init__(self, *args, municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["miejscowosc"].choices = [("", _("all localities")),
                                              ("cala", _("whole gmina only"))] + [
            (str(pk), name) for pk, name in selectors.localities(municipality).values_list(
                "pk", "name")]
