"""Crash safety (issue 15), the suite's smaller version of bench/crash_safety.py: for about
fifteen seconds two residents' applications file letters and two registry systems register
letters over HTTP, each request with its own Idempotency-Key and retried with the same key
and body until it is answered, while gunicorn workers, the Celery worker (with its pool
and beat) and once Redis are killed with SIGKILL at random moments and started again.
Afterwards every answered key has exactly one submission or RPW entry, every submission
its own RPW entry, one case and, once the worker is back, one receipt (the sweep queues
again those whose message was lost); the RPW and case numbers have no gaps and no
duplicates, the case records' hash chains hold.

Real processes against the test database: PostgreSQL only (several processes write at
once), and only in the run that has REDIS_URL (`make test-postgres`); the Redis it kills
is its own, on a port of its own.
"""

import os
import secrets

import pytest
from django.db import connection

from ratusz.testing.chaos import ChaosPlan, Stack, TrialOptions, create_world, run_trial
from ratusz.testing.chaos.processes import database_url_of

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"),
                       reason="needs the PostgreSQL and Redis of `make test-postgres`"),
]

OPTIONS = TrialOptions(
    seconds=15, submitters=2, registrars=2, open_cases=True, pause=0.05,
    receipt_timeout=30, give_up_after=40, seed=15,
    plan=ChaosPlan(web_every=(2.0, 3.5), web_min_age=4.0, worker_every=(4.0, 6.0),
                   worker_down=(0.5, 1.0), redis_at=(0.5, 0.7), redis_down=(0.5, 1.0)))


@pytest.mark.django_db(transaction=True)
def test_nothing_answered_is_lost_or_doubled_when_processes_are_killed(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("several processes write at once: PostgreSQL only")
    # Given the gmina, its letter service and the two tokens, committed for the servers
    var = tmp_path / "var"
    world = create_world(secrets.token_urlsafe(18), var)

    # When the load runs while the processes are killed, and everything is started again
    with Stack(var, database_url_of(connection.settings_dict), web_workers=2,
               web_threads=4, worker_concurrency=1, sweep_seconds=2) as stack:
        report = run_trial(stack, world, OPTIONS)

    # Then the kills happened, requests were answered, and nothing was lost or doubled
    story = "\n".join(report.figures + report.problems)
    print(story)  # the trial's figures, shown by `pytest -rP`
    assert report.kills["gunicorn worker"] >= 2, story
    assert report.kills["celery worker"] >= 1, story
    assert report.kills["redis"] == 1, story
    # (few on a busy machine: a worker's first submission loads much of the application)
    assert report.answered["submission"] >= 1, story
    assert report.answered["registration"] >= 5, story
    assert report.answered["case"] >= 3, story
    assert report.problems == [], story
