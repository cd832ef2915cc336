"""The reports app's addresses, mounted by config/urls.py:

- `public_patterns` under /g/<slug>/ (namespace `indicators`): the open data of the
  indicators and the resident's ponaglenie;
- `staff_patterns` under /g/<slug>/staff/raporty/ (`reports-staff`);
- `platform_patterns` under /partnerstwa/ (`partnerships`): the coordinators' pages.
"""

from django.urls import path

from ratusz.reports.views import partnerships, public, resident, staff

public_patterns: list = [
    path("wskazniki/", public.indicators_page, name="public"),
    path("wskazniki.json", public.indicators_json, name="public-json"),
    path("wskazniki.csv", public.indicators_csv, name="public-csv"),
    path("e-urzad/moje-sprawy/<uuid:public_id>/ponaglenie/", resident.ponaglenie,
         name="ponaglenie"),
]
staff_patterns: list = [
    path("", staff.dashboard, name="dashboard"),
    path("jednostki/<int:unit_id>/", staff.unit_dashboard, name="unit"),
    path("zaleglosci/", staff.overdue, name="overdue"),
    path("sprawy/<int:case_id>/termin/", staff.case_clock, name="case-clock"),
    path("eksport/<str:table>.<str:file_format>", staff.export, name="export"),
    path("raport-miesieczny.pdf", staff.monthly_pdf, name="monthly-pdf"),
    path("ustawienia/", staff.watch_settings, name="settings"),
    path("partnerstwa/", staff.memberships, name="memberships"),
    path("partnerstwa/<int:member_id>/", staff.membership_decide, name="membership-decide"),
    path("zapytania-testowe/", staff.inquiries, name="inquiries"),
]
platform_patterns: list = [
    path("", partnerships.home, name="home"),
    path("<slug:partnership_slug>/", partnerships.dashboard, name="dashboard"),
    path("<slug:partnership_slug>/zapytania-testowe/", partnerships.inquiries,
         name="inquiries"),
    path("<slug:partnership_slug>/eksport/<str:table>.<str:file_format>", partnerships.export,
         name="export"),
]
