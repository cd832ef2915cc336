"""The indicators: each one's key, name, unit, how it is aggregated over a period, where
its numbers come from and which seed or programme asks for it. docs/reports.md explains
each one in full; this table is what the code computes (no database here).

Kinds of aggregation over a month or a year:
- `flow`: the sum of the days' figures (things that happened: letters, cases, downloads);
- `state`: the value at the end of the period (things that are: services online, BIPs,
  registered residents, matters overdue);
- `share`: numerator flow / denominator flow, in per cent;
- `per_mille`: numerator flow / denominator flow × 1,000;
- `median`, `p90`: of the days to settle of the cases settled in the period.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

#: Channels of the incoming register that are electronic (the rest is paper or in person).
ELECTRONIC_CHANNELS = ("email", "epuap", "e_delivery", "eservice")
#: Channels through which a matter counts as handled through an online service.
ONLINE_SERVICE_CHANNELS = ("eservice", "epuap")

RPO = _("RPO/POPC 2014–2020 e-administration indicators")
WIERZBICA = _("Wierzbica development strategy (metrics of the e-office)")
E_GMINY = _("E-gminy partnership case study (indicator table)")
LUBUSKI = _("Lubuskie comparative reporting system (95 local governments)")
ISSUE = _("Ratusz: the unanswered-matters watch")


@dataclass(frozen=True)
class Indicator:
    key: str
    name: object
    unit: str  # stable English word for the API and CSV
    unit_label: object
    kind: str
    source: object
    seed: object
    numerator: str = ""
    denominator: str = ""
    per_unit: bool = True
    #: Why it cannot be computed yet (empty: it is computed).
    missing: object = ""


INDICATORS: list[Indicator] = [
    Indicator("eservices_level3", _("Services online at maturity level 3 or higher"),
              "services", _("services"), "state",
              _("e-office: published service cards with maturity level ≥ 3"), RPO),
    Indicator("eservices_level4", _("Services online at maturity level 4 or higher"),
              "services", _("services"), "state",
              _("e-office: published service cards with maturity level ≥ 4"), RPO),
    Indicator("submissions", _("Requests filed through the e-office"), "submissions",
              _("requests"), "flow",
              _("incoming register: items received through a Ratusz e-service"), WIERZBICA),
    Indicator("service_requests", _("Requests for services, all channels"), "requests",
              _("requests"), "flow",
              _("incoming register: items naming a service card, by service and channel"),
              WIERZBICA),
    Indicator("cases_settled_online", _("Cases settled through an online service"), "cases",
              _("cases"), "flow",
              _("EZD: cases closed whose request came through an e-service or ePUAP"), RPO),
    Indicator("bip_bodies", _("Units publishing information (live BIP)"), "units",
              _("units"), "state",
              _("BIP: units whose BIP has at least one published entry"), RPO),
    Indicator("bip_documents", _("Documents published in the BIP"), "documents",
              _("documents"), "flow", _("BIP: entries published in the period"), RPO),
    Indicator("bip_attachments", _("Files published in the BIP"), "files", _("files"), "flow",
              _("BIP: attachments of the entries published in the period"), RPO),
    Indicator("bip_downloads", _("Downloads of BIP files"), "downloads", _("downloads"),
              "flow", _("BIP: downloads counted per month by the BIP itself"), RPO),
    Indicator("bip_views", _("Views of BIP entries"), "views", _("views"), "flow",
              _("BIP: views counted per month by the BIP itself (no robots)"), WIERZBICA),
    Indicator("residents_registered", _("Registered residents"), "residents",
              _("residents"), "state",
              _("accounts: residents with a matter or a relation with the gmina"), WIERZBICA,
              per_unit=False),
    Indicator("residents_identified", _("Residents identified through login.gov.pl"),
              "residents", _("residents"), "state",
              _("accounts: of them, identity confirmed by login.gov.pl"), WIERZBICA,
              per_unit=False),
    Indicator("incoming_total", _("Incoming correspondence"), "items", _("items"), "flow",
              _("incoming register (RPW): items registered"), LUBUSKI),
    Indicator("incoming_electronic", _("Incoming correspondence received electronically"),
              "items", _("items"), "flow",
              _("incoming register: e-mail, ePUAP, e-Doręczenia and e-services"), LUBUSKI),
    Indicator("incoming_electronic_share", _("Electronic share of incoming correspondence"),
              "%", "%", "share", _("incoming_electronic / incoming_total"), E_GMINY,
              numerator="incoming_electronic", denominator="incoming_total"),
    Indicator("cases_opened", _("Cases opened"), "cases", _("cases"), "flow",
              _("EZD: cases opened"), WIERZBICA),
    Indicator("cases_settled", _("Cases settled"), "cases", _("cases"), "flow",
              _("EZD: cases closed (settled)"), WIERZBICA),
    Indicator("days_to_settle_median", _("Days to settle (median)"), "days", _("days"),
              "median", _("EZD: days from receipt to settlement of the cases settled"),
              WIERZBICA),
    Indicator("days_to_settle_p90", _("Days to settle (90th percentile)"), "days",
              _("days"), "p90",
              _("EZD: days from receipt to settlement, 90th percentile"), WIERZBICA),
    Indicator("cases_overdue", _("Matters overdue"), "cases", _("matters"), "state",
              _("the watch: open matters past their legal deadline"), ISSUE),
    Indicator("complaints", _("Complaints and motions (JRWA 1510)"), "cases", _("cases"),
              "flow", _("EZD: cases opened in JRWA class 1510"), WIERZBICA),
    Indicator("complaints_per_1000", _("Complaints per 1,000 cases"), "per 1000 cases",
              _("per 1,000 cases"), "per_mille", _("complaints / cases_opened × 1,000"),
              WIERZBICA, numerator="complaints", denominator="cases_opened"),
    Indicator("alerts_published", _("Alerts published"), "alerts", _("alerts"), "flow",
              _("notifications: alerts published"), WIERZBICA, per_unit=False),
    Indicator("messages_delivered", _("Alert messages delivered"), "messages",
              _("messages"), "flow",
              _("notifications: messages of the alerts delivered, by channel"), WIERZBICA,
              per_unit=False),
    Indicator("payments_received", _("Payments received"), "payments", _("payments"),
              "flow", _("payments: money booked for the gmina's payers, by how it came "
                        "(online, bank transfer, assigned by hand)"), E_GMINY,
              per_unit=False),
    Indicator("payments_online", _("Payments made online"), "payments", _("payments"),
              "flow", _("payments: money booked through the online payment gateway"),
              E_GMINY, per_unit=False),
    Indicator("fees_paid_online_share", _("Share of fees paid online"), "%", "%", "share",
              _("payments_online / payments_received"), E_GMINY, per_unit=False,
              numerator="payments_online", denominator="payments_received"),
    Indicator("a2a_exchanges", _("Exchanges between administrations (A2A)"), "exchanges",
              _("exchanges"), "flow",
              _("exchange: documents sent to and received from other administrations "
                "(A2A), by direction and channel"), E_GMINY, per_unit=False),
    Indicator("a2a_services", _("Services between administrations (A2A)"), "services",
              _("services"), "state", _("e-office: service cards for other bodies"), RPO,
              per_unit=False,
              missing=_("Service cards do not record their audience (A2C, A2B, A2A) "
                        "yet.")),
    Indicator("incidents", _("Security incidents"), "incidents", _("incidents"), "flow",
              _("safety: incidents reported"), WIERZBICA, per_unit=False,
              missing=_("Ratusz has no safety module yet.")),
]

BY_KEY = {indicator.key: indicator for indicator in INDICATORS}
COMPUTED = [indicator for indicator in INDICATORS if not indicator.missing]
NOT_COMPUTED = [indicator for indicator in INDICATORS if indicator.missing]
#: The keys the API contract names (GET /api/v1/indicators).
CONTRACT_KEYS = ("eservices_level3", "eservices_level4", "submissions", "bip_documents",
                 "bip_downloads", "incoming_electronic_share", "cases_settled",
                 "days_to_settle_median", "cases_overdue")
#: What a partnership's comparison shows by default, and the dashboards' charts.
HEADLINE_KEYS = ("eservices_level3", "eservices_level4", "submissions",
                 "incoming_electronic_share", "cases_settled", "days_to_settle_median",
                 "cases_overdue", "bip_documents", "bip_downloads", "complaints_per_1000")
#: For a ranking, a lower value is better for these.
LOWER_IS_BETTER = {"days_to_settle_median", "days_to_settle_p90", "cases_overdue",
                   "complaints_per_1000", "test_inquiry_days"}


def percentile(histogram: dict[int, int], fraction: float) -> float | None:
    """The value below which `fraction` of the counted values lie (nearest rank), from a
    histogram {value: count}; None when empty."""
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = max(1, math.ceil(total * fraction - 1e-9))
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return float(value)
    return float(max(histogram))


def median(histogram: dict[int, int]) -> float | None:
    """The median of a histogram {value: count} (the mean of the two middle values when
    the count is even)."""
    total = sum(histogram.values())
    if total == 0:
        return None
    ordered = sorted(histogram)
    lower_rank, upper_rank = (total + 1) // 2, total // 2 + 1
    lower = upper = None
    seen = 0
    for value in ordered:
        seen += histogram[value]
        if lower is None and seen >= lower_rank:
            lower = value
        if seen >= upper_rank:
            upper = value
            break
    return (lower + upper) / 2
