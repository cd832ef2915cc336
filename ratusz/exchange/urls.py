"""The exchange app's addresses, mounted by config/urls.py:

- `staff_patterns` at /g/<slug>/staff/wymiana/ (namespace `exchange-staff`),
- `platform_patterns` at /exchange/ (none yet: the providers are polled).
"""

from django.urls import path

from ratusz.exchange import views

public_patterns: list = []
staff_patterns: list = [
    path("", views.dashboard, name="dashboard"),
    path("wyslane/<int:message_id>/", views.outbound_detail, name="outbound"),
    path("wyslane/<int:message_id>/ponow/", views.outbound_retry, name="outbound-retry"),
]
platform_patterns: list = []
