"""The national tables, kept by the platform's operator in the Django admin."""

from django.contrib import admin

from ratusz.payments.models import InterestRate, LegalAmount


@admin.register(InterestRate)
class InterestRateAdmin(admin.ModelAdmin):
    list_display = ["effective_from", "percent", "is_verified", "source"]


@admin.register(LegalAmount)
class LegalAmountAdmin(admin.ModelAdmin):
    list_display = ["kind", "effective_from", "amount", "is_verified", "source"]
    list_filter = ["kind"]
