"""Roles and what each may do: the one policy that views, the API and services ask.

Roles are held per gmina (and optionally per unit and department); a permission is a
capability. Adding a capability means adding it here and to the roles that have it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    REGISTRY_CLERK = "registry_clerk", _("registry clerk (kancelaria)")
    CASE_OFFICER = "case_officer", _("case officer (referent)")
    HEAD = "head", _("head of department")
    SECRETARY = "secretary", _("secretary of the gmina")
    ADMIN = "admin", _("tenant administrator")
    FINANCE = "finance", _("finance officer")
    EDUCATION = "education", _("education officer")


class Permission(models.TextChoices):
    VIEW_WORKSPACE = "workspace.view", _("use the staff workspace")
    VIEW_DIRECTORY = "directory.view", _("see staff, units and departments")
    MANAGE_STAFF = "staff.manage", _("manage staff and their roles")
    MANAGE_DEPARTMENTS = "departments.manage", _("manage units and departments")
    MANAGE_API_TOKENS = "api_tokens.manage", _("issue and revoke API tokens")
    VIEW_AUDIT = "audit.view", _("read the audit log")
    VIEW_RESIDENTS = "residents.view", _("open residents' personal data")
    ERASE_RESIDENTS = "residents.erase", _("erase or anonymise a resident's personal data")
    VIEW_REGISTERS = "registers.view", _("read the correspondence registers and case lists")
    REGISTER_CORRESPONDENCE = "correspondence.register", _("register correspondence")
    HANDLE_CASES = "cases.handle", _("handle cases")
    ASSIGN_CASES = "cases.assign", _("assign cases (dekretacja)")
    APPROVE = "cases.approve", _("approve letters and settlements")
    MANAGE_SERVICES = "services.manage", _("manage e-service cards and forms")
    RESIDENT_SELF = "resident.self", _("act as a resident on one's own matters")
    COMPOSE_ALERTS = "alerts.compose", _("compose and send alerts to residents")
    APPROVE_ALERTS = "alerts.approve", _("approve severe alerts (second person)")
    VIEW_SUBSCRIBERS = "subscribers.view", _("see the list of notification subscribers")
    MANAGE_TEMPLATES = "notifications.templates", _("edit notification templates")
    EDIT_BIP = "bip.edit", _("edit the BIP")
    APPROVE_BIP = "bip.approve", _("approve BIP entries")
    VIEW_PAYMENTS = "payments.view", _("see payers' accounts, payments and statements")
    MANAGE_PAYMENTS = "payments.manage", _("import obligations and statements, book payments")
    VIEW_REPORTS = "reports.view", _("see the indicators and reports of the gmina")
    MANAGE_EXCHANGE = "exchange.manage", _("manage the e-delivery and ePUAP mailboxes")
    VIEW_EDUCATION = "education.view", _("see recruitment, attendance and school data")
    MANAGE_EDUCATION = "education.manage", _("run recruitment and manage education data")


_STAFF_BASE = {Permission.VIEW_WORKSPACE, Permission.VIEW_DIRECTORY}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.REGISTRY_CLERK: frozenset(
        _STAFF_BASE | {Permission.REGISTER_CORRESPONDENCE, Permission.ASSIGN_CASES,
                       Permission.VIEW_RESIDENTS, Permission.VIEW_REGISTERS,
                       Permission.COMPOSE_ALERTS, Permission.EDIT_BIP}
    ),
    Role.CASE_OFFICER: frozenset(
        _STAFF_BASE | {Permission.HANDLE_CASES, Permission.VIEW_RESIDENTS,
                       Permission.VIEW_REGISTERS}
    ),
    Role.HEAD: frozenset(
        _STAFF_BASE | {Permission.HANDLE_CASES, Permission.ASSIGN_CASES, Permission.APPROVE,
                       Permission.VIEW_RESIDENTS, Permission.VIEW_REGISTERS,
                       Permission.MANAGE_SERVICES, Permission.COMPOSE_ALERTS,
                       Permission.APPROVE_ALERTS, Permission.MANAGE_TEMPLATES,
                       Permission.EDIT_BIP, Permission.APPROVE_BIP, Permission.VIEW_REPORTS}
    ),
    Role.SECRETARY: frozenset(
        _STAFF_BASE | {Permission.HANDLE_CASES, Permission.ASSIGN_CASES, Permission.APPROVE,
                       Permission.VIEW_RESIDENTS, Permission.VIEW_AUDIT,
                       Permission.REGISTER_CORRESPONDENCE, Permission.VIEW_REGISTERS,
                       Permission.MANAGE_SERVICES, Permission.COMPOSE_ALERTS,
                       Permission.APPROVE_ALERTS, Permission.VIEW_SUBSCRIBERS,
                       Permission.MANAGE_TEMPLATES, Permission.EDIT_BIP,
                       Permission.APPROVE_BIP, Permission.VIEW_REPORTS}
    ),
    Role.ADMIN: frozenset(
        _STAFF_BASE | {Permission.MANAGE_STAFF, Permission.MANAGE_DEPARTMENTS,
                       Permission.MANAGE_API_TOKENS, Permission.VIEW_AUDIT,
                       Permission.MANAGE_SERVICES, Permission.MANAGE_TEMPLATES,
                       Permission.EDIT_BIP, Permission.ERASE_RESIDENTS,
                       Permission.MANAGE_EXCHANGE}
    ),
    Role.FINANCE: frozenset(
        _STAFF_BASE | {Permission.VIEW_PAYMENTS, Permission.MANAGE_PAYMENTS,
                       Permission.VIEW_RESIDENTS, Permission.VIEW_REPORTS}
    ),
    Role.EDUCATION: frozenset(
        _STAFF_BASE | {Permission.VIEW_EDUCATION, Permission.MANAGE_EDUCATION,
                       Permission.VIEW_RESIDENTS, Permission.VIEW_REPORTS}
    ),
}

RESIDENT_PERMISSIONS: frozenset[str] = frozenset({Permission.RESIDENT_SELF})


def permissions_of_roles(roles: set[str]) -> frozenset[str]:
    granted: set[str] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(granted)
