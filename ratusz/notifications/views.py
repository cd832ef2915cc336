"""Public pages of the notification system: subscribing (double opt-in), confirming an
address, preferences and one-click unsubscribe, web push, the alerts with their CAP 1.2
documents and the Atom feed, and the SMS gateways' delivery reports."""

from __future__ import annotations

import hmac
import json
import logging

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from ratusz.core import ratelimit
from ratusz.notifications import delivery, feeds, selectors, services, webpush
from ratusz.notifications.forms import SubscriptionForm
from ratusz.notifications.gateways import callback_params
from ratusz.notifications.models import Alert, Channel, Subscriber, Topic

logger = logging.getLogger("ratusz.notifications")


# --- subscribing --------------------------------------------------------------------------

def _is_resident(request: HttpRequest) -> bool:
    user = request.user
    return user.is_authenticated and getattr(user, "is_resident", False)


def _form_context(request, form: SubscriptionForm, chosen, chosen_localities, **extra):
    municipality = request.municipality
    return {"form": form, "municipality": municipality,
            "matrix": form.matrix(chosen), "localities": form.localities,
            "chosen_localities": {loc.pk for loc in chosen_localities},
            "consent_wording": services.consent_wording(municipality),
            "current_alerts": selectors.current_alerts(municipality)[:5], **extra}


@require_http_methods(["GET", "POST"])
def subscribe(request: HttpRequest, municipality_slug: str) -> HttpResponse:
    municipality = request.municipality
    resident = _is_resident(request)
    existing = None
    if resident:
        existing = selectors.subscriber_of_user(municipality, request.user)
        if existing is not None:
            return redirect("notifications:preferences", municipality.slug, existing.token)
    # A resident's account already knows the e-mail address and, from the profile, the
    # phone number: the form starts with them.
    profile = getattr(request.user, "resident_profile", None) if resident else None
    initial = {"email": request.user.email,
               "phone": getattr(profile, "phone", "") or ""} if resident else {}
    if request.method == "POST":
        form = SubscriptionForm(request.POST, municipality=municipality, with_cases=resident)
        if not ratelimit.allow("notify-subscribe", ratelimit.client_address(request),
                               limit=20, window_seconds=3600):
            form.add_error(None, _("Too many attempts from this address. Try again in an "
                                   "hour."))
        elif form.is_valid():
            try:
                subscriber = services.subscribe(
                    municipality, form.choice(), user=request.user if resident else None,
                    ip_address=ratelimit.client_address(request))
            except services.NotificationError as error:
                form.add_service_error(error)
            else:
                return _after_subscribe(request, subscriber)
        return render(request, "notifications/subscribe.html", _form_context(
            request, form, form.pairs, form.chosen_localities), status=422 if form.errors
            else 200)
    form = SubscriptionForm(initial=initial, municipality=municipality, with_cases=resident)
    default = {(Topic.WEATHER.value, Channel.EMAIL.value)}
    return render(request, "notifications/subscribe.html",
                  _form_context(request, form, default, []))


def _after_subscribe(request: HttpRequest, subscriber: Subscriber) -> HttpResponse:
    """The next step: confirm the e-mail, enter the SMS code, turn on push — on one page
    reachable only with the subscriber's secret."""
    request.session["notifications_last"] = subscriber.token
    return redirect("notifications:check-email", request.municipality.slug)


def _subscriber_by_token(request: HttpRequest, token: str) -> Subscriber:
    subscriber = selectors.subscriber_by_token(request.municipality, token)
    if subscriber is None:
        raise Http404(_("This link is no longer valid: the subscription does not exist."))
    return subscriber


def _push_context(request, subscriber: Subscriber) -> dict:
    try:
        key = webpush.vapid_keys().public_key_b64url
    except (OSError, ValueError):
        key = ""
    return {"vapid_key": key,
            "push_endpoint": reverse("notifications:push-subscribe",
                                     args=[request.municipality.slug, subscriber.token])}


def check_email(request: HttpRequest, municipality_slug: str) -> HttpResponse:
    subscriber = selectors.subscriber_by_token(request.municipality,
                                               request.session.get("notifications_last", ""))
    if subscriber is None:
        return redirect("notifications:subscribe", request.municipality.slug)
    return render(request, "notifications/next_steps.html", {
        "municipality": request.municipality, "subscriber": subscriber,
        **selectors.next_steps(request.municipality, subscriber),
        **_push_context(request, subscriber)})


@require_http_methods(["GET", "POST"])
def confirm_email(request: HttpRequest, municipality_slug: str, token: str) -> HttpResponse:
    """GET shows a button, POST confirms: mail scanners that open links must not confirm
    for the person."""
    municipality = request.municipality
    if request.method == "POST":
        try:
            subscriber = services.confirm_email(
                municipality, token, ip_address=ratelimit.client_address(request))
        except services.NotificationError as error:
            return render(request, "notifications/link_problem.html",
                          {"municipality": municipality, "message": error.message},
                          status=400)
        request.session["notifications_last"] = subscriber.token
        messages.success(request, _("Your e-mail address is confirmed. From now on you will "
                                    "get the notifications you chose."))
        return redirect("notifications:preferences", municipality.slug, subscriber.token)
    return render(request, "notifications/confirm_email.html",
                  {"municipality": municipality, "token": token})


@require_http_methods(["GET", "POST"])
def confirm_phone(request: HttpRequest, municipality_slug: str, token: str) -> HttpResponse:
    municipality = request.municipality
    subscriber = _subscriber_by_token(request, token)
    error = ""
    if request.method == "POST":
        if request.POST.get("resend"):
            try:
                services.resend_phone_code(subscriber)
                messages.info(request, _("We have sent a new code."))
            except services.NotificationError as problem:
                error = problem.message
        else:
            try:
                services.confirm_phone(subscriber, request.POST.get("code", ""),
                                       ip_address=ratelimit.client_address(request))
            except services.NotificationError as problem:
                error = problem.message
            else:
                messages.success(request, _("Your phone number is confirmed."))
                return redirect("notifications:preferences", municipality.slug, token)
    return render(request, "notifications/confirm_phone.html", {
        "municipality": municipality, "subscriber": subscriber, "error": error},
        status=422 if error else 200)


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest, municipality_slug: str, token: str) -> HttpResponse:
    municipality = request.municipality
    subscriber = _subscriber_by_token(request, token)
    with_cases = subscriber.user_id is not None
    chosen = selectors.chosen_pairs(municipality, subscriber)
    chosen_localities = selectors.chosen_localities(municipality, subscriber)
    if request.method == "POST":
        form = SubscriptionForm(request.POST, municipality=municipality,
                                with_cases=with_cases)
        if form.is_valid():
            try:
                subscriber = services.subscribe(
                    municipality, form.choice(), user=subscriber.user if with_cases else None,
                    subscriber=subscriber, ip_address=ratelimit.client_address(request),
                    via="preferences")
            except services.NotificationError as error:
                form.add_service_error(error)
            else:
                steps = selectors.next_steps(municipality, subscriber)
                if steps["needs_email"] or steps["needs_phone"]:
                    request.session["notifications_last"] = subscriber.token
                    return redirect("notifications:check-email", municipality.slug)
                messages.success(request, _("Your notification settings are saved."))
                return redirect("notifications:preferences", municipality.slug, token)
        return render(request, "notifications/preferences.html", {
            **_form_context(request, form, form.pairs, form.chosen_localities),
            "subscriber": subscriber, **selectors.next_steps(municipality, subscriber),
            **_push_context(request, subscriber)}, status=422)
    form = SubscriptionForm(initial={
        "email": subscriber.email, "phone": subscriber.phone and "+" + subscriber.phone,
        "quiet": subscriber.quiet_from is not None, "consent": True},
        municipality=municipality, with_cases=with_cases)
    return render(request, "notifications/preferences.html", {
        **_form_context(request, form, chosen, chosen_localities),
        "subscriber": subscriber, **selectors.next_steps(municipality, subscriber),
        **_push_context(request, subscriber)})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, municipality_slug: str, token: str) -> HttpResponse:
    """RFC 8058 one-click: the mail provider POSTs `List-Unsubscribe=One-Click` (no cookie,
    no CSRF token: the secret token in the address is the authority). A person's browser
    gets a page with one button, so a link scanner's GET never unsubscribes anybody."""
    municipality = request.municipality
    channel = request.GET.get("kanal") or None
    if channel not in (None, *Channel.values):
        channel = None
    subscriber = selectors.subscriber_by_token(municipality, token)
    if request.method == "POST":
        if subscriber is not None:
            all_channels = request.POST.get("wszystko") == "1"
            services.unsubscribe(subscriber, channel=None if all_channels else channel,
                                 ip_address=ratelimit.client_address(request),
                                 via="one-click" if "List-Unsubscribe" in request.POST
                                 else "web")
        if request.POST.get("List-Unsubscribe") == "One-Click":
            return HttpResponse("OK", content_type="text/plain")
        # The page says what was done: every channel and the addresses, or one channel.
        return render(request, "notifications/unsubscribed.html", {
            "municipality": municipality, "channel": channel,
            "everything": request.POST.get("wszystko") == "1" or not channel,
            "channel_label": Channel(channel).label if channel else ""})
    if subscriber is None:
        return render(request, "notifications/unsubscribed.html", {
            "municipality": municipality, "channel": channel, "already": True})
    return render(request, "notifications/unsubscribe.html", {
        "municipality": municipality, "subscriber": subscriber, "channel": channel,
        "channel_label": Channel(channel).label if channel else ""})


@require_POST
def push_subscribe(request: HttpRequest, municipality_slug: str, token: str) -> HttpResponse:
    subscriber = _subscriber_by_token(request, token)
    try:
        data = json.loads(request.body or b"{}")
        services.turn_on_push(subscriber, data)
    except (ValueError, services.NotificationError) as error:
        message = getattr(error, "message", None) or _("The browser sent a subscription we "
                                                       "cannot use.")
        return JsonResponse({"ok": False, "message": message}, status=400)
    return JsonResponse({"ok": True, "message": _("Notifications in this browser are on.")},
                        status=201)


# --- alerts -------------------------------------------------------------------------------

def _published(request: HttpRequest, alert_id: int) -> Alert:
    alert = selectors.published_alert(request.municipality, alert_id)
    if alert is None:
        raise Http404(_("There is no such alert."))
    return alert


def alert_list(request: HttpRequest, municipality_slug: str) -> HttpResponse:
    municipality = request.municipality
    published = selectors.published_alerts(municipality).prefetch_related("localities")
    page = Paginator(published, 20).get_page(request.GET.get("strona"))
    return render(request, "notifications/alerts.html", {
        "municipality": municipality, "page": page,
        "current_alerts": selectors.current_alerts(municipality)})


def alert_detail(request: HttpRequest, municipality_slug: str, alert_id: int) -> HttpResponse:
    municipality = request.municipality
    alert = _published(request, alert_id)
    return render(request, "notifications/alert.html", {
        "municipality": municipality, "alert": alert,
        "localities": selectors.alert_localities(municipality, alert),
        "followups": selectors.followups(municipality, alert, published_only=True),
        "has_cap": feeds.has_cap_document(alert)})


def alert_cap(request: HttpRequest, municipality_slug: str, alert_id: int) -> HttpResponse:
    """The alert's CAP 1.2 document. An alert whose texts XML cannot carry has none: 404,
    as for an alert that is not published (the feed does not list it either)."""
    alert = _published(request, alert_id)
    document = feeds.cap_document(alert)
    if document is None:
        raise Http404(_("This alert has no CAP document."))
    response = HttpResponse(document, content_type="application/cap+xml")
    response["Content-Disposition"] = f'inline; filename="{alert.identifier}.cap"'
    return response


def alert_feed(request: HttpRequest, municipality_slug: str) -> HttpResponse:
    return HttpResponse(feeds.atom_feed(request.municipality),
                        content_type="application/atom+xml; charset=utf-8")


# --- SMS delivery reports -----------------------------------------------------------------

@csrf_exempt
@require_http_methods(["GET", "POST"])
def sms_callback(request: HttpRequest, gateway: str) -> HttpResponse:
    """A gateway's delivery reports. The gateways sign nothing, so the address carries a
    key only we and the gateway know (set in the notify URL of every request)."""
    if not hmac.compare_digest(request.GET.get("key", ""), delivery.callback_key(gateway)):
        return HttpResponse(status=403)
    gateways = {g.name: g for g in delivery.sms_gateways()}
    adapter = gateways.get(gateway)
    if adapter is None:
        raise Http404
    query = "&".join(part for part in request.META.get("QUERY_STRING", "").split("&")
                     if not part.startswith("key="))
    params = callback_params(query, request.body if request.method == "POST" else b"",
                             request.content_type or "")
    try:
        reports = adapter.parse_reports(params)
    except (ValueError, KeyError) as error:
        logger.warning("notifications: unreadable %s report: %s", gateway, error)
        return HttpResponse("bad request", status=400)
    delivery.record_sms_reports(gateway, reports)
    return HttpResponse(adapter.report_ack, content_type="text/plain")
