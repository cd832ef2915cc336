"""Staff URLs of the BIP editor, under /g/<slug>/staff/bip/ (namespace bip-staff)."""

from django.urls import path

from ratusz.bulletin import views_staff
from ratusz.bulletin import views_website_staff as website_staff

staff_patterns = [
    path("", views_staff.dashboard, name="dashboard"),
    path("strony/<int:site_id>/", views_staff.site_edit, name="site-edit"),
    path("strony/<int:site_id>/nowy/", views_staff.entry_new, name="entry-new"),
    path("wpisy/<int:entry_id>/", views_staff.entry_edit, name="entry-edit"),
    path("wpisy/<int:entry_id>/obrazy/", views_staff.image_upload, name="image-upload"),
    path("statystyki/", views_staff.stats, name="stats"),
    # The units' websites (pages, news, events), with the same editor.
    path("strony-www/<int:unit_id>/", website_staff.dashboard, name="website"),
    path("strony-www/<int:unit_id>/strony/nowa/", website_staff.page_new,
         name="website-page-new"),
    path("strony-www/<int:unit_id>/strony/<int:page_id>/", website_staff.page_edit,
         name="website-page"),
    path("strony-www/<int:unit_id>/aktualnosci/nowa/", website_staff.news_new,
         name="website-news-new"),
    path("strony-www/<int:unit_id>/aktualnosci/<int:item_id>/", website_staff.news_edit,
         name="website-news"),
    path("strony-www/<int:unit_id>/wydarzenia/nowe/", website_staff.event_new,
         name="website-event-new"),
    path("strony-www/<int:unit_id>/wydarzenia/<int:event_id>/", website_staff.event_edit,
         name="website-event"),
    # Deleting (a confirmation page on GET), publishing and the order of the menu.
    path("strony-www/<int:unit_id>/strony/<int:page_id>/usun/", website_staff.page_delete,
         name="website-page-delete"),
    path("strony-www/<int:unit_id>/strony/<int:page_id>/publikacja/",
         website_staff.page_publication, name="website-page-publication"),
    path("strony-www/<int:unit_id>/strony/<int:page_id>/przesun/", website_staff.page_move,
         name="website-page-move"),
    path("strony-www/<int:unit_id>/aktualnosci/<int:item_id>/usun/",
         website_staff.news_delete, name="website-news-delete"),
    path("strony-www/<int:unit_id>/aktualnosci/<int:item_id>/publikacja/",
         website_staff.news_publication, name="website-news-publication"),
    path("strony-www/<int:unit_id>/wydarzenia/<int:event_id>/usun/",
         website_staff.event_delete, name="website-event-delete"),
    path("strony-www/<int:unit_id>/wydarzenia/<int:event_id>/publikacja/",
         website_staff.event_publication, name="website-event-publication"),
]
