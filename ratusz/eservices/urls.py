"""Public pages of the gmina's e-office (under /g/<slug>/e-urzad/)."""

from django.urls import path

from ratusz.eservices import views

public_patterns = [
    path("", views.catalogue, name="catalogue"),
    path("uslugi/<slug:slug>/", views.card, name="card"),
    path("uslugi/<slug:slug>/formularz/", views.form_page, name="form"),
    path("uslugi/<slug:slug>/sprawdz-poczte/", views.check_email, name="check-email"),
    path("potwierdz/<str:token>/", views.confirm, name="confirm"),
    path("przyjeto/<uuid:public_id>/", views.received, name="received"),
    path("poswiadczenie/<uuid:public_id>/<str:kind>/", views.anonymous_receipt,
         name="anonymous-receipt"),
    path("status/", views.status_check, name="status"),
    path("weryfikacja/", views.verify, name="verify"),
    path("deklaracja-dostepnosci/", views.accessibility, name="accessibility"),
    path("moje-sprawy/", views.my_matters, name="my-matters"),
    path("moje-sprawy/<uuid:public_id>/", views.matter, name="matter"),
    path("moje-sprawy/<uuid:public_id>/upp/<str:kind>/", views.matter_receipt,
         name="matter-receipt"),
    path("moje-sprawy/<uuid:public_id>/pisma/<int:letter_id>/", views.matter_letter,
         name="matter-letter"),
]
