"""Rules that hold for the whole code base, every app and every URL, checked mechanically."""

from django.apps import apps
from django.conf import settings
from django.urls import URLPattern

from ratusz.core.models import Municipality, TenantOwned
from tests.test_isolation import (
    CLOSED_WITHOUT_SIGN_IN,
    PUBLIC,
    RESIDENT_ONLY,
    SKIPPED_PREFIXES,
    site_patterns,
    walk,
)

#: Models that point at a gmina without being owned by one.
# LoginGovSettings: the operator's platform configuration of a gmina's login.gov.pl keys, read
# before any tenant is known (the node's way back carries no gmina); no personal data.
NOT_TENANT_OWNED = {"accounts.User", "core.AuditLog", "accounts.LoginGovSettings"}
#: Pages of a signed-in person outside any gmina (their own account).
OWN_ACCOUNT = {"resident:home", "resident:personal-data", "accounts:two-factor",
               "accounts:two-factor-setup", "accounts:two-factor-recovery",
               # A partnership coordinator's pages (outside any gmina; the coordinator of
               # the partnership only: ratusz/reports/tests/test_coordinator_reach.py).
               "partnerships:home", "partnerships:dashboard", "partnerships:inquiries",
               "partnerships:export"}


def platform_apps() -> list:
    return [config for config in apps.get_app_configs() if config.name.startswith("ratusz.")]


def test_every_model_with_a_gmina_key_is_tenant_owned():
    checked = set()
    for config in platform_apps():
        for model in config.get_models():
            if model is Municipality or model._meta.label in NOT_TENANT_OWNED:
                continue
            has_key = any(getattr(field, "related_model", None) is Municipality
                          for field in model._meta.get_fields())
            if has_key:
                assert issubclass(model, TenantOwned), model._meta.label
                assert model._meta.get_field("municipality").null is False, model._meta.label
                checked.add(config.label)
    # The rule reaches every app that owns tenant data, not just the first two.
    assert {"core", "accounts", "cases", "eservices", "notifications", "bulletin"} <= checked


def test_every_staff_page_of_every_app_names_the_permission_it_needs():
    namespaces = set()
    for route, name, pattern in site_patterns():
        if not isinstance(pattern, URLPattern) or "/staff/" not in f"/{route}":
            continue
        namespaces.add(name.split(":")[0])
        view = pattern.callback
        while not hasattr(view, "required_permission") and hasattr(view, "__wrapped__"):
            view = view.__wrapped__
        assert hasattr(view, "required_permission"), route
    assert {"staff", "ezd", "eservices-staff", "notifications-staff", "bip-staff"} <= namespaces


def test_every_url_of_every_namespace_has_a_declared_audience():
    """A new page is public, closed, a resident's own, or staff with a permission; nothing
    is left for the isolation walk to miss."""
    unclassified = []
    for route, name, pattern in walk():
        if route.startswith(SKIPPED_PREFIXES) or not isinstance(pattern, URLPattern):
            continue
        if name in PUBLIC | CLOSED_WITHOUT_SIGN_IN | RESIDENT_ONLY | OWN_ACCOUNT:
            continue
        if "/staff/" in f"/{route}":
            continue  # the test above: every one names its permission
        unclassified.append(name)
    assert unclassified == []


def test_every_app_of_the_platform_has_its_layers_contract():
    contracts = (settings.BASE_DIR / ".importlinter").read_text()
    for config in platform_apps():
        if config.label == "demo":
            continue  # a script-like leaf: nothing imports it (its own contract)
        assert f"[importlinter:contract:{config.label}-layers]" in contracts, config.label
        assert f"[importlinter:contract:{config.label}-entry-points]" in contracts, config.label
