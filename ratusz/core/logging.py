"""Request ids for structured logs."""

import contextvars
import logging

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


def log_event(logger: logging.Logger, event: str, **fields) -> None:
    """Log a named event with structured fields (they become JSON keys)."""
    logger.info(event, extra=fields)

client_ip_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "client_ip", default=None
)
