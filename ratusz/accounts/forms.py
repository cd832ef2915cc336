"""Forms of the staff workspace; validation messages are translated (Polish first)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.utils.translation import gettext_lazy as _

from ratusz.accounts.models import UserKind
from ratusz.accounts.permissions import Role
from ratusz.accounts.workspace import staff_label
from ratusz.core.models import Department, Unit, UnitKind, department_symbol_validator

#: What an empty choice of a drop-down of the staff pages reads.
EMPTY_CHOICE = _("— choose —")


class StaffChoiceField(forms.ModelChoiceField):
    """A staff member named as people know them ("Marta Zielińska, kierownik GK"), with
    "— choose —" as the empty choice."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("empty_label", EMPTY_CHOICE)
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj) -> str:
        return staff_label(obj)


def _department_field():
    return forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none(),
                                  required=False, empty_label=EMPTY_CHOICE)


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("The user name or password is wrong. Check both and try again."),
        "inactive": _("This account is disabled. Contact your administrator."),
    }


class StaffMemberForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"), required=False)
    position = forms.CharField(label=_("Position"), max_length=120, required=False)
    password = forms.CharField(
        label=_("Initial password"), required=False, widget=forms.PasswordInput,
        help_text=_("At least 12 characters. Leave empty to set it later."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    department = _department_field()

    def __init__(self, *args, municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.for_municipality(municipality)

    def clean(self):
        data = super().clean()
        if data.get("role") == Role.HEAD and not data.get("department"):
            self.add_error("department", _("A head of department needs a department."))
        return data


class StaffEditForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"), required=False)
    position = forms.CharField(label=_("Position"), max_length=120, required=False)
    is_active = forms.BooleanField(label=_("May sign in"), required=False)


class GrantRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    department = _department_field()

    def __init__(self, *args, municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.for_municipality(municipality)

    def clean(self):
        data = super().clean()
        if data.get("role") == Role.HEAD and not data.get("department"):
            self.add_error("department", _("A head of department needs a department."))
        return data


class DepartmentForm(forms.Form):
    symbol = forms.CharField(label=_("Symbol"), max_length=20,
                             validators=[department_symbol_validator],
                             help_text=_("Used in case marks, e.g. OR, FN, GK."))
    name = forms.CharField(label=_("Name"), max_length=200)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(),
                                  empty_label=EMPTY_CHOICE)
    head = StaffChoiceField(label=_("Head"), queryset=None, required=False)

    def __init__(self, *args, municipality, staff_queryset, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.for_municipality(municipality)
        self.fields["head"].queryset = staff_queryset
        if editing:
            self.fields["symbol"].disabled = True
            self.fields["symbol"].help_text = _("The symbol cannot change: it is in case marks.")


class UnitForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    short_name = forms.CharField(label=_("Short name"), max_length=40, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=UnitKind.choices)
    street = forms.CharField(label=_("Street"), max_length=120, required=False)
    building = forms.CharField(label=_("Building number"), max_length=20, required=False)
    postal_code = forms.RegexField(
        label=_("Postal code"), regex=r"^\d{2}-\d{3}$", required=False,
        error_messages={"invalid": _("A postal code looks like 00-000.")},
    )
    city = forms.CharField(label=_("Town"), max_length=80, required=False)


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120,
                           help_text=_("Who uses it, e.g. 'Tax system'."))
    user = StaffChoiceField(label=_("Acts as"), queryset=None, required=False,
                            help_text=_("A staff member whose rights cap the token."))
    permissions = forms.MultipleChoiceField(label=_("Permissions"), choices=(),
                                            widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, staff_queryset, permission_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff_queryset
        self.fields["permissions"].choices = permission_choices


class ResidentRegistrationForm(forms.Form):
    """The weaker kind of resident account: e-mail and password, identity not confirmed."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"), max_length=254,
                             help_text=_("You will sign in with this address."))
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput(
        attrs={"autocomplete": "new-password"}), strip=False, max_length=128,
        help_text=_("At least 12 characters; a phrase of a few words is easiest to "
                    "remember. Passwords known from leaks are refused."))
    password2 = forms.CharField(label=_("Password again"), strip=False, max_length=128,
                                widget=forms.PasswordInput(attrs={"autocomplete":
                                                                  "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password2") is not None and \
                data["password"] != data["password2"]:
            self.add_error("password2", _("The two passwords differ."))
        return data


class ResidentPasswordResetForm(PasswordResetForm):
    """"Forgot your password?": only residents' e-mail accounts (staff ask their gmina's
    administrator; login.gov.pl accounts have no password)."""

    email = forms.EmailField(label=_("E-mail"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    def get_users(self, email):
        return (user for user in super().get_users(email) if user.kind == UserKind.RESIDENT)
