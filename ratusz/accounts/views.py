"""Sign-in, the resident's account, and the staff workspace of a gmina."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from ratusz.accounts import forms, identity, second_factor, selectors, services, workspace
from ratusz.accounts.access import resident_required, staff_required
from ratusz.accounts.models import UserKind
from ratusz.accounts.permissions import Permission, Role
from ratusz.core import ratelimit
from ratusz.core import selectors as core_selectors
from ratusz.core import services as core_services

ACCOUNT_ERRORS = {
    "username_taken": gettext_lazy("This user name is already taken."),
    "last_admin": gettext_lazy("The last administrator of the gmina cannot lose the role."),
    "head_needs_department": gettext_lazy("A head of department needs a department."),
    "cannot_deactivate_self": gettext_lazy("You cannot disable your own account."),
    "department_of_other_municipality": gettext_lazy("Choose a department of this gmina."),
    "permission_not_held": gettext_lazy(
        "A token may carry only what the person it acts as may do; a token acting as no "
        "person only what the administrator role may do."),
    "unknown_permission": gettext_lazy("Choose permissions from the list."),
    "user_of_other_municipality": gettext_lazy("Choose a staff member of this gmina."),
    "not_your_token": gettext_lazy("Only the person a token acts as can confirm it."),
    "token_not_pending": gettext_lazy("This token no longer waits for a confirmation."),
}
#: What a record of personal-data access says was opened.
ACCESS_CONTEXTS = {"resident_profile": gettext_lazy("resident's details")}


def _account_error_message(error: services.AccountError) -> str:
    return str(ACCOUNT_ERRORS.get(str(error), _("The change could not be made.")))


# --- Sign-in ---------------------------------------------------------------------------

#: The gmina a `next` address belongs to.
GMINA_PATH = re.compile(r"^/g/([a-z0-9-]+)/")


class SignInView(auth_views.LoginView):
    template_name = "accounts/sign_in.html"
    authentication_form = forms.SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        # Reached from a gmina's page (`next=/g/<slug>/…`): the page says whose services
        # the person signs in to (issue 23, item 11).
        context = super().get_context_data(**kwargs)
        found = GMINA_PATH.match(self.get_redirect_url() or "")
        context["gmina"] = (core_selectors.get_active_municipality_by_slug(found.group(1))
                            if found else None)
        return context

    def get_default_redirect_url(self):
        user = self.request.user
        if user.kind == UserKind.STAFF:
            return reverse("staff:dashboard", args=[user.municipality.slug])
        if user.kind == UserKind.OPERATOR:
            return reverse("admin:index")
        return reverse("resident:home")


class SignOutView(auth_views.LogoutView):
    next_page = "core:platform-home"

    def post(self, request, *args, **kwargs):
        from ratusz.accounts.logingov.views import single_logout

        # A session opened through login.gov.pl ends there too (SAML single logout).
        return single_logout(request) or super().post(request, *args, **kwargs)


RESEND_LIMIT = 3  # confirmation messages per address and per hour


def _resend_confirmation(request: HttpRequest, user) -> None:
    if ratelimit.allow("register-resend", user.email.lower(), limit=RESEND_LIMIT,
                       window_seconds=3600):
        services.send_email_confirmation(user.pk)


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """A resident account with e-mail and password: the weaker kind (no confirmed
    identity), enough for matters that need no identification. It works once the address
    is confirmed by the link sent to it."""
    if request.user.is_authenticated:
        return redirect("resident:home" if request.user.is_resident else "core:platform-home")
    form = forms.ResidentRegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        waiting = services.unconfirmed_resident(data["email"])
        if waiting is not None:
            # Registered before but never confirmed: the link goes out again.
            _resend_confirmation(request, waiting)
            return render(request, "accounts/register_check_email.html",
                          {"email": waiting.email})
        try:
            user = services.register_resident(
                username=data["email"], email=data["email"], password=data["password"],
                first_name=data["first_name"], last_name=data["last_name"],
                confirm_email=True)
        except services.AccountError:
            form.add_error("email", _("An account with this e-mail address already exists. "
                                      "Sign in, or set a new password if you forgot it."))
        except ValidationError as error:
            form.add_error("password", error)
        else:
            return render(request, "accounts/register_check_email.html",
                          {"email": user.email})
    return render(request, "accounts/register.html", {"form": form},
                  status=400 if form.errors else 200)


@require_POST
def register_resend(request: HttpRequest) -> HttpResponse:
    """"Send the link again" on the check-your-e-mail page."""
    email = request.POST.get("email", "")[:254]
    waiting = services.unconfirmed_resident(email) if email else None
    if waiting is not None:
        _resend_confirmation(request, waiting)
    # The same answer whether or not such an account waits (no probing of addresses).
    return render(request, "accounts/register_check_email.html",
                  {"email": email, "sent_again": True})


@require_http_methods(["GET", "POST"])
def register_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the e-mail. A GET only shows a button: mail scanners that open links
    must not confirm anything."""
    if request.method == "POST":
        user = services.confirm_resident_email(token)
        if user is not None:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Your e-mail address is confirmed and your account is "
                                        "ready. To send matters that need your identity "
                                        "confirmed, sign in through login.gov.pl."))
            return redirect("resident:home")
        return render(request, "accounts/register_confirm.html", {"invalid": True},
                      status=400)
    return render(request, "accounts/register_confirm.html", {"token": token})


# --- The resident's account --------------------------------------------------------------

@resident_required
def resident_home(request: HttpRequest) -> HttpResponse:
    profile = selectors.resident_profile(request.user)
    return render(request, "accounts/resident_home.html", {
        "profile": profile,
        "masked_pesel": identity.mask_pesel(identity.profile_pesel(profile)),
        "identified_session": identity.is_identified_session(request),
        "municipalities": selectors.resident_municipalities(request.user),
    })


# --- Staff workspace ---------------------------------------------------------------------

@staff_required(Permission.VIEW_WORKSPACE)
def dashboard(request: HttpRequest) -> HttpResponse:
    """What waits for this person (the apps' waiting work), then their roles."""
    municipality = request.municipality
    return render(request, "accounts/staff/dashboard.html", {
        "waiting": workspace.waiting_work(request.user, municipality, detailed=True),
        "assignments": selectors.role_assignments_of(municipality, request.user),
        "pending_tokens": selectors.pending_api_token_count(municipality, request.user),
    })


@staff_required(Permission.VIEW_DIRECTORY)
def staff_list(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/staff/staff_list.html", {
        "staff": selectors.list_staff(request.municipality),
    })


@require_http_methods(["GET", "POST"])
@staff_required(Permission.MANAGE_STAFF)
def staff_create(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality
    form = forms.StaffMemberForm(request.POST or None, municipality=municipality)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.create_staff_member(
                municipality, acting_user=request.user, username=data["username"],
                first_name=data["first_name"], last_name=data["last_name"],
                email=data["email"], position=data["position"],
                password=data["password"] or None,
                roles=[(data["role"], data["department"])],
            )
        except services.AccountError as error:
            form.add_error("username" if str(error) == "username_taken" else None,
                           _account_error_message(error))
        except ValidationError as error:  # password validation
            form.add_error("password", error)
        else:
            messages.success(request, _("Staff member %(name)s added.")
                             % {"name": user.display_name})
            return redirect("staff:staff-detail", municipality.slug, user.pk)
    return render(request, "accounts/staff/staff_form.html", {"form": form}, status=
                  400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@staff_required(Permission.VIEW_DIRECTORY)
def staff_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    municipality = request.municipality
    member = selectors.access_staff_by_id(municipality, user_id)
    if member is None:
        raise Http404
    can_manage = selectors.has_permission(request.user, municipality, Permission.MANAGE_STAFF)
    edit_form = forms.StaffEditForm(initial={
        "first_name": member.first_name, "last_name": member.last_name, "email": member.email,
        "position": member.position, "is_active": member.is_active,
    })
    role_form = forms.GrantRoleForm(municipality=municipality)
    if request.method == "POST":
        if not can_manage:
            raise Http404
        edit_form = forms.StaffEditForm(request.POST)
        if edit_form.is_valid():
            try:
                services.update_staff_member(member, acting_user=request.user,
                                             **edit_form.cleaned_data)
            except services.AccountError as error:
                edit_form.add_error(None, _account_error_message(error))
            else:
                messages.success(request, _("Changes saved."))
                return redirect("staff:staff-detail", municipality.slug, member.pk)
    return render(request, "accounts/staff/staff_detail.html", {
        "member": member, "can_manage": can_manage, "edit_form": edit_form,
        "role_form": role_form,
        "has_second_factor": second_factor.confirmed_totp(member) is not None,
    }, status=400 if edit_form.errors else 200)


@require_POST
@staff_required(Permission.MANAGE_STAFF)
def staff_reset_second_factor(request: HttpRequest, user_id: int) -> HttpResponse:
    """A lost phone: the member enrols a new authenticator at the next sign-in."""
    municipality = request.municipality
    member = selectors.access_staff_by_id(municipality, user_id)
    if member is None:
        raise Http404
    second_factor.reset(member, acting_user=request.user)
    messages.success(request, _("The second factor was reset. At the next sign-in the "
                                "person sets up a new authenticator."))
    return redirect("staff:staff-detail", municipality.slug, member.pk)


@require_POST
@staff_required(Permission.MANAGE_STAFF)
def staff_grant_role(request: HttpRequest, user_id: int) -> HttpResponse:
    municipality = request.municipality
    member = selectors.access_staff_by_id(municipality, user_id)
    if member is None:
        raise Http404
    form = forms.GrantRoleForm(request.POST, municipality=municipality)
    if form.is_valid():
        try:
            services.grant_role(member, acting_user=request.user, role=form.cleaned_data["role"],
                                department=form.cleaned_data["department"])
        except services.AccountError as error:
            messages.error(request, _account_error_message(error))
        else:
            messages.success(request, _("Role granted."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("staff:staff-detail", municipality.slug, member.pk)


@require_POST
@staff_required(Permission.MANAGE_STAFF)
def staff_revoke_role(request: HttpRequest, user_id: int, assignment_id: int) -> HttpResponse:
    municipality = request.municipality
    assignment = selectors.access_role_assignment(municipality, user_id, assignment_id)
    if assignment is None:
        raise Http404
    try:
        services.revoke_role(assignment, acting_user=request.user)
    except services.AccountError as error:
        messages.error(request, _account_error_message(error))
    else:
        messages.success(request, _("Role revoked."))
    return redirect("staff:staff-detail", municipality.slug, user_id)


@staff_required(Permission.VIEW_DIRECTORY)
def department_list(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality
    return render(request, "accounts/staff/department_list.html", {
        "departments": core_selectors.list_departments(municipality, include_inactive=True),
        "units": core_selectors.list_units(municipality),
        "can_manage": selectors.has_permission(request.user, municipality,
                                               Permission.MANAGE_DEPARTMENTS),
    })


@require_http_methods(["GET", "POST"])
@staff_required(Permission.MANAGE_DEPARTMENTS)
def department_edit(request: HttpRequest, department_id: int | None = None) -> HttpResponse:
    municipality = request.municipality
    department = None
    if department_id is not None:
        department = core_selectors.access_department_by_id(municipality, department_id)
        if department is None:
            raise Http404
    initial = {}
    if department:
        initial = {"symbol": department.symbol, "name": department.name,
                   "unit": department.unit_id, "head": department.head_id}
    form = forms.DepartmentForm(
        request.POST or None, initial=initial, municipality=municipality,
        staff_queryset=selectors.list_staff(municipality).filter(is_active=True),
        editing=department is not None,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if department is None:
                core_services.create_department(
                    municipality, acting_user=request.user, unit=data["unit"],
                    symbol=data["symbol"], name=data["name"], head=data["head"],
                )
            else:
                core_services.update_department(department, acting_user=request.user,
                                                name=data["name"], unit=data["unit"],
                                                head=data["head"])
        except core_services.DepartmentSymbolTaken:
            form.add_error("symbol", _("This gmina already has a department with this symbol."))
        else:
            messages.success(request, _("Department saved."))
            return redirect("staff:departments", municipality.slug)
    return render(request, "accounts/staff/department_form.html",
                  {"form": form, "department": department},
                  status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@staff_required(Permission.MANAGE_DEPARTMENTS)
def unit_create(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality
    form = forms.UnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            core_services.create_unit(municipality, acting_user=request.user,
                                      **form.cleaned_data)
        except IntegrityError:
            form.add_error("name", _("A unit with a name like this already exists."))
        else:
            messages.success(request, _("Unit added."))
            return redirect("staff:departments", municipality.slug)
    return render(request, "accounts/staff/unit_form.html", {"form": form},
                  status=400 if form.errors else 200)


@staff_required(Permission.VIEW_RESIDENTS)
def resident_list(request: HttpRequest) -> HttpResponse:
    # Only names: opening a resident's personal data is a separate, recorded step.
    page = Paginator(selectors.list_residents(request.municipality), 50).get_page(
        request.GET.get("page")
    )
    return render(request, "accounts/staff/resident_list.html", {"page": page})


@staff_required(Permission.VIEW_RESIDENTS)
def resident_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    municipality = request.municipality
    resident = selectors.access_resident_by_id(municipality, user_id)
    if resident is None:
        raise Http404
    shown = ["first_name", "last_name", "email", "phone", "address"]
    core_services.record_personal_data_access(
        municipality=municipality, staff=request.user, subject=resident,
        context="resident_profile", fields=shown, path=request.path,
    )
    return render(request, "accounts/staff/resident_detail.html", {
        "resident": resident,
        "profile": getattr(resident, "resident_profile", None),
        "accesses": [
            (access, ACCESS_CONTEXTS.get(access.context, access.context))
            for access in selectors.personal_data_accesses(municipality, resident)
        ],
    })


@staff_required(Permission.VIEW_AUDIT)
def audit_log(request: HttpRequest) -> HttpResponse:
    entries = selectors.list_audit_entries(request.municipality)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/staff/audit_log.html", {"page": page})


@require_http_methods(["GET", "POST"])
@staff_required(Permission.MANAGE_API_TOKENS)
def api_tokens(request: HttpRequest) -> HttpResponse:
    municipality = request.municipality
    staff = selectors.list_staff(municipality).filter(is_active=True)
    choices = [(p.value, p.label) for p in Permission if p != Permission.RESIDENT_SELF]
    form = forms.ApiTokenForm(request.POST or None, staff_queryset=staff,
                              permission_choices=choices)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            token, new_secret = services.issue_api_token(
                municipality, acting_user=request.user, name=data["name"],
                permissions=data["permissions"], user=data["user"],
            )
        except services.AccountError as error:
            form.add_error(None, _account_error_message(error))
        else:
            if new_secret is None:
                messages.success(request, _(
                    "The token waits for %(person)s to confirm it in their workspace "
                    "(“My API tokens”); they will see its secret then.")
                    % {"person": token.user.display_name})
                return redirect("staff:api-tokens", municipality.slug)
            form = forms.ApiTokenForm(staff_queryset=staff, permission_choices=choices)
    return render(request, "accounts/staff/api_tokens.html", {
        "tokens": selectors.list_api_tokens(municipality), "form": form,
        "new_secret": new_secret,
    }, status=400 if form.errors else 200)


@require_POST
@staff_required(Permission.MANAGE_API_TOKENS)
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = selectors.list_api_tokens(request.municipality).filter(pk=token_id).first()
    if token is None:
        raise Http404
    services.revoke_api_token(token, acting_user=request.user)
    messages.success(request, _("Token revoked."))
    return redirect("staff:api-tokens", request.municipality.slug)


@staff_required(Permission.VIEW_WORKSPACE)
def my_api_tokens(request: HttpRequest) -> HttpResponse:
    """The tokens that act as me: confirm the ones an administrator asked for, revoke any."""
    return render(request, "accounts/staff/my_api_tokens.html", {
        "tokens": selectors.list_own_api_tokens(request.municipality, request.user)})


@require_POST
@staff_required(Permission.VIEW_WORKSPACE)
def my_api_token_action(request: HttpRequest, token_id: int, action: str) -> HttpResponse:
    token = selectors.list_own_api_tokens(request.municipality, request.user).filter(
        pk=token_id).first()
    if token is None or action not in ("confirm", "revoke"):
        raise Http404
    secret = None
    try:
        if action == "confirm":
            secret = services.confirm_api_token(token, acting_user=request.user)
        else:
            services.revoke_api_token(token, acting_user=request.user)
            messages.success(request, _("Token revoked."))
    except services.AccountError as error:
        messages.error(request, _account_error_message(error))
    if secret is None:
        return redirect("staff:my-api-tokens", request.municipality.slug)
    return render(request, "accounts/staff/my_api_tokens.html", {
        "tokens": selectors.list_own_api_tokens(request.municipality, request.user),
        "new_secret": secret})


ROLE_LABELS = dict(Role.choices)
