"""Where the providers are: read from the settings (documented in docs/exchange.md; the
lead adds them to config/settings/base.py), with defaults that need nothing set.

- `EXCHANGE_EDELIVERY_URL`: the e-Doręczenia UA API (and address base) root; empty: the
  exchange sends and fetches nothing (messages wait in the outbox).
- `EXCHANGE_EDELIVERY_TOKEN`: the bearer token for it.
- `EXCHANGE_EDELIVERY_TRUST_ANCHOR`: a PEM file of the CA certificates whose evidences are
  trusted (default: the simulator's CA in var/exchange/).
- `EXCHANGE_EPUAP_PULL_URL`, `EXCHANGE_EPUAP_SUBJECT`: the ePUAP pull service and the
  public body's identifier (podmiot); empty URL: ePUAP inboxes are not fetched.
- `EXCHANGE_TIMEOUT`: seconds per provider request (10).
- `EXCHANGE_QUARANTINE_DUPLICATES`: a message with the same sender and content as one
  already registered is quarantined for the clerk (True).
"""

from __future__ import annotations

import os

from django.conf import settings

from ratusz.exchange.edelivery import EDeliveryClient
from ratusz.exchange.epuap import EpuapPullClient

_clients: dict = {}


def setting(name: str, default):
    """The Django setting, else the environment variable of the same name (until the
    settings module reads them), else the default."""
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
        if value is not None and isinstance(default, bool):
            value = value.lower() in ("1", "true", "yes", "on")
    return default if value is None else value


def trust_anchor() -> str:
    return str(setting("EXCHANGE_EDELIVERY_TRUST_ANCHOR",
                       settings.VAR_DIR / "exchange" / "edelivery-ca.pem"))


def edelivery() -> EDeliveryClient | None:
    url = setting("EXCHANGE_EDELIVERY_URL", "")
    if not url:
        return None
    key = ("edelivery", url, setting("EXCHANGE_EDELIVERY_TOKEN", ""))
    if key not in _clients:
        _clients[key] = EDeliveryClient(url, key[2],
                                        timeout=float(setting("EXCHANGE_TIMEOUT", 10)))
    return _clients[key]


def epuap() -> EpuapPullClient | None:
    url = setting("EXCHANGE_EPUAP_PULL_URL", "")
    if not url:
        return None
    key = ("epuap", url, setting("EXCHANGE_EPUAP_SUBJECT", ""))
    if key not in _clients:
        _clients[key] = EpuapPullClient(url, subject=key[2],
                                        timeout=float(setting("EXCHANGE_TIMEOUT", 10)))
    return _clients[key]
