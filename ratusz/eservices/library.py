"""The platform-wide library of standard municipal services (ratusz/eservices/library/)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

LIBRARY_DIR = Path(__file__).resolve().parent / "library"


@cache
def library_services() -> tuple[dict, ...]:
    """Every library service definition, sorted by slug (read once per process)."""
    definitions = []
    for path in sorted(LIBRARY_DIR.glob("*.json")):
        with path.open(encoding="utf-8") as handle:
            definitions.append(json.load(handle))
    return tuple(definitions)


def library_service(slug: str) -> dict | None:
    return next((item for item in library_services() if item["slug"] == slug), None)
