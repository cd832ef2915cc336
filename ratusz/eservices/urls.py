"""Public pages of the gmina's e-office (under /g/<slug>/e-urzad/)."""

from django.urls import path

from ratusz.eservices.views import catalogue, forms, matters

public_patterns = [
    path("", catalogue.catalogue, name="catalogue"),
    path("uslugi/<slug:slug>/", catalogue.card, name="card"),
    path("uslugi/<slug:slug>/formularz/", forms.form_page, name="form"),
    path("uslugi/<slug:slug>/formularz/sprawdz/", forms.form_summary, name="form-summary"),
    path("uslugi/<slug:slug>/sprawdz-poczte/", forms.check_email, name="check-email"),
    path("potwierdz/<str:token>/", forms.confirm, name="confirm"),
    path("przyjeto/<uuid:public_id>/", forms.received, name="received"),
    path("poswiadczenie/<uuid:public_id>/<str:kind>/", forms.anonymous_receipt,
         name="anonymous-receipt"),
    path("status/", matters.status_check, name="status"),
    path("weryfikacja/", matters.verify, name="verify"),
    path("deklaracja-dostepnosci/", catalogue.accessibility, name="accessibility"),
    path("moje-sprawy/", matters.my_matters, name="my-matters"),
    path("moje-sprawy/<uuid:public_id>/", matters.matter, name="matter"),
    path("moje-sprawy/<uuid:public_id>/upp/<str:kind>/", matters.matter_receipt,
         name="matter-receipt"),
    path("moje-sprawy/<uuid:public_id>/pisma/<int:letter_id>/", matters.matter_letter,
         name="matter-letter"),
]
