"""Production settings pass Django's deployment checklist and leave the demo out."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def _run(code: str, tmp_path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.prod",
           "SECRET_KEY": secrets.token_urlsafe(60),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
           "RATUSZ_VAR_DIR": str(tmp_path)}
    # The browser tests' module allows async-unsafe calls in the test process; never in
    # production.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_deployment_checklist_is_clean(tmp_path):
    result = _run("import django, sys; django.setup();"
                  "from django.core.management import call_command;"
                  "call_command('check', deploy=True, fail_level='WARNING')", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_sets_the_security_headers_and_drops_the_demo(tmp_path):
    result = _run("import django; django.setup(); from django.conf import settings as s;"
                  "print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
                  " s.SECURE_SSL_REDIRECT, s.DEBUG, 'ratusz.demo' in s.INSTALLED_APPS)",
                  tmp_path)
    assert result.returncode == 0, result.stderr
    hsts, session, csrf, redirect, debug, demo = result.stdout.split()
    assert int(hsts) >= 31_536_000
    assert (session, csrf, redirect, debug, demo) == ("True", "True", "True", "False",
                                                      "False")
