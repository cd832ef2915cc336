"""After the load of a crash trial: the receipts awaited, the database checked against
what the clients were answered, and the figures."""

from __future__ import annotations

import collections
import hashlib
import random
import re
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from ratusz.testing.chaos.load import Chaos, Ledger, TrialOptions, drive
from ratusz.testing.chaos.processes import Stack
from ratusz.testing.chaos.world import World


def receipts_missing(world: World) -> int:
    from ratusz.core.tenancy import tenant_context
    from ratusz.eservices.models import Submission

    with tenant_context(world.municipality):
        return (Submission.objects.for_municipality(world.municipality)
                .filter(receipt_created_at__isnull=True).count())


def wait_for_receipts(world: World, timeout: float) -> tuple[float, int]:
    """Until every submission has its receipt: (seconds waited, how many still lack one)."""
    started = time.monotonic()
    while (missing := receipts_missing(world)) and time.monotonic() - started < timeout:
        time.sleep(0.5)
    return time.monotonic() - started, missing


def _sha256_of(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "missing"


def _gapless(label: str, numbers: dict, counters: dict) -> list[str]:
    """Each sequence (scope, year) → its numbers must be 1..n once each, its counter n."""
    problems = []
    for (scope, year), used in sorted(numbers.items()):
        duplicates = sorted(n for n, count in collections.Counter(used).items() if count > 1)
        gaps = sorted(set(range(1, max(used) + 1)) - set(used))
        if duplicates or gaps:
            problems.append(f"{label} {scope}/{year}: duplicates {duplicates[:10]}, "
                            f"gaps {gaps[:10]}")
        if counters.get((scope, year)) != max(used):
            problems.append(f"{label} {scope}/{year}: counter at "
                            f"{counters.get((scope, year))}, highest number {max(used)}")
    return problems


def check_database(world: World, ledger: Ledger, media: Path) -> tuple[list[str], dict]:
    """Every violation of the promises, one line each, and a few counts."""
    from ratusz.cases.models import Case, Counter, IncomingEntry
    from ratusz.cases.services.integrity import verify_case_records
    from ratusz.core.idempotency import scoped_key
    from ratusz.core.tenancy import tenant_context
    from ratusz.eservices.models import Submission, SubmissionAttachment

    municipality, problems = world.municipality, []
    with tenant_context(municipality):
        submissions = {row.idempotency_key: row for row in
                       Submission.objects.for_municipality(municipality)}
        entries = list(IncomingEntry.objects.for_municipality(municipality))
        cases = list(Case.objects.for_municipality(municipality))
        attachments = collections.defaultdict(list)
        for attachment in SubmissionAttachment.objects.for_municipality(municipality):
            attachments[attachment.submission_id].append(attachment)
        counters = {(counter.scope, counter.year): counter.value
                    for counter in Counter.objects.for_municipality(municipality)}
        chain = verify_case_records(municipality)
    entries_by_key = {entry.idempotency_key: entry for entry in entries if entry.idempotency_key}
    cases_of_entry = collections.defaultdict(list)
    for case in cases:
        cases_of_entry[case.incoming_id].append(case)

    answered = {scoped_key(f"t{world.resident_token_id}", answer.key): answer
                for answer in ledger.of("submission")}
    for key, answer in answered.items():
        submission = submissions.get(key)
        if submission is None or str(submission.public_id) != answer.body.get("id"):
            problems.append(f"submission answered {answer.status} ({answer.body.get('id')}) "
                            f"is not in the database as answered")
            continue
        opened = cases_of_entry[submission.incoming_id]
        if [case.pk for case in opened] != [submission.case_id]:
            problems.append(f"submission {submission.public_id}: cases {len(opened)} of its "
                            f"RPW entry, its own case {submission.case_id}")
        if submission.receipt_created_at is None:
            problems.append(f"submission {submission.public_id}: no receipt")
        elif (_sha256_of(media / submission.receipt_pdf) != submission.receipt_pdf_sha256
              or _sha256_of(media / submission.receipt_xml) != submission.receipt_xml_sha256):
            problems.append(f"submission {submission.public_id}: receipt files differ from "
                            f"their recorded SHA-256")
        files = attachments[submission.pk]
        if len(files) != 1 or _sha256_of(media / files[0].path) != files[0].sha256:
            problems.append(f"submission {submission.public_id}: attachment missing or "
                            f"different")
    shared = [pk for pk, count in collections.Counter(
        row.incoming_id for row in submissions.values()).items() if count > 1]
    if shared:
        problems.append(f"{len(shared)} RPW entries carry two submissions")

    registered = {scoped_key(f"t{world.clerk_token_id}", answer.key): answer
                  for answer in ledger.of("registration")}
    for key, answer in registered.items():
        entry = entries_by_key.get(key)
        if entry is None or entry.pk != answer.body.get("id") or \
                entry.number != answer.body.get("number"):
            problems.append(f"registration answered {answer.status} "
                            f"({answer.body.get('number')}) is not in the database as answered")
    case_requests = collections.Counter(answer.request["incoming_id"]
                                        for answer in ledger.of("case"))
    doubled = [entry for entry in case_requests if len(cases_of_entry[entry]) > 1]
    if doubled:
        problems.append(f"POST /api/v1/cases: {len(doubled)} RPW entries got more than one "
                        f"case (a retry with the same Idempotency-Key opened another)")
    lost_cases = [entry for entry in case_requests if not cases_of_entry[entry]]
    if lost_cases:
        problems.append(f"POST /api/v1/cases: {len(lost_cases)} answered cases not found")

    own_entries = {submission.incoming_id for submission in submissions.values()}
    unanswered = ([key for key in submissions if key not in answered]
                  + [entry.number for entry in entries
                     if entry.pk not in own_entries and entry.idempotency_key not in registered])
    if len(unanswered) > sum(ledger.gave_up.values()):
        problems.append(f"{len(unanswered)} rows committed for requests never answered "
                        f"(clients gave up on {sum(ledger.gave_up.values())}): "
                        f"{unanswered[:5]}")

    rpw = collections.defaultdict(list)
    for entry in entries:
        rpw[(f"rpw:{entry.unit_id}", entry.year)].append(entry.sequence)
    marks = collections.defaultdict(list)
    for case in cases:
        if case.sub_sequence is None:
            marks[(f"case:{case.department_id}:{case.jrwa_symbol}", case.year)].append(
                case.sequence)
    problems += _gapless("RPW", rpw, counters) + _gapless("case marks", marks, counters)
    problems += [f"case record {problem.case_mark} entry {problem.position}: "
                 f"{problem.problem}" for problem in chain.problems]
    counts = {"submissions": len(submissions), "RPW entries": len(entries),
              "cases": len(cases), "case records checked": chain.checked}
    return problems, counts


# --- One trial ------------------------------------------------------------------------------

@dataclass
class Report:
    """The printed figures, every violation, the kills by what was killed and the
    answered requests by kind."""

    figures: list[str]
    problems: list[str]
    kills: collections.Counter
    answered: collections.Counter

    def print(self) -> None:
        for line in self.figures:
            print(line)
        verdict = "MISS" if self.problems else "MET"
        print(f"\ncrash safety: {verdict} ({len(self.problems)} violation(s))")
        for problem in self.problems[:40]:
            print(f"  MISS {problem}")


def worker_log_figures(log: Path) -> dict:
    """From the worker's INFO log: sweeps run, receipts they queued, receipt tasks run,
    error lines."""
    text = log.read_text(errors="replace") if log.exists() else ""
    sweeps = [int(count) for count in re.findall(
        r"eservices\.sweep_receipts\[[^\]]+\] succeeded in [0-9.e-]+s: (\d+)", text)]
    return {"sweeps": len(sweeps), "swept": sum(sweeps),
            "receipt tasks": len(re.findall(r"eservices\.make_receipt\[[^\]]+\] succeeded",
                                            text)),
            "errors": len(re.findall(r": ERROR/|^Traceback", text, re.MULTILINE))}


def _percentiles(values: list[float]) -> str:
    if not values:
        return "–"
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (f"p50 {statistics.median(ordered) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
            f"max {ordered[-1] * 1000:.0f} ms")


def run_trial(stack: Stack, world: World, options: TrialOptions) -> Report:
    """Load and chaos for `options.seconds`, then everything restarted, the receipts
    awaited and the database checked."""
    ledger = Ledger()
    chaos = Chaos(stack, random.Random(options.seed), options.plan,  # noqa: S311
                  options.seconds)
    chaos.start()
    try:
        wall = drive(stack, world, options, ledger)
    finally:
        chaos.stop()
    stack.ensure_up()
    load_end = time.time()
    waited, missing = wait_for_receipts(world, options.receipt_timeout)
    problems, counts = check_database(world, ledger, stack.media)
    if missing:
        problems.insert(0, f"{missing} submissions still without a receipt "
                           f"{options.receipt_timeout:.0f} s after the load")
    problems += ledger.refused[:10]
    figures = _figures(options, stack, world, ledger, chaos, wall, load_end, waited, counts)
    answered = collections.Counter(answer.kind for answer in ledger.answers)
    return Report(figures, problems, chaos.kills, answered)


def _figures(options, stack, world, ledger, chaos, wall, load_end, waited, counts) -> list[str]:
    from django.db.models import Max

    from ratusz.core.tenancy import tenant_context
    from ratusz.eservices.models import Submission

    with tenant_context(world.municipality):
        last = (Submission.objects.for_municipality(world.municipality)
                .aggregate(last=Max("receipt_created_at"))["last"])
    by_kind = {kind: ledger.of(kind) for kind in ("submission", "registration", "case")}
    answered = sum(len(answers) for answers in by_kind.values())
    retried = sum(1 for answer in ledger.answers if answer.attempts > 1)
    log = worker_log_figures(stack.worker.log)
    lines = [
        f"load: {options.submitters} submitting and {options.registrars} registering clients"
        f"{' (each registration followed by POST /api/v1/cases)' if options.open_cases else ''}"
        f" for {options.seconds:.0f} s; gunicorn {stack.web.workers} workers × "
        f"{stack.web.threads} threads, one Celery worker (prefork "
        f"{stack.worker.concurrency}) with beat, receipt sweep every "
        f"{stack.env['RATUSZ_RECEIPT_SWEEP_SECONDS']} s",
        "kills (SIGKILL): " + ", ".join(f"{what} {count}" for what, count
                                        in sorted(chaos.kills.items())),
        f"answered: {answered:,} requests in {wall:.1f} s = {answered / wall:.1f}/s ("
        + ", ".join(f"{kind} {len(answers):,}" for kind, answers in by_kind.items() if answers)
        + f"); {retried} answered after a retry",
        "retries: " + (", ".join(f"{what} {count}" for what, count
                                 in sorted(ledger.retries.items())) or "none")
        + (f"; gave up: {dict(ledger.gave_up)}" if ledger.gave_up else ""),
    ]
    for kind, answers in by_kind.items():
        if answers:
            lines.append(f"  {kind} latency with retries: "
                         f"{_percentiles([answer.seconds for answer in answers])}")
    lines += [
        f"database: {counts['submissions']:,} submissions, {counts['RPW entries']:,} RPW "
        f"entries, {counts['cases']:,} cases ({counts['case records checked']:,} case records "
        f"checked)",
        f"receipts: {counts['submissions']:,} awaited {waited:.1f} s after the load and the "
        f"restarts; the last one made "
        + (f"{last.timestamp() - load_end:.1f} s after them" if last and
           last.timestamp() > load_end else "before they ended"),
        f"worker: {log['receipt tasks']:,} receipt tasks run, {log['sweeps']} sweeps queued "
        f"{log['swept']:,} receipts again, {log['errors']} error lines in its log",
    ]
    return lines
