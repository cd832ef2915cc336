"""Registers, reports and the archive of the EZD, included under /g/<slug>/staff/ezd/."""

from django.urls import path

from ratusz.cases import views_reports as views

report_patterns = [
    path("registers/incoming/", views.incoming_register, name="incoming-register"),
    path("registers/outgoing/", views.outgoing_register, name="outgoing-register"),
    path("reports/spis-spraw/", views.spis_spraw, name="spis-spraw"),
    path("reports/spis-spraw.csv", views.spis_spraw_csv, name="spis-spraw-csv"),
    path("reports/spis-spraw.pdf", views.spis_spraw_pdf, name="spis-spraw-pdf"),
    path("reports/overdue/", views.overdue, name="overdue"),
    path("archive/", views.archive, name="archive"),
    path("archive/transfer/", views.archive_transfer, name="archive-transfer"),
    path("archive/disposal/new/", views.disposal_create, name="disposal-create"),
    path("archive/disposal/<int:disposal_id>/", views.disposal_detail, name="disposal-detail"),
    path("archive/disposal/<int:disposal_id>/submit/", views.disposal_submit,
         name="disposal-submit"),
    path("archive/disposal/<int:disposal_id>/approve/", views.disposal_approve,
         name="disposal-approve"),
    path("archive/disposal/<int:disposal_id>/execute/", views.disposal_execute,
         name="disposal-execute"),
    path("cases/<int:case_id>/archive-package.zip", views.case_export, name="case-export"),
]
