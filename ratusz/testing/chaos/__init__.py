"""Crash safety: the machinery shared by bench/crash_safety.py and tests/test_crash_safety.py.

`Stack` runs the application as in production on 127.0.0.1, against the PostgreSQL the
caller gives: gunicorn (several workers), one Celery worker with beat (`-B`) and a Redis of
its own on a fixed port, without persistence. `run_trial` then drives submissions
(`POST /api/v1/services/<slug>/submissions`, each with a small PDF) and registrations
(`POST /api/v1/incoming`, optionally followed by `POST /api/v1/cases`) over HTTP, every
request with its own Idempotency-Key and retried with the same key and body after a
connection error, a 5xx or a 429 until it is answered. Meanwhile `Chaos` kills with
SIGKILL, at random moments, a gunicorn worker (the master starts another), the Celery
worker (with its pool and beat; started again after a pause) and once Redis (started again,
empty, on the same port). Afterwards it starts what is down, waits for the receipts (the
sweep `eservices.sweep_receipts` queues again those whose message was lost) and checks the
database: every answered key has exactly one submission or RPW entry, every submission its
own RPW entry, one case and one receipt whose files match their SHA-256, the RPW and case
numbers are gapless and without duplicates, the case records' hash chains hold.

- `world`: the set-up through the services (also that of bench/eservices_submit.py and
  bench/ezd_register.py);
- `processes`: Redis, gunicorn, the Celery worker, and `Stack`;
- `load`: the retrying clients, the ledger of their answers, the chaos thread;
- `checks`: waiting for the receipts, the checks, the figures, `run_trial`.
"""

from ratusz.testing.chaos.checks import Report, check_database, run_trial, wait_for_receipts
from ratusz.testing.chaos.load import Chaos, ChaosPlan, Ledger, TrialOptions, drive
from ratusz.testing.chaos.processes import (
    CeleryWorker,
    RedisServer,
    Stack,
    WebServer,
    app_environment,
    database_url_of,
)
from ratusz.testing.chaos.world import (
    LETTER_FORM,
    SERVICE_SLUG,
    World,
    add_letter_service,
    add_registry_clerk,
    add_resident,
    create_gmina,
    create_world,
    small_pdf,
)

__all__ = ["LETTER_FORM", "SERVICE_SLUG", "CeleryWorker", "Chaos", "ChaosPlan", "Ledger",
           "RedisServer", "Report", "Stack", "TrialOptions", "WebServer", "World",
           "add_letter_service", "add_registry_clerk", "add_resident", "app_environment",
           "check_database", "create_gmina", "create_world", "database_url_of", "drive",
           "run_trial", "small_pdf", "wait_for_receipts"]
