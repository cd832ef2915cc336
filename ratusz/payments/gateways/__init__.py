"""Adapters for online payment gateways. One protocol (`base.Gateway`), one adapter per
gateway; Przelewy24's REST API is the one built. PayU (OpenPayU) and Autopay would be
further adapters behind the same protocol."""

from ratusz.payments.gateways.base import (
    Gateway,
    GatewayCredentials,
    GatewayError,
    GatewayRefused,
    GatewayStatus,
    Notification,
    Refusal,
    Registered,
    RegisterRequest,
    SignatureError,
)
from ratusz.payments.gateways.przelewy24 import Przelewy24

ADAPTERS = {"przelewy24": Przelewy24}


def adapter_for(kind: str, credentials: GatewayCredentials) -> Gateway:
    return ADAPTERS[kind](credentials)


__all__ = ["ADAPTERS", "Gateway", "GatewayCredentials", "GatewayError", "GatewayRefused",
           "GatewayStatus", "Notification", "Przelewy24", "Refusal", "RegisterRequest",
           "Registered", "SignatureError", "adapter_for"]
