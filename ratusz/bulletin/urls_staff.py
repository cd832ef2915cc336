"""Staff URLs of the BIP editor, under /g/<slug>/staff/bip/ (namespace bip-staff)."""

from django.urls import path

from ratusz.bulletin import views_staff

staff_patterns = [
    path("", views_staff.dashboard, name="dashboard"),
    path("strony/<int:site_id>/", views_staff.site_edit, name="site-edit"),
    path("strony/<int:site_id>/nowy/", views_staff.entry_new, name="entry-new"),
    path("wpisy/<int:entry_id>/", views_staff.entry_edit, name="entry-edit"),
    path("statystyki/", views_staff.stats, name="stats"),
]
