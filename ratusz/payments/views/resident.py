"""The taxpayer account (konto podatnika) at /g/<slug>/e-urzad/naleznosci/: only for a
resident whose session came through login.gov.pl; a password or e-mail account sees an
invitation to confirm the identity and nothing of the obligations."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from ratusz.accounts.identity import is_identified_session
from ratusz.payments import documents, selectors, services
from ratusz.payments.models import PaymentStatus

CERTIFICATE_SERVICE = "zaswiadczenie-o-niezaleganiu-w-podatkach"


#: The taxpayer account shows the last payments and paid items; the whole history is in
#: the statement of account (PDF), linked from the page.
HISTORY_SHOWN = 20


def _resident_page(view):
    """Sign-in first; then a resident who has matters with the gmina or is one of its
    payers (anyone else: 404, as for a page that does not exist)."""

    @wraps(view)
    def wrapper(request: HttpRequest, municipality_slug: str, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_resident or not selectors.has_taxpayer_account(
                request.municipality, request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _identify(request: HttpRequest) -> HttpResponse:
    return render(request, "payments/resident/identify.html")


@never_cache
@require_GET
@_resident_page
def account(request: HttpRequest) -> HttpResponse:
    if not is_identified_session(request):
        return _identify(request)
    municipality = request.municipality
    payers = list(selectors.payers_of_resident(municipality, request.user))
    views = selectors.views(selectors.resident_account_instalments(
        municipality, request.user, paid_shown=HISTORY_SHOWN))
    unpaid = [view for view in views if view.status != "paid"]
    return render(request, "payments/resident/account.html", {
        "payers": payers, "unpaid": unpaid,
        "paid": [view for view in views if view.status == "paid"][-HISTORY_SHOWN:],
        "owed": sum(view.to_pay for view in unpaid),
        "overdue": [view for view in unpaid if view.status == "overdue"],
        "receipts": list(selectors.receipts_of(municipality, payers)[:HISTORY_SHOWN]),
        "credit": sum(selectors.credit_of(municipality, payer) for payer in payers),
        "certificate_service": CERTIFICATE_SERVICE, "today": timezone.localdate()})


def _chosen(request: HttpRequest) -> list:
    municipality, user = request.municipality, request.user
    ids = [value for value in request.GET.getlist("pozycja") + request.POST.getlist("pozycja")
           if value.isdigit() and len(value) < 15][:50]
    instalments = selectors.access_own_instalments(municipality, user, ids) if ids else []
    external_id = request.GET.get("zobowiazanie", "")[:120]
    if external_id:
        instalments += selectors.instalments_for_external_id(municipality, user, external_id)
    return [view for view in selectors.views({i.pk: i for i in instalments}.values())
            if view.to_pay > 0]


@never_cache
@require_http_methods(["GET", "POST"])
@_resident_page
def pay(request: HttpRequest) -> HttpResponse:
    """What is chosen to pay, with the total; sending it goes to the gateway."""
    if not is_identified_session(request):
        return _identify(request)
    chosen = _chosen(request)
    if request.method == "POST" and chosen:
        try:
            payment = services.start_payment(request.municipality, user=request.user,
                                             instalment_ids=[view.id for view in chosen])
        except services.PaymentsError as error:
            messages.error(request, error.message)
        else:
            return HttpResponseRedirect(payment.redirect_url)
    gateway = selectors.gateway_account(request.municipality)
    response = render(request, "payments/resident/pay.html", {
        "chosen": chosen, "total": sum(view.to_pay for view in chosen), "gateway": gateway,
        "arrears_first": _arrears_not_chosen(request, chosen)})
    if gateway is not None:
        # The strict policy lets forms go only to ourselves; this one ends at the gateway.
        parts = urlsplit(gateway.base_url)
        response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY.replace(
            "form-action 'self'", f"form-action 'self' {parts.scheme}://{parts.netloc}")
    return response


def _arrears_not_chosen(request: HttpRequest, chosen) -> list:
    """Overdue tax items the resident did not choose: by art. 62 OP they are paid first."""
    ids = {view.id for view in chosen}
    return [view for view in selectors.views(selectors.resident_instalments(
        request.municipality, request.user)) if view.status == "overdue"
        and view.regime == "tax" and view.id not in ids]


@never_cache
@require_http_methods(["GET", "POST"])
@_resident_page
def payment(request: HttpRequest, payment_id) -> HttpResponse:
    """Where the gateway sends the payer back: the payment's state, asked of the gateway
    while it is pending; a pending payment may be cancelled."""
    found = selectors.access_payment(request.municipality, payment_id, user=request.user)
    if found is None:
        raise Http404
    if not is_identified_session(request):
        return _identify(request)
    if request.method == "POST" and request.POST.get("action") == "cancel":
        services.cancel_payment(found, user=request.user)
        return redirect("payments:payment", request.municipality.slug, found.public_id)
    if found.status == PaymentStatus.PENDING:
        found = services.refresh_payment(found)
    return render(request, "payments/resident/payment.html", {
        "payment": found, "items": selectors.views(
            selectors.instalments_of(request.municipality).filter(
                pk__in=found.items.values("instalment_id")))})


@never_cache
@require_GET
@_resident_page
def statement_pdf(request: HttpRequest) -> HttpResponse:
    if not is_identified_session(request):
        return _identify(request)
    payers = list(selectors.payers_of_resident(request.municipality, request.user))
    pdf = documents.account_statement_pdf(request.municipality, payers,
                                          base_url=request.build_absolute_uri("/"))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="wyciag-konto-podatnika-{timezone.localdate():%Y-%m-%d}.pdf"')
    return response
