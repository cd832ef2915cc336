"""Readers for settings taken from the environment.

Every setting of Ratusz is read through these helpers in `config/settings/base.py` with a
documented default, so that `docs/settings.md` and the invariant test can list them all.
"""

import os

_UNSET = object()
#: Every variable read so far, with its default; used by the settings documentation test.
READ_VARIABLES: dict[str, object] = {}


def env_str(name: str, default: str | None = None) -> str | None:
    READ_VARIABLES[name] = default
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    READ_VARIABLES[name] = default
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    READ_VARIABLES[name] = default
    raw = os.environ.get(name)
    return default if raw in (None, "") else int(raw)


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    READ_VARIABLES[name] = default or []
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]
