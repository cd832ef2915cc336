"""The payments app's addresses, mounted by config/urls.py:

- `public_patterns` at /g/<slug>/e-urzad/naleznosci/ (namespace `payments`): the
  taxpayer account of a resident identified through login.gov.pl;
- `staff_patterns` at /g/<slug>/staff/finanse/ (`payments-staff`): the finance workspace;
- `platform_patterns` at /payments/ (`payments-platform`): the gateway's notifications.
"""

from django.urls import path

from ratusz.payments.views import platform, resident, staff

public_patterns = [
    path("", resident.account, name="account"),
    path("zaplac/", resident.pay, name="pay"),
    path("platnosci/<uuid:payment_id>/", resident.payment, name="payment"),
    path("wyciag.pdf", resident.statement_pdf, name="statement-pdf"),
]

staff_patterns = [
    path("", staff.dashboard, name="dashboard"),
    path("platnicy/", staff.payers, name="payers"),
    path("platnicy/<int:payer_id>/", staff.payer, name="payer"),
    path("platnicy/<int:payer_id>/upomnienie/", staff.payer_reminder, name="payer-reminder"),
    path("platnicy/<int:payer_id>/zwrot/", staff.payer_refund, name="payer-refund"),
    path("upomnienia/<int:reminder_id>/doreczenie/", staff.reminder_delivery,
         name="reminder-delivery"),
    path("import/", staff.imports, name="imports"),
    path("import/wyslij/", staff.import_upload, name="import-upload"),
    path("import/<int:import_id>/", staff.import_detail, name="import"),
    path("wyciagi/", staff.statements, name="statements"),
    path("wyciagi/wyslij/", staff.statement_upload, name="statement-upload"),
    path("wyciagi/<int:statement_id>/", staff.statement_detail, name="statement"),
    path("do-przypisania/", staff.queue, name="queue"),
    path("do-przypisania/<int:line_id>/", staff.line_assign, name="assign"),
    path("raport-dzienny/", staff.daily_report, name="daily-report"),
    path("nadplaty/", staff.overpayments, name="overpayments"),
    path("platnosci/", staff.online_payments, name="payments"),
    path("platnosci/sprawdz/", staff.sweep, name="sweep"),
    path("ustawienia/", staff.setup, name="setup"),
    path("ustawienia/rodzaje/", staff.kind_save, name="kind-save"),
]

platform_patterns = [
    path("bramka/<str:notify_key>/status/", platform.gateway_status, name="gateway-status"),
    path("bramka/<str:notify_key>/odmowa/", platform.gateway_refusal, name="gateway-refusal"),
]
