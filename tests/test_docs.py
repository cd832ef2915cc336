"""The docs say what the code has: they fail here when they go stale."""

import re
from pathlib import Path

from django.apps import apps

from ratusz.accounts.permissions import ROLE_PERMISSIONS, Permission, Role
from ratusz.core.models import TenantOwned

ROOT = Path(__file__).resolve().parents[1]
ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
CONTEXT = (ROOT / "CONTEXT.md").read_text(encoding="utf-8")
BASE = {Permission.VIEW_WORKSPACE, Permission.VIEW_DIRECTORY}


def test_every_tenant_owned_model_is_listed_and_no_listed_one_is_gone():
    owned = {model._meta.label for model in apps.get_models()
             if issubclass(model, TenantOwned) and model.__module__.startswith("ratusz.")}
    section = ARCHITECTURE.split("Tenant-owned today")[1].split("### Wall 1")[0]
    listed = set(re.findall(r"`([a-z_]+\.[A-Z]\w+)`", section))
    assert owned - listed == set(), "add to docs/architecture.md"
    assert listed - owned == set(), "no longer tenant-owned: remove from the docs"
    assert f"({len(owned)} models" in section


def test_every_permission_and_every_role_is_documented_as_the_code_has_them():
    section = ARCHITECTURE.split("## Roles and permissions")[1].split("## API tokens")[0]
    for permission in Permission:
        assert f"`{permission.value}`" in section, permission.value
    rows = dict(re.findall(r"^\| `([A-Z_]+)` \| (.*) \|$", section, flags=re.MULTILINE))
    assert set(rows) == {role.name for role in Role}
    for role in Role:
        documented = set(re.findall(r"`([a-z_.]+)`", rows[role.name]))
        assert documented == set(ROLE_PERMISSIONS[role]) - BASE, role.name


def test_every_app_is_in_the_apps_table():
    section = ARCHITECTURE.split("## Apps and their boundaries")[1].split("### The shape")[0]
    for config in apps.get_app_configs():
        if config.name.startswith("ratusz."):
            assert f"`{config.name.replace('.', '/')}/`" in section, config.name


def _code_text() -> str:
    files = [*ROOT.glob("ratusz/**/*.py"), *ROOT.glob("config/**/*.py"),
             *ROOT.glob("ratusz/**/*.html")]
    return "\n".join(path.read_text(encoding="utf-8", errors="ignore") for path in files
                     if "/migrations/" not in str(path))


IDENTIFIER = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*(\(\))?$")
FILE = re.compile(r"^[\w./-]+\.(toml|md|py|txt|json|html)$")


def test_the_glossary_names_code_that_exists_and_calls_nothing_existing_planned():
    code = _code_text()
    stale = []
    for line in CONTEXT.splitlines():
        if not line.startswith("| ") or line.startswith("| Polish"):
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 4:
            continue
        in_code = cells[-1]
        planned = "planned" in in_code
        for token in re.findall(r"`([^`]+)`", in_code):
            if FILE.match(token):
                exists = (ROOT / token).exists() or any(ROOT.glob(f"ratusz/**/{token}"))
                if not exists and not planned:
                    stale.append(f"{cells[0]}: no file {token}")
                continue
            if not IDENTIFIER.match(token):
                continue
            last = token.rstrip("()").split(".")[-1]
            exists = re.search(rf"\b{re.escape(last)}\b", code) is not None
            if planned and exists:
                stale.append(f"{cells[0]}: {token} exists but is marked planned")
            elif not planned and not exists:
                stale.append(f"{cells[0]}: {token} is not in the code")
    assert stale == []
