"""Rules that hold for the whole code base, checked mechanically."""

from django.apps import apps
from django.urls import URLPattern

from ratusz.core.models import Municipality, TenantOwned
from tests.test_isolation import site_patterns

#: Models that point at a gmina without being owned by one.
# LoginGovSettings: the operator's platform configuration of a gmina's login.gov.pl keys, read
# before any tenant is known (the node's way back carries no gmina); no personal data.
NOT_TENANT_OWNED = {"accounts.User", "core.AuditLog", "accounts.LoginGovSettings"}


def test_every_model_with_a_gmina_key_is_tenant_owned():
    for model in apps.get_models():
        if model._meta.app_label not in {"core", "accounts"} or model is Municipality:
            continue
        has_key = any(getattr(field, "related_model", None) is Municipality
                      for field in model._meta.get_fields())
        if model._meta.label in NOT_TENANT_OWNED:
            continue
        if has_key:
            assert issubclass(model, TenantOwned), model._meta.label
            assert model._meta.get_field("municipality").null is False, model._meta.label


def test_every_staff_page_names_the_permission_it_needs():
    for route, name, pattern in site_patterns():
        if not isinstance(pattern, URLPattern) or not name.startswith("staff:"):
            continue
        view = pattern.callback
        while not hasattr(view, "required_permission") and hasattr(view, "__wrapped__"):
            view = view.__wrapped__
        assert hasattr(view, "required_permission"), route
