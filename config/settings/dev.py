"""The embedded defaults, used by `make demo` and the manage.py commands.

`manage.py rundemo` points the servers it starts at its own simulators (login.gov.pl and
the SMS gateways, on ports derived from the web port); see ratusz/demo.
"""

from config.settings.base import *  # noqa: F403
