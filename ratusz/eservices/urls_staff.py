"""Staff pages of the e-services (under /g/<slug>/staff/e-uslugi/)."""

from django.urls import path

from ratusz.eservices import views_staff as views

staff_patterns = [
    path("", views.submission_list, name="submissions"),
    path("wnioski/<int:submission_id>/", views.submission_detail, name="submission-detail"),
    path("wnioski/<int:submission_id>/pdf/", views.submission_pdf, name="submission-pdf"),
    path("wnioski/<int:submission_id>/bip/", views.submission_publish_bip,
         name="submission-publish-bip"),
    path("wnioski/<int:submission_id>/upp/<str:kind>/", views.submission_receipt,
         name="submission-receipt"),
    path("uslugi/", views.service_list, name="service-list"),
    path("uslugi/<int:service_id>/", views.service_edit, name="service-edit"),
    path("uslugi/<int:service_id>/formularz/", views.form_editor, name="form-editor"),
    path("uslugi/<int:service_id>/formularz/podglad/", views.form_preview,
         name="form-preview"),
    path("uslugi/<int:service_id>/formularz/publikuj/", views.form_publish,
         name="form-publish"),
    path("uslugi/<int:service_id>/formularz/odrzuc/", views.form_discard,
         name="form-discard"),
]
