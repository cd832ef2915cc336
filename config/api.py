"""The /api/v1/ application: the base from core, the accounts app's bearer tokens, and each
app's router."""

from ratusz.accounts.api import router as accounts_router
from ratusz.accounts.api_auth import BearerTokenAuth
from ratusz.cases.api import router as cases_router
from ratusz.core.api import build_api
from ratusz.education.api import router as education_router
from ratusz.eservices.api import router as eservices_router
from ratusz.exchange.api import router as exchange_router
from ratusz.notifications.api import router as notifications_router
from ratusz.payments.api import router as payments_router
from ratusz.reports.api import router as reports_router

api = build_api(auth=BearerTokenAuth())
api.add_router("/", accounts_router)
api.add_router("/", cases_router)
api.add_router("/", eservices_router)
api.add_router("/", notifications_router)
api.add_router("/", payments_router)
api.add_router("/", reports_router)
api.add_router("/", exchange_router)
api.add_router("/", education_router)

from django.conf import settings  # noqa: E402

if settings.RATUSZ_BENCH_ENDPOINTS:
    from ratusz.demo.bench_api import router as bench_router

    api.add_router("/bench", bench_router)
