"""Demo data of the payments app: each gmina's collection account and scheme of individual
account numbers, its Przelewy24 merchant account at the demo's gateway simulator, and the
resident's obligations: the 2026 property-tax instalments (one overdue), the next monthly
waste fee, and a paid one. var/demo.json gains, per gmina, `finance_token` (the finance
officer's token), `collection_account` and `payments_sample`; the finance officer's
sign-in is under `users.finance` (the loader's staff plan). The merchants of every gmina
are written to var/payment-gateway-merchants.json, which the simulator reads."""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone

from ratusz.accounts.permissions import ROLE_PERMISSIONS, Role
from ratusz.payments import nrb, selectors, services
from ratusz.payments.calendar import next_working_day
from ratusz.payments.models import ReceiptSource

SETTLEMENT = "10203000"  # a bank unit's settlement number (made-up account numbers)
SIMULATOR_URL = "http://127.0.0.1:8093"
MERCHANTS_FILE = "payment-gateway-merchants.json"
TAX_YEAR = 2026
PROPERTY_TAX_DATES = [(3, 15), (5, 15), (9, 15), (11, 15)]
PROPERTY_TAX_INSTALMENT = 180000  # 7 200 zł a year: a house and a workshop
WASTE_FEE = 3500
MONTHS = ["styczeń", "luty", "marzec", "kwiecień", "maj", "czerwiec", "lipiec", "sierpień",
          "wrzesień", "październik", "listopad", "grudzień"]


def collection_account(municipality) -> str:
    bban = SETTLEMENT + "7" + f"{municipality.teryt:0<7}"[:7] + "00000001"
    return nrb.check_digits(bban) + bban


def virtual_prefix(municipality) -> str:
    return SETTLEMENT + "8" + f"{municipality.teryt:0<7}"[:7]


def merchant(municipality) -> dict:
    """The gmina's demo merchant account (fixed, so reruns and the simulator agree)."""
    secret = hashlib.sha256(f"ratusz-demo-przelewy24:{municipality.slug}".encode()).hexdigest()
    merchant_id = 100000 + int(municipality.teryt[:6]) % 900000
    return {"merchantId": merchant_id, "posId": merchant_id, "apiKey": secret[:32],
            "crc": secret[32:48]}


def simulator_url() -> str:
    return getattr(settings, "RATUSZ_PAYMENT_GATEWAY_SIMULATOR_URL", "") or SIMULATOR_URL


def _ensure_setup(municipality):
    account = selectors.collection_account(municipality)
    if account is None:
        account = services.configure_collection_account(
            municipality, acting_user=None, nrb_number=collection_account(municipality),
            virtual_prefix=virtual_prefix(municipality))
    credentials = merchant(municipality)
    gateway = selectors.gateway_account(municipality)
    if gateway is None or gateway.base_url != simulator_url() \
            or gateway.merchant_id != credentials["merchantId"]:
        services.configure_gateway(municipality, acting_user=None, base_url=simulator_url(),
                                   merchant_id=credentials["merchantId"],
                                   api_key=credentials["apiKey"], crc_key=credentials["crc"])
    return account


def _waste_month(day: date) -> date:
    """The monthly waste fee's due date (the 20th) for the month of `day`."""
    return date(day.year, day.month, 20)


def _ensure_obligations(municipality, resident, today: date) -> dict:
    payer_data = services.resident_payer_data(resident)
    if payer_data is None:
        return {}
    slug = municipality.slug
    tax_dates = [date(TAX_YEAR, month, day) for month, day in PROPERTY_TAX_DATES]
    past = [d for d in tax_dates if next_working_day(d) < today]
    overdue = past[-1] if past else None
    # The paid waste fee: the month before the overdue instalment (paid when nothing was
    # overdue, so art. 62 OP gives it to the fee); the open one: the next 20th from today.
    paid_month = _waste_month((overdue or today).replace(day=1) - timedelta(days=1))
    open_month = _waste_month(today) if today <= _waste_month(today) else \
        _waste_month(today.replace(day=28) + timedelta(days=4))
    lines = [
        {"external_id": f"demo/{slug}/PN/{TAX_YEAR}", "kind": "property_tax",
         "title": f"Podatek od nieruchomości {TAX_YEAR}", "period": str(TAX_YEAR),
         "payer": payer_data.__dict__,
         "instalments": [{"number": n, "due_date": d.isoformat(),
                          "amount": PROPERTY_TAX_INSTALMENT}
                         for n, d in enumerate(tax_dates, start=1)]},
    ]
    for month in (paid_month, open_month):
        lines.append({
            "external_id": f"demo/{slug}/OD/{month:%Y-%m}", "kind": "waste_fee",
            "title": f"Opłata za gospodarowanie odpadami komunalnymi – "
                     f"{MONTHS[month.month - 1]} {month.year}",
            "period": f"{month:%Y-%m}", "payer": {"kind": "person", "pesel": payer_data.pesel},
            "instalments": [{"due_date": month.isoformat(), "amount": WASTE_FEE}]})
    services.import_obligations(municipality, lines, acting_user=None, channel="demo")
    views = {view.instalment.obligation.external_id + f"#{view.instalment.number}": view
             for view in selectors.views(selectors.resident_instalments(municipality,
                                                                        resident))}
    to_pay_on_time = [(f"demo/{slug}/PN/{TAX_YEAR}#{n}", d)
                      for n, d in enumerate(tax_dates, start=1) if overdue and d < overdue]
    to_pay_on_time.insert(0, (f"demo/{slug}/OD/{paid_month:%Y-%m}#1", paid_month))
    for key, due in sorted(to_pay_on_time, key=lambda pair: pair[1]):
        view = views.get(key)
        if view is None or view.outstanding == 0:
            continue
        services.book_receipt(municipality, payer_id=view.instalment.payer_id,
                              amount=view.outstanding, value_date=due,
                              source=ReceiptSource.STATEMENT,
                              reference=f"przelew na rachunek indywidualny ({view.title})",
                              named={view.id})
    overdue_view = views.get(f"demo/{slug}/PN/{TAX_YEAR}#{len(past)}") if overdue else None
    return {"payer_account": views[next(iter(views))].account if views else "",
            "overdue_obligation": overdue_view.id if overdue_view else None}


def ensure_demo(municipality, staff: dict, resident, *, issue_token) -> dict:
    """Create what is missing of the payments demo for this gmina (idempotent); returns what the
    gmina's entry of var/demo.json gains. `staff` maps the demo roles (registry_clerk,
    case_officer, head, secretary, admin, finance, education) to users; `issue_token(user,
    permissions)` re-issues that user's demo API token and returns its secret."""
    account = _ensure_setup(municipality)
    sample = _ensure_obligations(municipality, resident, timezone.localdate())
    return {
        "finance_token": issue_token(staff["finance"], ROLE_PERMISSIONS[Role.FINANCE]),
        "collection_account": account.nrb,
        "payments_sample": {"virtual_prefix": account.virtual_prefix,
                            "bank_profile": account.bank_profile, **sample},
    }


def ensure_platform_demo(municipalities: list) -> dict:
    """After every gmina: the merchants file of the gateway simulator (every demo gmina's
    credentials); returns the top-level keys var/demo.json gains (none)."""
    path = settings.VAR_DIR / MERCHANTS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([merchant(m) for m in municipalities], indent=2),
                    encoding="utf-8")
    return {}
