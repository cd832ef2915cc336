from django.urls import path

from ratusz.cases import views

try:  # the registers, reports and archive pages
    from ratusz.cases.urls_reports import report_patterns
except ImportError:  # pragma: no cover - while that module is being written
    report_patterns = []

ezd_patterns = [
    path("", views.inbox, name="inbox"),
    path("incoming/new/", views.incoming_new, name="incoming-new"),
    path("incoming/<int:entry_id>/", views.incoming_detail, name="incoming-detail"),
    path("incoming/<int:entry_id>/assign/", views.incoming_assign, name="incoming-assign"),
    path("incoming/<int:entry_id>/annul/", views.incoming_annul, name="incoming-annul"),
    path("incoming/<int:entry_id>/open-case/", views.incoming_open_case,
         name="incoming-open-case"),
    path("cases/", views.case_list, name="case-list"),
    path("cases/new/", views.case_new, name="case-new"),
    path("cases/<int:case_id>/", views.case_detail, name="case-detail"),
    path("cases/<int:case_id>/status/", views.case_status, name="case-status"),
    path("cases/<int:case_id>/handler/", views.case_handler, name="case-handler"),
    path("cases/<int:case_id>/note/", views.case_note, name="case-note"),
    path("cases/<int:case_id>/document/", views.case_document, name="case-document"),
    path("cases/<int:case_id>/close/", views.case_close, name="case-close"),
    path("cases/<int:case_id>/reopen/", views.case_reopen, name="case-reopen"),
    path("cases/<int:case_id>/transfer/", views.case_transfer, name="case-transfer"),
    path("cases/<int:case_id>/link/", views.case_link, name="case-link"),
    path("cases/<int:case_id>/party/", views.case_party, name="case-party"),
    path("routing/", views.routing_rules, name="routing-rules"),
    path("routing/<int:rule_id>/toggle/", views.routing_rule_toggle, name="routing-rule-toggle"),
    path("cases/<int:case_id>/record.pdf", views.case_record_pdf, name="case-record-pdf"),
    path("cases/<int:case_id>/letters/new/", views.letter_edit, name="letter-new"),
    path("cases/<int:case_id>/letters/<int:letter_id>/", views.letter_edit, name="letter-edit"),
    path("cases/<int:case_id>/letters/<int:letter_id>/approval/",
         views.letter_request_approval, name="letter-request-approval"),
    path("cases/<int:case_id>/letters/<int:letter_id>/decide/", views.letter_decide,
         name="letter-decide"),
    path("cases/<int:case_id>/letters/<int:letter_id>/seal/", views.letter_seal,
         name="letter-seal"),
    path("cases/<int:case_id>/letters/<int:letter_id>/send/", views.letter_send,
         name="letter-send"),
    path("documents/<int:version_id>/", views.document_download, name="document-download"),
    path("documents/<int:version_id>/preview.png", views.document_preview,
         name="document-preview"),
    *report_patterns,
]
