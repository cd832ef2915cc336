"""Public URLs of a unit's website, under /g/<slug>/strony/<unit>/ (namespace website)."""

from django.urls import path

from ratusz.bulletin import views_website as views

website_patterns = [
    path("", views.home, name="home"),
    path("aktualnosci/", views.news, name="news"),
    path("aktualnosci/<int:item_id>/", views.news_item, name="news-item"),
    path("wydarzenia/", views.events, name="events"),
    path("wydarzenia/<int:event_id>/", views.event, name="event"),
    path("wydarzenia.ics", views.events_ics, name="events-ics"),
    path("kontakt/", views.contact, name="contact"),
    path("<slug:page>/", views.page, name="page"),
]
