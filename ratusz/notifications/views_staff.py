"""Staff pages of the notifications: the alerts of the gmina and who gets them, composing
with a preview of every channel, the second person's approval of severe alerts, updates
and cancellations, the delivery report of each alert, the message templates and the
(audited) list of subscribers."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from ratusz.accounts.access import staff_required
from ratusz.accounts.permissions import Permission
from ratusz.accounts.selectors import has_permission
from ratusz.core.models import Locality
from ratusz.core.services import record_personal_data_access
from ratusz.notifications import delivery, feeds, selectors, services, sms, templates
from ratusz.notifications.forms import (
    AlertForm,
    RejectForm,
    SubscriberFilterForm,
    TemplateForm,
)
from ratusz.notifications.models import (
    Alert,
    AlertStatus,
    Channel,
    MessageStatus,
    MsgType,
    TemplatePurpose,
)
from ratusz.notifications.services import NotificationError

#: A token of the real length (secrets.token_urlsafe(24)) for the sample settings link.
SAMPLE_TOKEN = "PRZYKLADOWY-TOKEN-ODBIORCY-00000"


# --- helpers ------------------------------------------------------------------------------

def mask_email(address: str) -> str:
    local, _sep, domain = (address or "").rpartition("@")
    if not local:
        return "***"
    return f"{local[0]}***@{domain}"


def mask_phone(phone: str) -> str:
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    if len(digits) < 3:
        return "•••"
    return f"+{digits[:2]} ••• ••• {digits[-3:]}" if len(digits) > 9 else \
        f"••• ••• {digits[-3:]}"


def mask_recipient(channel: str, recipient: str) -> str:
    if channel == Channel.EMAIL:
        return mask_email(recipient)
    if channel == Channel.SMS:
        return mask_phone(recipient)
    return _("browser (web push)")


def sms_summary(length: sms.SmsLength) -> str:
    """"123 characters · GSM-7 · 1 part", the same text sms-counter.js writes."""
    units = ngettext("%(n)s character", "%(n)s characters", length.units) % {
        "n": length.units}
    if length.encoding == sms.GSM7:
        encoding = sms.GSM7
    else:
        encoding = _("UCS-2 (characters outside GSM-7: %(chars)s)") % {
            "chars": ", ".join(length.not_gsm7)}
    parts = ngettext("%(n)s part", "%(n)s parts", length.parts) % {"n": length.parts}
    return f"{units} · {encoding} · {parts}"


def sms_counter_labels() -> dict[str, str]:
    """The counter's wording for sms-counter.js: the three Polish plural forms (as for
    1, 2 and 5) with {n} for the number, and the UCS-2 label with {chars}."""
    def forms(singular, plural):
        return "|".join(ngettext(singular, plural, n) % {"n": "{n}"} for n in (1, 2, 5))

    return {"chars": forms("%(n)s character", "%(n)s characters"),
            "parts": forms("%(n)s part", "%(n)s parts"),
            "ucs2": _("UCS-2 (characters outside GSM-7: %(chars)s)") % {"chars": "{chars}"}}


def _duration(delta: timedelta | None) -> str:
    if delta is None:
        return ""
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return _("%(s)d s") % {"s": seconds}
    if seconds < 3600:
        return _("%(m)d min %(s)d s") % {"m": seconds // 60, "s": seconds % 60}
    return _("%(h)d h %(m)d min") % {"h": seconds // 3600, "m": seconds % 3600 // 60}


def _alert_or_404(request: HttpRequest, alert_id: int) -> Alert:
    alert = selectors.alert_by_id(request.municipality, alert_id)
    if alert is None:
        raise Http404
    return alert


def _preview_values(alert: Alert, localities: list[Locality] | None = None) -> dict[str, str]:
    """The placeholder values of an alert, also of an unsaved one (the compose preview)."""
    if alert.pk:
        return delivery.alert_values(alert)
    # The link of the alert once saved: the next number is a fair guess of its length.
    return delivery.alert_values(
        alert, area_names=[locality.name for locality in localities or []],
        alert_id=selectors.next_alert_id(alert.municipality))


def channel_previews(municipality, values: dict[str, str], channels) -> list[dict]:
    """What each chosen channel will carry, with the sample settings link of a recipient."""
    sample_link = delivery.preferences_url(municipality, SAMPLE_TOKEN)
    previews = []
    for channel in Channel:
        if channel.value not in (channels or Channel.values):
            continue
        wording = selectors.template_wording(municipality, TemplatePurpose.ALERT, channel)
        subject = templates.render(wording.subject, values) if wording.subject else ""
        body = templates.render(wording.body, values, keep=templates.PER_RECIPIENT)
        item = {"channel": channel.value, "label": channel.label, "subject": subject}
        if channel == Channel.SMS:
            body = templates.sms_text(body, wording.transliterate)
            body = body.replace("((preferences))", sample_link)
            length = sms.measure(body)
            item.update(length=length, summary=sms_summary(length),
                        transliterate=wording.transliterate)
        else:
            body = body.replace("((preferences))", sample_link)
        if channel == Channel.PUSH:
            body = body[:1000]
        item["body"] = body
        previews.append(item)
    return previews


def delivery_report(alert: Alert) -> dict:
    """Counts per channel and status, SMS parts and cost, the first failures (addresses
    masked) and how long sending took."""
    figures = selectors.delivery_figures(alert.municipality_id, alert)
    counts = figures["counts"]
    rows = []
    for channel in Channel:
        by_status = counts.get(channel.value, {})
        rows.append({"channel": channel.value, "label": channel.label,
                     "cells": [by_status.get(status.value, 0) for status in MessageStatus],
                     "total": sum(by_status.values())})
    failures = [{"channel": message.get_channel_display(),
                 "recipient": mask_recipient(message.channel, message.recipient),
                 "status": message.get_status_display(), "error": message.error,
                 "attempts": message.attempts}
                for message in figures["failures"]]
    took = None
    if alert.published_at and figures["last_sent"]:
        took = figures["last_sent"] - alert.published_at
    return {"statuses": list(MessageStatus), "rows": rows,
            "total": sum(row["total"] for row in rows),
            "sms_parts": figures["sms_parts"] or 0, "sms_cost": figures["sms_cost"],
            "failures": failures, "failure_count": figures["failure_count"],
            "last_sent": figures["last_sent"], "took": _duration(took)}


def _can(request: HttpRequest, permission: str) -> bool:
    return has_permission(request.user, request.municipality, permission)


# --- dashboard ----------------------------------------------------------------------------

@staff_required(Permission.COMPOSE_ALERTS)
def dashboard(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality
    return render(request, "notifications/staff/dashboard.html", {
        **selectors.staff_alerts(municipality),
        "can_approve": _can(request, Permission.APPROVE_ALERTS),
        "can_templates": _can(request, Permission.MANAGE_TEMPLATES),
        "can_subscribers": _can(request, Permission.VIEW_SUBSCRIBERS),
        "counts": selectors.subscriber_counts(municipality),
    })


# --- composing ----------------------------------------------------------------------------

def _unsaved_alert(municipality, data: services.AlertData, *, msg_type: str,
                   references: Alert | None) -> Alert:
    return Alert(municipality=municipality, msg_type=msg_type, references=references,
                 topic=data.topic, event=data.event.strip(), headline=data.headline.strip(),
                 description=data.description.strip(),
                 instruction=(data.instruction or "").strip(), severity=data.severity,
                 urgency=data.urgency, certainty=data.certainty, onset=data.onset,
                 expires=data.expires, channels=data.channels or list(Channel.values))


def _alert_form_page(request: HttpRequest, *, alert: Alert | None = None,
                     original: Alert | None = None, msg_type: str = MsgType.ALERT):
    """compose, edit and follow_up: GET shows the form, POST "preview" re-renders it with
    each channel's message, POST "save" writes the draft."""
    municipality = request.municipality
    if alert is not None:
        initial = AlertForm.initial_from(alert)
    elif original is not None:
        initial = AlertForm.initial_from(original)
    else:
        initial = {}
    idempotency_key = request.POST.get("klucz", "") if request.method == "POST" else ""
    if not (len(idempotency_key) == 32 and idempotency_key.isalnum()):
        idempotency_key = uuid.uuid4().hex
    form = AlertForm(request.POST or None, initial=initial, municipality=municipality,
                     msg_type=msg_type)
    previews = None
    if request.method == "POST" and form.is_valid():
        # A cancellation keeps its levels: from the original, or (editing its draft) its own.
        data = form.alert_data(original=original or alert)
        if "preview" in request.POST:
            try:
                services.validate_alert(municipality, data)
            except NotificationError as error:
                form.add_service_errors(error)
            else:
                unsaved = _unsaved_alert(municipality, data, msg_type=msg_type,
                                         references=original)
                previews = channel_previews(
                    municipality, _preview_values(unsaved, data.localities), data.channels)
        else:
            try:
                if alert is not None:
                    saved = services.update_draft(alert, data, acting_user=request.user)
                elif original is not None:
                    saved = services.follow_up(original, data, acting_user=request.user,
                                               msg_type=msg_type)
                else:
                    saved, _created = services.create_alert(
                        municipality, data, acting_user=request.user,
                        idempotency_key=f"web:{idempotency_key}")
            except NotificationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, _("The draft is saved. Check it and send it."))
                return redirect("notifications-staff:alert", municipality.slug, saved.pk)
    status = 422 if form.errors else 200
    form.describe_errors()
    return render(request, "notifications/staff/alert_form.html", {
        "form": form, "alert": alert, "original": original, "msg_type": msg_type,
        "previews": previews, "idempotency_key": idempotency_key,
        "is_cancel": msg_type == MsgType.CANCEL,
    }, status=status)


@staff_required(Permission.COMPOSE_ALERTS)
@require_http_methods(["GET", "POST"])
def compose(request: HttpRequest) -> HttpResponse:
    return _alert_form_page(request)


@staff_required(Permission.COMPOSE_ALERTS)
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = _alert_or_404(request, alert_id)
    if alert.status not in (AlertStatus.DRAFT, AlertStatus.REJECTED):
        messages.error(request, _("Only a draft can be changed. To correct a published alert "
                                  "send an update."))
        return redirect("notifications-staff:alert", request.municipality.slug, alert.pk)
    return _alert_form_page(request, alert=alert, msg_type=alert.msg_type)


@staff_required(Permission.COMPOSE_ALERTS)
@require_http_methods(["GET", "POST"])
def follow_up(request: HttpRequest, alert_id: int, kind: str) -> HttpResponse:
    original = _alert_or_404(request, alert_id)
    if kind not in (MsgType.UPDATE, MsgType.CANCEL):
        raise Http404
    if original.status != AlertStatus.PUBLISHED:
        messages.error(request, _("Only a published alert can be updated or cancelled."))
        return redirect("notifications-staff:alert", request.municipality.slug, original.pk)
    return _alert_form_page(request, original=original, msg_type=kind)


# --- one alert ----------------------------------------------------------------------------

def _detail(request: HttpRequest, alert: Alert, *, error: str = "",
            reject_form: RejectForm | None = None, status: int = 200) -> HttpResponse:
    reject_form = reject_form or RejectForm()
    reject_form.describe_errors()
    can_compose = _can(request, Permission.COMPOSE_ALERTS)
    can_approve = _can(request, Permission.APPROVE_ALERTS)
    published = alert.status == AlertStatus.PUBLISHED
    return render(request, "notifications/staff/alert_detail.html", {
        "alert": alert, "error": error,
        "localities": selectors.alert_localities(alert.municipality_id, alert),
        "channel_labels": [label for value, label in Channel.choices
                           if value in (alert.channels or Channel.values)],
        "previews": channel_previews(alert.municipality, _preview_values(alert),
                                     alert.channels),
        "followups": selectors.followups(alert.municipality_id, alert, published_only=False),
        "report": delivery_report(alert) if published else None,
        "has_cap": published and feeds.has_cap_document(alert),
        "can_edit": can_compose and alert.status in (AlertStatus.DRAFT, AlertStatus.REJECTED),
        "can_submit": can_compose and alert.status in (AlertStatus.DRAFT,
                                                       AlertStatus.REJECTED),
        "can_decide": can_approve and alert.status == AlertStatus.PENDING,
        "is_author": alert.created_by_id == request.user.pk,
        "can_follow_up": can_compose and published and alert.msg_type != MsgType.CANCEL,
        "reject_form": reject_form,
        "severity_label": alert.get_severity_display(),
    }, status=status)


@staff_required(Permission.COMPOSE_ALERTS)
def alert_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    return _detail(request, _alert_or_404(request, alert_id))


@staff_required(Permission.COMPOSE_ALERTS)
@require_POST
def submit(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = _alert_or_404(request, alert_id)
    try:
        alert = services.submit_alert(alert, acting_user=request.user)
    except NotificationError as error:
        return _detail(request, alert, error=error.message, status=409)
    if alert.status == AlertStatus.PENDING:
        messages.success(request, _("The alert waits for a second person's approval; it is "
                                    "sent as soon as it is approved."))
    else:
        messages.success(request, _("The alert is published and is being sent."))
    return redirect("notifications-staff:alert", request.municipality.slug, alert.pk)


@staff_required(Permission.APPROVE_ALERTS)
@require_POST
def approve(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = _alert_or_404(request, alert_id)
    try:
        services.approve_alert(alert, acting_user=request.user)
    except NotificationError as error:
        return _detail(request, alert, error=error.message, status=409)
    messages.success(request, _("The alert is approved, published and is being sent."))
    return redirect("notifications-staff:alert", request.municipality.slug, alert.pk)


@staff_required(Permission.APPROVE_ALERTS)
@require_POST
def reject(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = _alert_or_404(request, alert_id)
    form = RejectForm(request.POST)
    if not form.is_valid():
        return _detail(request, alert, reject_form=form, status=422)
    try:
        services.reject_alert(alert, acting_user=request.user,
                              reason=form.cleaned_data["reason"])
    except NotificationError as error:
        if error.field == "reason":
            form.add_error("reason", error.message)
            return _detail(request, alert, reject_form=form, status=422)
        return _detail(request, alert, error=error.message, status=409)
    messages.success(request, _("The alert is rejected; its author can correct it."))
    return redirect("notifications-staff:alert", request.municipality.slug, alert.pk)


# --- templates ----------------------------------------------------------------------------

@staff_required(Permission.MANAGE_TEMPLATES)
def template_list(request: HttpRequest) -> HttpResponse:
    own = selectors.own_templates(request.municipality)
    rows = []
    for purpose, channel in templates.DEFAULTS:
        rows.append({"purpose": purpose, "channel": channel,
                     "purpose_label": TemplatePurpose(purpose).label,
                     "channel_label": Channel(channel).label,
                     "own": own.get((purpose, channel))})
    return render(request, "notifications/staff/template_list.html", {"rows": rows})


def _template_key_or_404(purpose: str, channel: str) -> tuple[str, str]:
    if (purpose, channel) not in templates.DEFAULTS:
        raise Http404
    return purpose, channel


@staff_required(Permission.MANAGE_TEMPLATES)
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, purpose: str, channel: str) -> HttpResponse:
    purpose, channel = _template_key_or_404(purpose, channel)
    municipality = request.municipality
    if request.method == "POST" and request.POST.get("action") == "reset":
        services.reset_template(municipality, purpose, channel, acting_user=request.user)
        messages.success(request, _("The built-in wording is used again."))
        return redirect("notifications-staff:template-edit", municipality.slug, purpose,
                        channel)
    own = selectors.own_template(municipality, purpose, channel)
    wording = selectors.template_wording(municipality, purpose, channel)
    form = TemplateForm(request.POST or None, purpose=purpose, channel=channel, initial={
        "subject": wording.subject, "body": wording.body,
        "transliterate": wording.transliterate})
    if request.method == "POST" and form.is_valid():
        try:
            services.save_template(
                municipality, purpose, channel, subject=form.cleaned_data.get("subject", ""),
                body=form.cleaned_data["body"],
                transliterate=bool(form.cleaned_data.get("transliterate")),
                acting_user=request.user)
        except NotificationError as error:
            form.add_error(error.field if error.field in form.fields else None,
                           error.message)
        else:
            messages.success(request, _("The template is saved; new messages use it."))
            return redirect("notifications-staff:template-edit", municipality.slug,
                            purpose, channel)
    counter = None
    if channel == Channel.SMS:
        text = form["body"].value() or ""
        transliterate = form["transliterate"].value()
        if isinstance(transliterate, str):
            transliterate = transliterate.lower() not in ("", "false", "0", "off")
        counter = sms_summary(sms.measure(templates.sms_text(text, bool(transliterate))))
    form.describe_errors()
    return render(request, "notifications/staff/template_edit.html", {
        "form": form, "own": own, "purpose": purpose, "channel": channel,
        "purpose_label": TemplatePurpose(purpose).label,
        "channel_label": Channel(channel).label,
        "placeholders": templates.PLACEHOLDERS[purpose].items(),
        "default": templates.DEFAULTS[(purpose, channel)],
        "counter": counter, "counter_labels": sms_counter_labels(),
    }, status=422 if form.errors else 200)


# --- subscribers (personal data) --------------------------------------------------------

@staff_required(Permission.VIEW_SUBSCRIBERS)
def subscribers(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality
    filters = SubscriberFilterForm(request.GET or None, municipality=municipality)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    queryset = selectors.subscribers_for_staff(
        municipality, topic=chosen.get("temat", ""), channel=chosen.get("kanal", ""),
        locality=chosen.get("miejscowosc", ""))
    page = Paginator(queryset, 50).get_page(request.GET.get("strona"))
    full = bool(chosen.get("pelne"))
    rows = []
    for subscriber in page.object_list:
        rows.append({
            "email": subscriber.email if full else mask_email(subscriber.email)
            if subscriber.email else "",
            "email_confirmed": bool(subscriber.email_confirmed_at),
            "phone": (f"+{subscriber.phone}" if full else mask_phone(subscriber.phone))
            if subscriber.phone else "",
            "phone_confirmed": bool(subscriber.phone_confirmed_at),
            "push": subscriber.n_push, "account": bool(subscriber.user_id),
            "localities": [locality.name for locality in subscriber.localities.all()],
            "subscriptions": [f"{s.get_topic_display()} ({s.get_channel_display()})"
                              for s in subscriber.subscriptions.all()],
            "created_at": subscriber.created_at,
        })
    record_personal_data_access(
        municipality=municipality, staff=request.user, context="notification subscribers",
        subject_label=ngettext("%(n)d notification subscriber (page %(page)d)",
                               "%(n)d notification subscribers (page %(page)d)",
                               len(rows)) % {"n": len(rows), "page": page.number},
        fields=(["email", "phone"] if full else ["email (masked)", "phone (masked)"])
        + ["localities", "subscriptions"], path=request.get_full_path())
    query = request.GET.copy()
    query.pop("strona", None)
    return render(request, "notifications/staff/subscribers.html", {
        "filters": filters, "page": page, "rows": rows, "full": full,
        "query": query.urlencode(),
    })
