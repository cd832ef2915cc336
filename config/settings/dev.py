"""The embedded defaults, used by `make demo` and the manage.py commands."""

import os  # noqa: E402

from config.settings.base import *  # noqa: F403

if "RATUSZ_SMS_GATEWAYS" not in os.environ:
    # `make demo` starts the SMS gateway simulator here (both protocols, one process).
    RATUSZ_SMS_GATEWAYS = [
        {"name": "smsapi", "kind": "smsapi", "url": "http://127.0.0.1:8091/smsapi",
         "token": "demo-sms-token"},
        {"name": "serwersms", "kind": "serwersms", "url": "http://127.0.0.1:8091/serwersms",
         "token": "demo-sms-token"},
    ]
