"""The education app's addresses, mounted by config/urls.py:

- `public_patterns` at /g/<slug>/edukacja/ (namespace `education`): the recruitments, the
  application form, the parent's own application;
- `staff_patterns` at /g/<slug>/staff/edukacja/ (namespace `education-staff`).
"""

from django.urls import path

from ratusz.education.views import library, public, staff

public_patterns = [
    path("", public.recruitment, name="recruitment"),
    path("rekrutacja/<int:campaign_id>/", public.campaign, name="campaign"),
    path("rekrutacja/<int:campaign_id>/wniosek/", public.apply, name="apply"),
    path("wnioski/<uuid:application_ref>/", public.application, name="application"),
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
    path("biblioteki/", library.libraries, name="libraries"),
    path("biblioteki/<int:library_id>/", library.desk, name="library"),
    path("biblioteki/<int:library_id>/katalog.<str:fmt>", library.export,
         name="library-export"),
]
platform_patterns: list = []
