"""Pages of the exchange app (/g/<slug>/staff/wymiana/): the gmina's addresses, what was
sent with its delivery and evidences, what arrived — registered or quarantined with its
reason, for the registry clerk. Reading needs `registers.view`; sending a failed message
again `correspondence.register`."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ratusz.accounts.access import staff_required
from ratusz.accounts.permissions import Permission
from ratusz.exchange import selectors, services

PAGE = 50


@require_GET
@staff_required(Permission.VIEW_REGISTERS)
def dashboard(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality
    return render(request, "exchange/dashboard.html", {
        "mailboxes": selectors.mailboxes(municipality),
        "outbound": selectors.outbound_messages(municipality)[:PAGE],
        "quarantined": selectors.inbound_messages(municipality, status="quarantined")[:PAGE],
        "inbound": selectors.inbound_messages(municipality, status="registered")[:PAGE]})


@require_GET
@staff_required(Permission.VIEW_REGISTERS)
def outbound_detail(request: HttpRequest, message_id: int) -> HttpResponse:
    message = selectors.access_outbound_by_id(request.municipality, message_id)
    if message is None:
        raise Http404
    return render(request, "exchange/outbound.html", {
        "message": message, "evidences": selectors.evidences_of(message)})


@require_POST
@staff_required(Permission.REGISTER_CORRESPONDENCE)
def outbound_retry(request: HttpRequest, message_id: int) -> HttpResponse:
    message = selectors.access_outbound_by_id(request.municipality, message_id)
    if message is None:
        raise Http404
    try:
        services.retry_message(message, acting_user=request.user)
        messages.success(request, _("The message will be sent again."))
    except services.ExchangeError as error:
        messages.error(request, error.message)
    return redirect("exchange-staff:outbound", request.municipality.slug, message.pk)
