"""The national tables, kept by the platform's operator in the Django admin."""

from django.contrib import admin

from ratusz.payments.models import InterestRate, LegalAmount
from ratusz.payments.selectors import forget_national_tables


class NationalTableAdmin(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        forget_national_tables()  # this process at once; others within a minute


@admin.register(InterestRate)
class InterestRateAdmin(NationalTableAdmin):
    list_display = ["effective_from", "percent", "is_verified", "source"]


@admin.register(LegalAmount)
class LegalAmountAdmin(NationalTableAdmin):
    list_display = ["kind", "effective_from", "amount", "is_verified", "source"]
    list_filter = ["kind"]
