from django.urls import path

from ratusz.accounts import (
    views,
    views_password,
    views_personal_data,
    views_second_factor,
)
from ratusz.accounts.logingov import views as logingov_views

auth_patterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path("register/", views.register, name="register"),
    path("register/resend/", views.register_resend, name="register-resend"),
    path("register/confirm/<str:token>/", views.register_confirm, name="register-confirm"),
    path("password-reset/", views_password.PasswordResetView.as_view(), name="password-reset"),
    path("password-reset/sent/", views_password.PasswordResetSentView.as_view(),
         name="password-reset-sent"),
    path("password-reset/<uidb64>/<token>/", views_password.PasswordResetConfirmView.as_view(),
         name="password-reset-confirm"),
    path("password-reset/done/", views_password.PasswordResetDoneView.as_view(),
         name="password-reset-done"),
    path("2fa/", views_second_factor.verify, name="two-factor"),
    path("2fa/setup/", views_second_factor.setup, name="two-factor-setup"),
    path("2fa/recovery-codes/", views_second_factor.recovery_codes,
         name="two-factor-recovery"),
    path("login-gov/start/", logingov_views.start, name="logingov-start"),
    path("login-gov/acs/", logingov_views.acs, name="logingov-acs"),
    path("login-gov/metadata/", logingov_views.metadata, name="logingov-metadata"),
    path("login-gov/slo/", logingov_views.slo, name="logingov-slo"),
]

resident_patterns = [
    path("", views.resident_home, name="home"),
    path("data/<slug:slug>.<slug:export_format>", views_personal_data.download,
         name="personal-data"),
]

staff_patterns = [
    path("", views.dashboard, name="dashboard"),
    path("people/", views.staff_list, name="staff-list"),
    path("people/new/", views.staff_create, name="staff-create"),
    path("people/<int:user_id>/", views.staff_detail, name="staff-detail"),
    path("people/<int:user_id>/roles/", views.staff_grant_role, name="staff-grant-role"),
    path("people/<int:user_id>/second-factor/reset/", views.staff_reset_second_factor,
         name="staff-reset-second-factor"),
    path("people/<int:user_id>/roles/<int:assignment_id>/revoke/", views.staff_revoke_role,
         name="staff-revoke-role"),
    path("departments/", views.department_list, name="departments"),
    path("departments/new/", views.department_edit, name="department-create"),
    path("departments/<int:department_id>/", views.department_edit, name="department-edit"),
    path("units/new/", views.unit_create, name="unit-create"),
    path("residents/", views.resident_list, name="residents"),
    path("residents/<int:user_id>/", views.resident_detail, name="resident-detail"),
    path("audit/", views.audit_log, name="audit"),
    path("api-tokens/", views.api_tokens, name="api-tokens"),
    path("api-tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api-token-revoke"),
    path("my-api-tokens/", views.my_api_tokens, name="my-api-tokens"),
    path("erasure/", views_personal_data.erasure, name="erasure"),
    path("my-api-tokens/<int:token_id>/<slug:action>/", views.my_api_token_action,
         name="my-api-token-action"),
]
