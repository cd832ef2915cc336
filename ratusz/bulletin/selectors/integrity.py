"""What a restored database must keep intact in the BIP, checked after every restore
(`ratusz.core.backup`, registered as "bip"): the change register of every entry, and the
file of every attachment. Across every gmina; cheap (a few queries and one look at each
stored file's size: the restore has already compared each file's SHA-256 with the
archive's manifest)."""

from __future__ import annotations

from django.db.models import Count, Max, Min

from ratusz.bulletin.models import Attachment, Entry, EntryState
from ratusz.core.tenancy import tenant_context


def restore_problems() -> list[str]:
    """What is wrong in the BIP of any gmina (an empty list when all is sound)."""
    with tenant_context(None, all_municipalities=True):
        return _register_problems() + _file_problems()


def _register_problems() -> list[str]:
    """Every entry's versions numbered 1, 2 … up to its version, none missing; a published
    or withdrawn entry has at least its first."""
    problems = []
    rows = (Entry._base_manager.annotate(
        n=Count("versions"), low=Min("versions__number"), high=Max("versions__number"))
        .values_list("pk", "state", "version", "n", "low", "high").order_by("pk"))
    for pk, state, version, n, low, high in rows:
        if state in (EntryState.PUBLISHED, EntryState.WITHDRAWN) and version < 1:
            problems.append(f"entry {pk} is {state} without a version")
        elif n != version or (n and (low, high) != (1, version)):
            problems.append(f"entry {pk}: its versions are not 1…{version} "
                            f"({n} found, numbered {low}…{high})")
    return problems


def _file_problems() -> list[str]:
    """Every attachment's stored file is there, with the size recorded for it."""
    problems = []
    field = Attachment._meta.get_field("file")
    for pk, name, size in Attachment._base_manager.values_list(
            "pk", "file", "size").order_by("pk"):
        try:
            found = field.storage.size(name)
        except OSError:  # FileNotFoundError included
            problems.append(f"attachment {pk}: its file {name} is missing")
            continue
        if found != size:
            problems.append(f"attachment {pk}: its file {name} has {found} bytes, "
                            f"{size} recorded")
    return problems
