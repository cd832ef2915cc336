"""Production settings: refuse to start without a real secret and a database URL."""

import os

from django.core.exceptions import ImproperlyConfigured

from config.settings.base import *  # noqa: F403

for _required in ("SECRET_KEY", "DATABASE_URL"):
    if not os.environ.get(_required):
        raise ImproperlyConfigured(f"{_required} must be set in production")
if len(os.environ["SECRET_KEY"]) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long")

DEBUG = False
# The demo's accounts share a published password: never in production.
INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "ratusz.demo"]  # noqa: F405
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
WHITENOISE_USE_FINDERS = False
# The keys registered with login.gov.pl, never made-up ones.
LOGIN_GOV_DEV_KEYS = os.environ.get("LOGIN_GOV_DEV_KEYS", "false").lower() in ("1", "true", "yes")
