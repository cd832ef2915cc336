"""URL map. Everything of a gmina lives under /g/<slug>/ (or on its own host name)."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from config.api import api
from ratusz.accounts import urls as accounts_urls
from ratusz.bulletin import urls as bulletin_urls
from ratusz.bulletin import urls_staff as bulletin_staff_urls
from ratusz.bulletin import urls_website as bulletin_website_urls
from ratusz.cases import urls as cases_urls
from ratusz.core import urls as core_urls
from ratusz.education import urls as education_urls
from ratusz.eservices import urls as eservices_urls
from ratusz.eservices import urls_staff as eservices_staff_urls
from ratusz.exchange import urls as exchange_urls
from ratusz.notifications import urls as notifications_urls
from ratusz.payments import urls as payments_urls
from ratusz.reports import urls as reports_urls

handler404 = "ratusz.core.views.page_not_found"
handler500 = "ratusz.core.views.server_error"

municipality_patterns = [
    path("", include((core_urls.municipality_patterns, "gmina"), namespace="gmina")),
    path("staff/", include((accounts_urls.staff_patterns, "staff"), namespace="staff")),
    path("staff/ezd/", include((cases_urls.ezd_patterns, "ezd"), namespace="ezd")),
    path("staff/e-uslugi/", include((eservices_staff_urls.staff_patterns, "eservices_staff"),
                                    namespace="eservices-staff")),
    path("e-urzad/naleznosci/", include((payments_urls.public_patterns, "payments"),
                                        namespace="payments")),
    path("e-urzad/", include((eservices_urls.public_patterns, "eservices"),
                             namespace="eservices")),
    path("staff/finanse/", include((payments_urls.staff_patterns, "payments_staff"),
                                   namespace="payments-staff")),
    path("", include((reports_urls.public_patterns, "indicators"), namespace="indicators")),
    path("staff/raporty/", include((reports_urls.staff_patterns, "reports_staff"),
                                   namespace="reports-staff")),
    path("staff/wymiana/", include((exchange_urls.staff_patterns, "exchange_staff"),
                                   namespace="exchange-staff")),
    path("edukacja/", include((education_urls.public_patterns, "education"),
                              namespace="education")),
    path("staff/edukacja/", include((education_urls.staff_patterns, "education_staff"),
                                    namespace="education-staff")),
    path("staff/powiadomienia/", include((notifications_urls.staff_patterns,
                                          "notifications_staff"),
                                         namespace="notifications-staff")),
    path("powiadomienia/", include((notifications_urls.public_patterns, "notifications"),
                                   namespace="notifications")),
    path("bip/", include((bulletin_urls.public_patterns, "bip"), namespace="bip")),
    path("staff/bip/", include((bulletin_staff_urls.staff_patterns, "bip_staff"),
                               namespace="bip-staff")),
    path("strony/<slug:unit>/", include((bulletin_website_urls.website_patterns, "website"),
                                        namespace="website")),
    path("alerts/", include((notifications_urls.alert_patterns, "notifications_alerts"),
                            namespace="alerts")),
]

urlpatterns = [
    path("", include((core_urls.platform_patterns, "core"), namespace="core")),
    path("auth/", include((accounts_urls.auth_patterns, "accounts"), namespace="accounts")),
    path("account/", include((accounts_urls.resident_patterns, "resident"),
                             namespace="resident")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("notifications/callbacks/", include((notifications_urls.callback_patterns,
                                              "notifications_callbacks"),
                                             namespace="notifications-callbacks")),
    path("payments/", include((payments_urls.platform_patterns, "payments_platform"),
                               namespace="payments-platform")),
    path("partnerstwa/", include((reports_urls.platform_patterns, "partnerships"),
                                 namespace="partnerships")),
    path("exchange/", include((exchange_urls.platform_patterns, "exchange_platform"),
                              namespace="exchange-platform")),
    path("api/v1/", api.urls),
    path(f"{settings.ADMIN_URL}", admin.site.urls),
    path("g/<slug:municipality_slug>/", include(municipality_patterns)),
]
