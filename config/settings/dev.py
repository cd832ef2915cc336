"""The embedded defaults, used by `make demo` and the manage.py commands."""

from config.settings.base import *  # noqa: F403
