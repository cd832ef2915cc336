"""The reports app's REST operations under /api/v1/ (the integration checks use exactly
these shapes):

- `GET /indicators?year=` – the token's gmina's indicators of a year, per gmina and unit
  (`reports.view`);
- `GET /overdue` – the gmina's matters past their legal deadline (`reports.view` or
  `registers.view`; the token's person sees what the EZD lets them see)."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from ratusz.accounts.permissions import Permission
from ratusz.core.api import BoundedPagination
from ratusz.reports import selectors

router = Router(tags=["reports"])


class IndicatorsQuery(Schema):
    model_config = {"extra": "forbid"}
    year: int = Field(None, ge=2000, le=2100, description="The year (this year by default).")


class IndicatorValue(Schema):
    value: float | None = Field(description="The value of the period (a number).")
    unit: str = Field(description="What is counted (services, %, days, cases…).")
    by_month: dict[str, float | None] = Field(description="The value of each month, "
                                                          "YYYY-MM.")


class UnitIndicators(Schema):
    unit: str = Field(description="The unit's slug.")
    indicators: dict[str, IndicatorValue]


class IndicatorsOut(Schema):
    municipality: str = Field(description="The gmina's slug.")
    year: int
    indicators: dict[str, IndicatorValue]
    units: list[UnitIndicators]


class OverdueOut(Schema):
    case_mark: str
    deadline: date
    days_late: int
    department: str = Field(description="The symbol of the department.")
    handler: str = Field(description="The handler's name (empty: nobody yet).")

    @staticmethod
    def resolve_days_late(clock) -> int:
        return (timezone.localdate() - clock.deadline).days

    @staticmethod
    def resolve_department(clock) -> str:
        return clock.department.symbol

    @staticmethod
    def resolve_handler(clock) -> str:
        return clock.handler.get_full_name() if clock.handler else ""


def contract_document(document: dict) -> dict:
    """The API's (and the open data's) shape of an indicators document."""
    return {"municipality": document["municipality"], "year": document["year"],
            "indicators": document["indicators"],
            "units": [{"unit": unit["unit"], "indicators": unit["indicators"]}
                      for unit in document.get("units", [])]}


def _require_any(request: HttpRequest, *permissions: str) -> None:
    granted = getattr(request, "api_permissions", frozenset())
    if not any(permission in granted for permission in permissions):
        raise HttpError(403, "This token does not allow this action.")


@router.get("/indicators", response=IndicatorsOut, summary="The gmina's indicators of a year")
def indicators(request: HttpRequest, query: Query[IndicatorsQuery]):
    _require_any(request, Permission.VIEW_REPORTS)
    year = query.year or timezone.localdate().year
    return contract_document(selectors.indicators_document(request.auth.municipality, year))


@router.get("/overdue", response=list[OverdueOut],
            summary="The gmina's matters past their legal deadline")
@paginate(BoundedPagination)
def overdue(request: HttpRequest):
    _require_any(request, Permission.VIEW_REPORTS, Permission.VIEW_REGISTERS)
    return selectors.overdue_matters(request.auth.municipality, user=request.auth.user)
