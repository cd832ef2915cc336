"""Django admin is for the platform operator only; gmina staff use the staff workspace."""

from django.contrib import admin

from ratusz.core.models import AuditLog, Department, Municipality, PersonalDataAccess, Unit


def _operator_only(request) -> bool:
    user = request.user
    return user.is_active and getattr(user, "is_platform_operator", False)


admin.site.has_permission = _operator_only
admin.site.site_header = "Ratusz – operator platformy"


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "teryt", "slug", "kind", "county", "is_active"]
    search_fields = ["name", "teryt", "slug"]
    exclude = ["coat_of_arms"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        # A new gmina gets its office unit and a platform audit entry, as from the command line.
        from ratusz.core.services import MUNICIPALITY_FIELDS, create_municipality

        created = create_municipality(
            acting_user=request.user,
            **{name: form.cleaned_data[name] for name in MUNICIPALITY_FIELDS
               if name in form.cleaned_data},
        )
        obj.pk = created.pk


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "municipality", "kind"]
    list_filter = ["municipality", "kind"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["symbol", "name", "municipality", "unit"]
    list_filter = ["municipality"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "municipality", "actor_label", "action", "object_type",
                    "object_label"]
    list_filter = ["action", "municipality"]


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    list_display = ["accessed_at", "municipality", "staff_label", "subject", "context"]
