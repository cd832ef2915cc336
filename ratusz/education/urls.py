"""The education app's addresses, mounted by config/urls.py:

- `public_patterns` at /g/<slug>/edukacja/ (namespace `education`): the recruitments, the
  application form, the parent's own application;
- `staff_patterns` at /g/<slug>/staff/edukacja/ (namespace `education-staff`).
"""

from django.urls import path

from ratusz.education.views import attendance, library, public, scholarships, sheets, staff

public_patterns = [
    path("", public.recruitment, name="recruitment"),
    path("rekrutacja/<int:campaign_id>/", public.campaign, name="campaign"),
    path("rekrutacja/<int:campaign_id>/wniosek/", public.apply, name="apply"),
    path("wnioski/<uuid:application_ref>/", public.application, name="application"),
    path("dzieci/", attendance.children, name="attendance-children"),
    path("dzieci/<int:child_id>/", attendance.child, name="attendance-child"),
    path("pomoc-materialna/<int:application_id>/", scholarships.my_help, name="my-help"),
    path("biblioteka/", library.search, name="library-search"),
    path("biblioteka/<int:record_id>/", library.record, name="library-record"),
    path("biblioteka/moje/", library.mine, name="library-mine"),
]
staff_patterns = [
    path("", staff.campaigns, name="campaigns"),
    path("nowa/", staff.campaign_create, name="campaign-create"),
    path("<int:campaign_id>/", staff.campaign, name="campaign"),
    path("<int:campaign_id>/placowki/", staff.campaign_offer, name="campaign-offer"),
    path("<int:campaign_id>/kryteria/", staff.campaign_criterion, name="campaign-criterion"),
    path("<int:campaign_id>/kontynuacje/", staff.campaign_continuation,
         name="campaign-continuation"),
    path("<int:campaign_id>/krok/", staff.campaign_step, name="campaign-step"),
    path("<int:campaign_id>/wnioski/", staff.applications, name="applications"),
    path("<int:campaign_id>/wnioski/papierowy/", staff.paper_application,
         name="paper-application"),
    path("<int:campaign_id>/listy/<int:offer_id>/", staff.institution_lists, name="lists"),
    path("wnioski/<int:application_id>/", staff.application, name="application"),
    path("wnioski/<int:application_id>/komisja/", staff.application_action,
         name="application-action"),
    path("zalaczniki/<int:attachment_id>/", staff.attachment, name="attachment"),
    path("obecnosci/", attendance.attendance, name="attendance"),
    path("obecnosci/<int:institution_id>/", attendance.attendance_day, name="attendance-day"),
    path("obecnosci/<int:institution_id>/<int:agreement_id>/", attendance.attendance_mark,
         name="attendance-mark"),
    path("oplaty/<int:institution_id>/", attendance.fees_month, name="fees-month"),
    path("oplaty/<int:institution_id>/zamknij/", attendance.fees_month_action,
         name="fees-month-action"),
    path("arkusze/", sheets.sheets, name="sheets"),
    path("arkusze/nowy/", sheets.sheet_create, name="sheet-create"),
    path("arkusze/stawki/", sheets.sheet_rates, name="sheet-rates"),
    path("arkusze/wersje/<int:sheet_version_id>/", sheets.version, name="sheet-version"),
    path("arkusze/wersje/<int:sheet_version_id>/krok/", sheets.version_action,
         name="sheet-action"),
    path("arkusze/wersje/<int:sheet_version_id>/zmiany/", sheets.version_diff,
         name="sheet-diff"),
    path("pomoc-materialna/", scholarships.help_list, name="help-list"),
    path("pomoc-materialna/zgloszenia/<int:filed_id>/", scholarships.help_open,
         name="help-open"),
    path("pomoc-materialna/<int:application_id>/", scholarships.help_matter,
         name="help-matter"),
    path("pomoc-materialna/<int:application_id>/test/", scholarships.help_matter_action,
         name="help-matter-action"),
    path("pomoc-materialna/<int:application_id>/decyzja/", scholarships.help_decision,
         name="help-decision"),
    path("pomoc-materialna/<int:application_id>/pismo/", scholarships.help_letter,
         name="help-letter"),
    path("pomoc-materialna/wyplaty/", scholarships.payouts, name="help-payouts"),
    path("pomoc-materialna/wyplaty.csv", scholarships.payouts_csv, name="help-payouts-csv"),
    path("pomoc-materialna/wyplaty/wyplacone/", scholarships.payouts_paid,
         name="help-payouts-paid"),
    path("pomoc-materialna/wyplaty/<int:line_id>/korekta/", scholarships.payout_correct,
         name="help-payout-correct"),
    path("pomoc-materialna/regulamin/", scholarships.help_regulations,
         name="help-regulations"),
    path("pomoc-materialna/regulamin/nowy/", scholarships.help_regulation_create,
         name="help-regulation-create"),
    path("biblioteki/", library.libraries, name="libraries"),
    path("biblioteki/<int:library_id>/", library.desk, name="library"),
    path("biblioteki/<int:library_id>/katalog.<str:fmt>", library.export,
         name="library-export"),
]
platform_patterns: list = []
