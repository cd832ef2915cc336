"""Public URLs of the BIP, under /g/<slug>/bip/ (namespace ``bip``).

The office's BIP is the root; each unit's BIP lives under jednostki/<unit>/. Entries,
versions, attachments, the images of the entries' texts (obraz/<id>/), the register,
search, feeds and the sitemap are gmina-wide. Any other address under /bip/ answers the
BIP's own 404 page (with the menu and search).
"""

from django.urls import path, re_path

from ratusz.bulletin import views, views_media

public_patterns = [
    path("", views.home, name="home"),
    path("jednostki/<slug:unit>/", views.unit_home, name="unit-home"),
    path("dzial/<slug:section>/", views.section, name="section"),
    path("jednostki/<slug:unit>/dzial/<slug:section>/", views.unit_section,
         name="unit-section"),
    path("wpis/<int:entry_id>/", views.entry, name="entry"),
    path("wpis/<int:entry_id>/druk/", views.entry_print, name="entry-print"),
    path("wpis/<int:entry_id>/wersje/", views.versions, name="versions"),
    path("wpis/<int:entry_id>/wersje/<int:number>/", views.version, name="version"),
    path("wpis/<int:entry_id>/wersje/<int:number>/zmiany/", views.version_diff, name="diff"),
    path("rejestr-zmian/", views.register, name="register"),
    path("zalacznik/<int:attachment_id>/", views.attachment, name="attachment"),
    path("obraz/<int:attachment_id>/", views_media.image, name="image"),
    path("szukaj/", views.search, name="search"),
    path("atom.xml", views.feed, name="feed"),
    path("jednostki/<slug:unit>/atom.xml", views.unit_feed, name="unit-feed"),
    path("dzial/<slug:section>/atom.xml", views.section_feed, name="section-feed"),
    path("jednostki/<slug:unit>/dzial/<slug:section>/atom.xml", views.unit_section_feed,
         name="unit-section-feed"),
    path("sitemap.xml", views.sitemap, name="sitemap"),
    path("dzial/<slug:section>/<str:fmt>/", views.export, name="export"),
    path("jednostki/<slug:unit>/dzial/<slug:section>/<str:fmt>/", views.unit_export,
         name="unit-export"),
    path("instrukcja/", views.instructions, name="instructions"),
    path("statystyki/", views.stats, name="stats"),
    re_path(r"^(?P<rest>.*)$", views.not_found, name="not-found"),
]
