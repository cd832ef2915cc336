"""Forms of the payments app's pages: fields and their validation only."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratusz.core.text import refuse_unsafe_text
from ratusz.payments import nrb
from ratusz.payments.models import Regime

MAX_IMPORT_FILE = 30 * 1024 * 1024
MAX_STATEMENT_FILE = 50 * 1024 * 1024


class ZlotyField(forms.CharField):
    """An amount typed in złoty ("1 234,56"), cleaned to integer grosze."""

    def __init__(self, **kwargs):
        super().__init__(max_length=20, **kwargs)

    def clean(self, value):
        text = super().clean(value).replace("\u00a0", "").replace(" ", "").replace(",", ".")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValidationError(_("Give an amount in złoty, e.g. 123,45.")) from None
        grosze = amount * 100
        if grosze != grosze.to_integral_value() or grosze <= 0:
            raise ValidationError(_("Give an amount in złoty, e.g. 123,45.")) from None
        return int(grosze)


class NrbField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(max_length=40, **kwargs)

    def clean(self, value):
        number = nrb.clean(super().clean(value))
        if not nrb.is_valid(number):
            raise ValidationError(_("This is not a valid Polish account number (NRB)."))
        return number


class PayerSearchForm(forms.Form):
    q = forms.CharField(label=_("PESEL, NIP, account number or name"), max_length=100,
                        required=False, validators=[refuse_unsafe_text])


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File"))
    limit = MAX_IMPORT_FILE

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > self.limit:
            raise ValidationError(_("The file is too large."))
        return upload


class ImportForm(UploadForm):
    file = forms.FileField(label=_("Obligations (CSV or JSON)"))


class StatementForm(UploadForm):
    file = forms.FileField(label=_("Bank statement (MT940)"))
    limit = MAX_STATEMENT_FILE


class AssignForm(forms.Form):
    payer = forms.CharField(label=_("Payer: PESEL, NIP or individual account number"),
                            max_length=40, validators=[refuse_unsafe_text])
    instalment = forms.IntegerField(label=_("Instalment (optional)"), required=False,
                                    min_value=1, max_value=2**62)


class ReminderForm(forms.Form):
    instalment = forms.IntegerField(min_value=1, max_value=2**62)


class DeliveryForm(forms.Form):
    delivered_on = forms.DateField(label=_("Delivered on"),
                                   widget=forms.DateInput(attrs={"type": "date"}))


class RefundForm(forms.Form):
    amount = ZlotyField(label=_("Amount to refund (zł)"))
    account = NrbField(label=_("Payer's bank account (NRB)"))
    requested_on = forms.DateField(label=_("Request dated"),
                                   widget=forms.DateInput(attrs={"type": "date"}))


class CollectionAccountForm(forms.Form):
    nrb_number = NrbField(label=_("Collection account (NRB)"))
    virtual_prefix = forms.RegexField(
        label=_("Prefix of the individual account numbers"), regex=r"^\d{8,18}$",
        required=False, help_text=_("The bank's settlement number (8 digits) and the client "
                                    "prefix it gave the gmina; empty: the first 12 digits of "
                                    "the account after the check digits."))
    notice_days = forms.IntegerField(label=_("Days before a due date to send a notice"),
                                     min_value=0, max_value=60, initial=7)


class GatewayForm(forms.Form):
    base_url = forms.URLField(label=_("Gateway address"), max_length=200,
                              assume_scheme="https", initial="https://secure.przelewy24.pl")
    merchant_id = forms.IntegerField(label=_("Merchant id"), min_value=1, max_value=2**31 - 1)
    pos_id = forms.IntegerField(label=_("Shop (POS) id"), min_value=1, max_value=2**31 - 1,
                                required=False)
    api_key = forms.CharField(label=_("API key"), max_length=200, required=False,
                              widget=forms.PasswordInput(render_value=False),
                              help_text=_("Stored encrypted and never shown; leave empty to "
                                          "keep the stored one."))
    crc_key = forms.CharField(label=_("CRC key"), max_length=200, required=False,
                              widget=forms.PasswordInput(render_value=False),
                              help_text=_("Stored encrypted and never shown; leave empty to "
                                          "keep the stored one."))
    is_active = forms.BooleanField(label=_("Online payments on"), required=False,
                                   initial=True)


class KindForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=120, validators=[refuse_unsafe_text])
    regime = forms.ChoiceField(label=_("Legal regime"), choices=Regime.choices)
    dzial = forms.RegexField(label=_("Section (dział)"), regex=r"^\d{3}$")
    rozdzial = forms.RegexField(label=_("Chapter (rozdział)"), regex=r"^\d{5}$")
    paragraf = forms.RegexField(label=_("Paragraph"), regex=r"^\d{4}$")
    interest_paragraf = forms.RegexField(label=_("Paragraph for interest"), regex=r"^\d{4}$",
                                         required=False)


class DayForm(forms.Form):
    dzien = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean_dzien(self):
        day = self.cleaned_data["dzien"]
        if day.year < 1990 or day > timezone.localdate():
            raise ValidationError(_("Choose a day between 1990 and today."))
        return day
