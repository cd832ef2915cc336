"""URLs of the notification system.

- public_patterns under /g/<slug>/powiadomienia/ (subscribing, confirming, preferences),
- alert_patterns under /g/<slug>/alerts/ (the alert pages, CAP 1.2 and the Atom feed),
- staff_patterns under /g/<slug>/staff/powiadomienia/,
- callback_patterns under /notifications/callbacks/ (SMS gateways' delivery reports).
"""

from django.urls import path

from ratusz.notifications import views, views_staff

public_patterns = [
    path("", views.subscribe, name="subscribe"),
    path("sprawdz-poczte/", views.check_email, name="check-email"),
    path("potwierdz/<str:token>/", views.confirm_email, name="confirm-email"),
    path("telefon/<str:token>/", views.confirm_phone, name="confirm-phone"),
    path("ustawienia/<str:token>/", views.preferences, name="preferences"),
    path("wypisz/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("push/<str:token>/", views.push_subscribe, name="push-subscribe"),
]

alert_patterns = [
    path("", views.alert_list, name="alerts"),
    path("atom.xml", views.alert_feed, name="alert-feed"),
    path("<int:alert_id>.cap", views.alert_cap, name="alert-cap"),
    path("<int:alert_id>/", views.alert_detail, name="alert"),
]

staff_patterns = [
    path("", views_staff.dashboard, name="dashboard"),
    path("nowy/", views_staff.compose, name="compose"),
    path("<int:alert_id>/", views_staff.alert_detail, name="alert"),
    path("<int:alert_id>/edycja/", views_staff.edit, name="edit"),
    path("<int:alert_id>/wyslij/", views_staff.submit, name="submit"),
    path("<int:alert_id>/zatwierdz/", views_staff.approve, name="approve"),
    path("<int:alert_id>/odrzuc/", views_staff.reject, name="reject"),
    path("<int:alert_id>/aktualizacja/", views_staff.follow_up, {"kind": "Update"},
         name="update"),
    path("<int:alert_id>/odwolanie/", views_staff.follow_up, {"kind": "Cancel"},
         name="cancel"),
    path("szablony/", views_staff.template_list, name="templates"),
    path("szablony/<str:purpose>/<str:channel>/", views_staff.template_edit,
         name="template-edit"),
    path("subskrybenci/", views_staff.subscribers, name="subscribers"),
]

callback_patterns = [
    path("sms/<str:gateway>/", views.sms_callback, name="sms"),
]
