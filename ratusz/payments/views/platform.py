"""The addresses the gateway notifies, outside any gmina: the secret key in the address
names the gmina's gateway account. Each answers with a status only."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ratusz.payments import services

MAX_BODY = 64 * 1024


def _answer(status: int) -> HttpResponse:
    return HttpResponse("OK" if status == 200 else "", status=status,
                        content_type="text/plain")


def _remote(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


@csrf_exempt
@require_POST
def gateway_status(request: HttpRequest, notify_key: str) -> HttpResponse:
    """Przelewy24's `urlStatus`: a transaction was paid."""
    if len(request.body) > MAX_BODY:
        return _answer(400)
    return _answer(services.receive_notification(notify_key, request.body,
                                                 remote_address=_remote(request)))


@csrf_exempt
@require_POST
def gateway_refusal(request: HttpRequest, notify_key: str) -> HttpResponse:
    """Przelewy24's `urlCardPaymentNotification`: a card or BLIK payment was refused."""
    if len(request.body) > MAX_BODY:
        return _answer(400)
    return _answer(services.receive_refusal(notify_key, request.body,
                                            remote_address=_remote(request)))
