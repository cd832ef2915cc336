"""A resident's rights under the RODO (GDPR) across every app: access and portability
(art. 15 and 20) and erasure (art. 17) where the law allows it.

Each app knows its own personal data, so each registers, in its AppConfig.ready(), a
*provider*: what it holds about a person in a gmina (`export`), and what it can erase or
anonymise and what it must keep and why (`plan`, then `erase`). Core only collects: it
imports no app. The accounts app offers the pages (the resident's download, the
administrator's erasure) and records both in the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Section:
    """What one app holds about the person: a title and records (plain JSON values)."""

    key: str
    title: str
    records: list[dict]


@dataclass
class Retained:
    """Data that stays, and why (the law that keeps it, until when)."""

    what: str
    reason: str
    until: str = ""


@dataclass
class ErasurePlan:
    """What an erasure would do in one app."""

    key: str
    erasable: list[str] = field(default_factory=list)
    retained: list[Retained] = field(default_factory=list)
    #: Reasons that stop the whole erasure now (a pending case, say).
    blockers: list[str] = field(default_factory=list)


@dataclass
class Provider:
    key: str
    export: Callable  # (municipality, user) -> list[Section]
    plan: Callable  # (municipality, user) -> ErasurePlan
    erase: Callable  # (municipality, user) -> dict of counts; inside the caller's transaction


_PROVIDERS: dict[str, Provider] = {}


def register(provider: Provider) -> None:
    _PROVIDERS[provider.key] = provider


def providers() -> list[Provider]:
    return [_PROVIDERS[key] for key in sorted(_PROVIDERS)]


def export_all(municipality, user) -> list[Section]:
    """Everything every app holds about `user` in this gmina."""
    sections: list[Section] = []
    for provider in providers():
        sections.extend(provider.export(municipality, user))
    return sections


def plan_all(municipality, user) -> list[ErasurePlan]:
    return [provider.plan(municipality, user) for provider in providers()]
