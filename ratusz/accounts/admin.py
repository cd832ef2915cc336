from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from ratusz.accounts.models import ApiToken, LoginGovSettings, RoleAssignment, User


@admin.register(User)
class RatuszUserAdmin(UserAdmin):
    list_display = ["username", "first_name", "last_name", "kind", "municipality", "is_active"]
    list_filter = ["kind", "municipality", "is_active"]
    fieldsets = (*UserAdmin.fieldsets, ("Ratusz", {"fields": ("kind", "municipality",
                                                              "position")}))


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "department", "municipality"]
    list_filter = ["municipality", "role"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "municipality", "user", "created_at", "revoked_at"]
    readonly_fields = ["prefix", "key_hash"]


@admin.register(LoginGovSettings)
class LoginGovSettingsAdmin(admin.ModelAdmin):
    """A gmina's own login.gov.pl registration (the operator's; empty = platform's)."""

    list_display = ["municipality", "enabled", "sp_entity_id", "idp_base_url"]
