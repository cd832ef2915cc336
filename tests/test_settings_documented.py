"""Invariants of the settings: every variable is documented; production refuses to start
without its secrets."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

REPO_ROOT = Path(__file__).resolve().parents[1]
SETTINGS_DOC = REPO_ROOT / "docs" / "settings.md"
SETUP_PROD = (
    "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings.prod'; django.setup()"
)


def _read_variables() -> dict[str, object]:
    # Touching a setting makes sure config/settings/base.py has run and filled the registry.
    assert settings.SECRET_KEY
    from config.env import READ_VARIABLES

    return READ_VARIABLES


def _first_column_names(markdown: str) -> set[str]:
    """The backticked variable names in the first column of the tables of `markdown`."""
    names = set()
    for line in markdown.splitlines():
        match = re.match(r"^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|", line)
        if match:
            names.add(match[1])
    return names


def test_every_variable_read_is_documented():
    # Given the variables the settings read through config/env.py
    read = _read_variables()
    assert read, "config.env.READ_VARIABLES is empty: were the settings loaded?"
    documented = _first_column_names(SETTINGS_DOC.read_text(encoding="utf-8"))

    # Then each one has its own row, backticked, in a table of docs/settings.md
    missing = sorted(set(read) - documented)
    assert missing == [], f"Document these variables in docs/settings.md: {missing}"


def test_every_documented_variable_of_the_main_table_is_still_read():
    # The main table lists only what the settings read; the variables read elsewhere are
    # in the second table, marked by this heading.
    text = SETTINGS_DOC.read_text(encoding="utf-8")
    main_part = text.split("## Variables read outside the settings", 1)[0]
    documented = _first_column_names(main_part)
    assert documented, "no table of variables found in docs/settings.md"

    stale = sorted(documented - set(_read_variables()))
    assert stale == [], f"docs/settings.md documents variables nothing reads: {stale}"


def _start_production(**variables: str) -> subprocess.CompletedProcess:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"SECRET_KEY", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(variables)
    return subprocess.run(
        [sys.executable, "-c", SETUP_PROD],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("variables", "complaint"),
    [
        ({}, "SECRET_KEY must be set in production"),
        ({"SECRET_KEY": "k" * 60}, "DATABASE_URL must be set in production"),
        (
            {"SECRET_KEY": "k" * 49, "DATABASE_URL": "sqlite:////tmp/x.sqlite3"},
            "SECRET_KEY must be at least 50 characters long",
        ),
    ],
    ids=["nothing-set", "no-database-url", "short-secret-key"],
)
def test_production_refuses_to_start_without_its_secrets(variables, complaint):
    # When the production settings load without a secret (or with a weak one)
    result = _start_production(**variables)

    # Then the process fails with ImproperlyConfigured naming what is missing
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert complaint in result.stderr


def test_production_starts_with_a_secret_and_a_database(tmp_path):
    # When both are set (the database is not opened by django.setup)
    result = _start_production(
        SECRET_KEY="s" * 60, DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}"
    )

    # Then Django sets up without an error
    assert result.returncode == 0, result.stderr
