"""E-service submissions over the API end to end, on a throw-away PostgreSQL and Redis.

    .venv/bin/python bench/eservices_submit.py [--seconds 20] [--clients 16] [--workers 3]
        [--threads 8] [--receipt-workers 1] [--receipts 50] [--drain-timeout 300] [--quick]

Starts PostgreSQL and Redis (ratusz.testing.services), migrates, creates a gmina with one
department, the shipped JRWA, a resident with an API token (resident.self) and a published
service `pismo-ogolne` (a letter form: `content` up to 20,000 characters, one PDF of at
most 1 MB in `files`), all through the services. Then starts gunicorn (gthread,
persistent database connections) and --receipt-workers Celery workers (`--pool solo`, one
task at a time each) on Redis, with the settings of config.settings.dev: receipts are
queued after commit and sealed by the workers (RATUSZ_RECEIPTS_ON_DEMAND and Celery's
eager mode, test settings, are not set).

Phase 1 drives --clients keep-alive clients for --seconds, each repeating

    POST /api/v1/services/pismo-ogolne/submissions   → 201
        {"data": {first_name, last_name, subject, content: ~20 KB of Polish text,
                  files: [{"filename": "skan.pdf", "content": base64 of a ~200 KB PDF}]}}
        with a unique Idempotency-Key

(validation, inspection and storage of the file, RPW entry, case, submission, receipt
and e-mail queued). The PDF is one A4 page: a line of text over an embedded ~200 KB JPEG
(noise, incompressible); every request's PDF differs by a random nonce in its document
information dictionary (metadata), so every file has its own SHA-256 and is stored
(content-addressed storage would otherwise keep one copy). It prints submissions/s,
latency p50/p99/max and errors by status; then waits for the workers to seal every
receipt of the phase and prints how long after its submission each receipt was ready
(receipt_created_at - submitted_at) and how long the queue took to drain.

Then: the SQL queries of one submission (the whole API request, run in this process with
django.test.Client, and services.submit alone), and phase 2: --receipts fresh submissions
(made here with the receipt not queued) whose receipts are made one after another in this
process as the worker's task does (fetch + receipts.make_receipt), with the time split
into XML build, XAdES seal, PDF render (WeasyPrint), PAdES seal and the rest (fetch,
storage, record). One process, one at a time: that is the rate of one worker of
concurrency 1.

The load generator (Python threads), the server, the workers, PostgreSQL and Redis share
the machine's cores, so the figures are a floor. The test cluster runs with fsync and
synchronous_commit off.
"""

from __future__ import annotations

import argparse
import base64
import collections
import http.client
import io
import json
import os
import platform
import random
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace

from _common import ROOT, free_port, gunicorn, machine_cpu, process_cpu, stop, wait_for_port

from ratusz.testing.chaos.world import (
    LETTER_FORM,
    SERVICE_SLUG,
    add_letter_service,
    add_resident,
    create_gmina,
)

GOAL_SUBMISSIONS_PER_SECOND = 150
GOAL_RECEIPT_SECONDS = 2.0
PATH = f"/api/v1/services/{SERVICE_SLUG}/submissions"
CONTENT_CHARS = LETTER_FORM["schema"]["properties"]["content"]["maxLength"]
TARGET_CONTENT_BYTES = 20 * 1024
TARGET_PDF_BYTES = 200 * 1024

SUBJECTS = ["Oświetlenie ulicy Polnej", "Dziura w drodze gminnej", "Wycinka drzewa przy szkole",
            "Hałas z zakładu stolarskiego", "Odbiór odpadów wielkogabarytowych",
            "Zimowe utrzymanie chodników", "Przystanek autobusowy w Snopkowie",
            "Zalewanie posesji po ulewach"]
NAMES = [("Ewa", "Mazur"), ("Jan", "Kowalski"), ("Zofia", "Wiśniewska"), ("Piotr", "Nowak"),
         ("Anna", "Zielińska"), ("Łukasz", "Wójcik"), ("Małgorzata", "Kamińska"),
         ("Grzegorz", "Lewandowski")]
SENTENCES = [
    "Zwracam się z uprzejmą prośbą o pilne zajęcie się sprawą opisaną poniżej.",
    "Od kilku tygodni mieszkańcy naszej ulicy zgłaszają ten sam problem sołtysowi.",
    "Sytuacja zagraża bezpieczeństwu pieszych, zwłaszcza dzieci idących do szkoły.",
    "W załączeniu przesyłam skan dokumentacji fotograficznej wykonanej w zeszły czwartek.",
    "Proszę o informację, w jakim terminie gmina planuje przeprowadzić niezbędne prace.",
    "Wcześniejsze zgłoszenie telefoniczne nie przyniosło żadnego skutku.",
    "Uprzejmie proszę o odpowiedź na piśmie na adres podany w formularzu.",
    "Zaznaczam, że problem nasila się po każdych intensywnych opadach deszczu.",
    "Właściciele sąsiednich działek gotowi są złożyć wyjaśnienia w tej sprawie.",
    "Żółty znak ostrzegawczy przy skrzyżowaniu jest od dawna nieczytelny.",
    "Mieszkańcy wsi Snopków oczekują rzetelnej informacji o podjętych działaniach.",
    "Dziękuję za dotychczasową współpracę i liczę na szybkie rozpatrzenie wniosku.",
]


# --- Set-up -------------------------------------------------------------------------------

def create_bench_gmina(password: str) -> SimpleNamespace:
    """A gmina with one department, the shipped JRWA, the letter service and a resident
    with an API token; made through the services (ratusz.testing.chaos.world)."""
    from ratusz.cases import signing
    from ratusz.core.tenancy import tenant_context

    gmina = create_gmina()
    department = gmina.departments[0]
    service = add_letter_service(gmina.municipality, department)
    resident, _token, secret = add_resident(gmina.municipality, password)
    with tenant_context(gmina.municipality):
        # The unit's e-seal is made on first use; made here so no run pays for it.
        signing.ensure_unit_seal(gmina.office)
    return SimpleNamespace(municipality=gmina.municipality, office=gmina.office,
                           department=department, service=service, resident=resident,
                           token=secret)


def polish_text(rnd: random.Random, target_bytes: int) -> str:
    """Paragraphs of Polish sentences, about `target_bytes` in UTF-8 and at most
    CONTENT_CHARS characters."""
    parts, size = [], 0
    while True:
        paragraph = " ".join(rnd.choice(SENTENCES) for _ in range(rnd.randint(3, 6)))
        piece = paragraph + "\n\n"
        if size + len(piece.encode()) > target_bytes:
            break
        parts.append(piece)
        size += len(piece.encode())
    text = "".join(parts).strip()
    assert len(text) <= CONTENT_CHARS, len(text)
    return text


class ScanPdf:
    """A valid one-page PDF: a line of text over an embedded ~200 KB JPEG. `make(nonce)`
    gives the same document with a different /Keywords in its information dictionary;
    the bytes before that dictionary are fixed (and a multiple of 3 long), so the base64
    of the request is the precomputed base64 of the prefix plus that of a short tail."""

    NONCE_CHARS = 32

    def __init__(self, seed: int = 0):
        jpeg, width, height = self._jpeg(seed)
        content = (b"q 515 0 0 728 40 60 cm /Im1 Do Q\n"
                   b"BT /F1 11 Tf 40 800 Td (Skan dokumentacji - Gmina Benchowo) Tj ET\n")
        objects = [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> /XObject << /Im1 6 0 R >> >> >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
            b"/Encoding /WinAnsiEncoding >>",
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
            b"/BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n"
            % (width, height, len(jpeg)) + jpeg + b"\nendstream",
        ]
        prefix = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, body in enumerate(objects, start=1):
            offsets.append(len(prefix))
            prefix += b"%d 0 obj\n" % number + body + b"\nendobj\n"
        while (len(prefix) + 2) % 3:
            prefix += b" "
        prefix += b"%\n"
        self.prefix = bytes(prefix)
        self.prefix_b64 = base64.b64encode(self.prefix).decode()
        self.offsets = [*offsets, len(self.prefix)]

    @staticmethod
    def _jpeg(seed: int) -> tuple[bytes, int, int]:
        from PIL import Image

        rnd = random.Random(seed)  # noqa: S311 - image noise
        width, height = 400, 566
        for _ in range(8):
            image = Image.frombytes("L", (width, height), rnd.randbytes(width * height))
            out = io.BytesIO()
            image.save(out, "JPEG", quality=60)
            size = out.tell()
            if abs(size - (TARGET_PDF_BYTES - 1500)) < 3000:
                break
            scale = ((TARGET_PDF_BYTES - 1500) / size) ** 0.5
            width, height = int(width * scale), int(height * scale)
        return out.getvalue(), width, height

    def tail(self, nonce: str) -> bytes:
        assert len(nonce) == self.NONCE_CHARS
        info = (b"7 0 obj\n<< /Producer (ratusz bench) /Title (Skan) /Keywords (%s) >>\n"
                b"endobj\n" % nonce.encode())
        xref_at = len(self.prefix) + len(info)
        xref = b"xref\n0 8\n0000000000 65535 f \n" + b"".join(
            b"%010d 00000 n \n" % offset for offset in self.offsets)
        trailer = (b"trailer\n<< /Size 8 /Root 1 0 R /Info 7 0 R >>\nstartxref\n%d\n%%%%EOF\n"
                   % xref_at)
        return info + xref + trailer

    def make(self, nonce: str) -> bytes:
        return self.prefix + self.tail(nonce)

    def make_b64(self, nonce: str) -> str:
        return self.prefix_b64 + base64.b64encode(self.tail(nonce)).decode()


class Bodies:
    """Request bodies: a few prepared variants (subject, name, text), the PDF per call."""

    PLACEHOLDER = "@@PDF@@"

    def __init__(self, pdf: ScanPdf, variants: int = 8):
        self.pdf = pdf
        rnd = random.Random(7)  # noqa: S311 - load-test data
        self.variants = []
        for index in range(variants):
            first, last = NAMES[index % len(NAMES)]
            data = {"first_name": first, "last_name": last,
                    "subject": SUBJECTS[index % len(SUBJECTS)],
                    "content": polish_text(rnd, TARGET_CONTENT_BYTES),
                    "files": [{"filename": "skan.pdf", "content": self.PLACEHOLDER}]}
            text = json.dumps({"data": data}, ensure_ascii=False)
            head, tail = text.split(self.PLACEHOLDER)
            self.variants.append(((head + pdf.prefix_b64).encode(), tail.encode(), data))
        self.form_bytes = len(json.dumps(
            {key: value for key, value in self.variants[0][2].items() if key != "files"},
            ensure_ascii=False).encode())
        self.content_chars = len(self.variants[0][2]["content"])

    def body(self, rnd: random.Random) -> bytes:
        head, tail, _data = rnd.choice(self.variants)
        nonce = f"{rnd.getrandbits(128):032x}"
        return head + base64.b64encode(self.pdf.tail(nonce)) + tail

    def data_and_file(self, rnd: random.Random):
        _head, _tail, data = rnd.choice(self.variants)
        answers = {key: value for key, value in data.items() if key != "files"}
        return answers, self.pdf.make(f"{rnd.getrandbits(128):032x}")


# --- HTTP load ------------------------------------------------------------------------------

class Client:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, port: int, token: str):
        self.port = port
        self.headers = {"Authorization": f"Bearer {token}",
                        "Content-Type": "application/json"}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def post(self, path: str, payload: bytes, headers: dict) -> tuple[int, bytes]:
        for attempt in range(2):
            try:
                self.connection.request("POST", path, body=payload,
                                        headers={**self.headers, **headers})
                response = self.connection.getresponse()
                return response.status, response.read()
            except (OSError, http.client.HTTPException):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port,
                                                             timeout=60)
                if attempt:
                    raise
        raise AssertionError("unreachable")


def drive(port: int, token: str, bodies: Bodies, clients: int, seconds: float, run: str):
    """`clients` threads posting submissions until the time runs out. Returns the wall
    time, the latencies and public ids of the 201s, and the failures by status."""
    latencies: list[float] = []
    ids: list[str] = []
    failures: collections.Counter = collections.Counter()
    first_failure: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(number: int) -> None:
        client = Client(port, token)
        rnd = random.Random(f"{run}-{number}")  # noqa: S311 - load-test data
        mine, my_ids, failed = [], [], collections.Counter()
        sent = 0
        while time.monotonic() < deadline:
            sent += 1
            payload = bodies.body(rnd)
            key = f"bench-{run}-{number}-{sent}"
            started = time.perf_counter()
            try:
                status, body = client.post(PATH, payload, {"Idempotency-Key": key})
            except Exception as error:  # noqa: BLE001 - counted and shown
                failed[type(error).__name__] += 1
                if not first_failure:
                    first_failure.append(repr(error))
                continue
            elapsed = time.perf_counter() - started
            if status == 201:
                mine.append(elapsed)
                my_ids.append(json.loads(body)["id"])
            else:
                failed[str(status)] += 1
                if not first_failure:
                    first_failure.append(f"{status}: {body[:300]!r}")
        with lock:
            latencies.extend(mine)
            ids.extend(my_ids)
            failures.update(failed)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return (time.monotonic() - started, latencies, ids, failures,
            first_failure[0] if first_failure else "")


def percentile(ordered: list[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def summary_ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    if not ordered:
        return "p50 – / p99 – / max – ms"
    return (f"p50 {statistics.median(ordered) * 1000:.0f} / p99 "
            f"{percentile(ordered, 0.99) * 1000:.0f} / max {ordered[-1] * 1000:.0f} ms")


def wait_for_workers(count: int) -> None:
    from config.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=1.0) or []
        if len(replies) >= count:
            return
    raise RuntimeError("the Celery workers did not answer a ping within 60 s")


def machine_facts() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    return (f"{os.cpu_count()} cores ({model or platform.machine()}), load average {load}, "
            f"Python {platform.python_version()}")


# --- Receipt latency ----------------------------------------------------------------------

def pending_receipts(municipality) -> int:
    from ratusz.core.tenancy import tenant_context
    from ratusz.eservices.models import Submission

    with tenant_context(municipality):
        return Submission.objects.filter(receipt_created_at__isnull=True).count()


def drain(municipality, timeout: float) -> tuple[float, int]:
    """Wait until no submission lacks its receipt; (seconds waited, still missing)."""
    started = time.monotonic()
    missing = pending_receipts(municipality)
    while missing and time.monotonic() - started < timeout:
        time.sleep(0.5)
        missing = pending_receipts(municipality)
    return time.monotonic() - started, missing


def receipt_times(municipality, ids: list[str]) -> list[tuple]:
    from ratusz.core.tenancy import tenant_context
    from ratusz.eservices.models import Submission

    rows = []
    with tenant_context(municipality):
        for start in range(0, len(ids), 2000):
            rows += list(Submission.objects.filter(public_id__in=ids[start:start + 2000])
                         .values_list("submitted_at", "receipt_created_at"))
    return rows


# --- Main -----------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker")
    parser.add_argument("--receipt-workers", type=int, default=1,
                        help="Celery worker processes (concurrency 1 each)")
    parser.add_argument("--receipts", type=int, default=50,
                        help="receipts made in-process in phase 2")
    parser.add_argument("--drain-timeout", type=float, default=300)
    parser.add_argument("--warmup", type=float, default=None,
                        help="seconds of warm-up load before phase 1 (default 4, quick 1)")
    parser.add_argument("--keep-files", action="store_true",
                        help="keep the uploads, receipts, e-mails and worker log")
    parser.add_argument("--show-queries", action="store_true",
                        help="print the SQL of the captured submission")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 3 s, 4 clients, 5 receipts")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.clients, args.receipts = 3, 4, 5
        args.drain_timeout = min(args.drain_timeout, 120)
    if args.warmup is None:
        args.warmup = 1 if args.quick else 4

    from ratusz.testing.services import postgres_server, redis_server

    print(f"machine: {machine_facts()}")
    with postgres_server() as database_url, redis_server() as redis_url:
        var = tempfile.mkdtemp(prefix="ratusz-bench-")
        try:
            run(args, database_url, redis_url, var)
        finally:
            if args.keep_files:
                print(f"files kept in {var}")
            else:
                shutil.rmtree(var, ignore_errors=True)
    return 0


def run(args, database_url: str, redis_url: str, var: str) -> None:
    os.makedirs(os.path.join(var, "static"), exist_ok=True)
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "RATUSZ_VAR_DIR": var, "DJANGO_SETTINGS_MODULE": "config.settings.dev",
           "DEBUG": "0", "LOG_LEVEL": "WARNING"}
    for name in ("RATUSZ_RECEIPTS_ON_DEMAND", "CELERY_TASK_ALWAYS_EAGER"):
        env.pop(name, None)
    os.environ.clear()
    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    assert not getattr(settings, "RATUSZ_RECEIPTS_ON_DEMAND", False)
    started = time.monotonic()
    call_command("migrate", verbosity=0)
    password = secrets.token_urlsafe(18)
    world = create_bench_gmina(password)
    pdf = ScanPdf()
    bodies = Bodies(pdf)
    check_pdf(pdf)
    print(f"set-up (migrate, gmina, JRWA, service, resident) "
          f"{time.monotonic() - started:.1f} s; settings "
          f"{os.environ['DJANGO_SETTINGS_MODULE']}, receipts queued to Celery on Redis")
    print(f"request: form {bodies.form_bytes / 1024:.1f} KB ({bodies.content_chars:,} "
          f"characters of text) + skan.pdf {len(pdf.make('0' * 32)) / 1024:.0f} KB "
          f"(one page, JPEG inside; a random nonce in the PDF's metadata makes every "
          f"file different, so each is stored), body "
          f"{len(bodies.body(random.Random(0))) / 1024:.0f} KB")
    connections.close_all()

    port = free_port()
    celery_log = Path(var) / "celery.log"
    processes: list[subprocess.Popen] = []
    try:
        server = subprocess.Popen(
            gunicorn(port, "--workers", str(args.workers), "--worker-class", "gthread",
                     "--threads", str(args.threads), "--keep-alive", "30",
                     "--log-level", "warning"),
            cwd=ROOT, env=env)
        processes.append(server)
        celery = []
        with celery_log.open("ab") as log:
            for number in range(args.receipt_workers):
                celery.append(subprocess.Popen(
                    [str(Path(sys.executable).with_name("celery")), "-A", "config",
                     "--quiet", "worker", "--pool", "solo", "--concurrency", "1",
                     "-n", f"receipts{number}@%h", "--loglevel", "WARNING",
                     "--without-gossip", "--without-mingle"],
                    cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
                processes.append(celery[-1])
        wait_for_port(port)
        wait_for_workers(args.receipt_workers)
        phase_one(args, port, world, bodies, server, celery, redis_url)
        count_queries(args, world, bodies)
    finally:
        for process in processes:
            stop(process)
        report_worker_log(celery_log)
    connections.close_all()
    phase_two(args, world, bodies)
    print(f"\nmachine after: {machine_facts()}")


def report_worker_log(path: Path) -> None:
    """Task failures of the workers, if any (their output goes to a file)."""
    lines = path.read_text(errors="replace").splitlines() if path.exists() else []
    problems = [line for line in lines if "ERROR" in line or "Traceback" in line]
    if problems:
        print(f"\nCelery workers logged {len(problems)} error line(s) ({path}); first:")
        start = lines.index(problems[0])
        for line in lines[start:start + 30]:
            print(f"  {line}")


def check_pdf(pdf: ScanPdf) -> None:
    from pypdf import PdfReader

    from ratusz.cases.documents import inspect_upload

    data = pdf.make("f" * 32)
    assert len(PdfReader(io.BytesIO(data)).pages) == 1
    inspection = inspect_upload("skan.pdf", data)
    assert inspection.content_type == "application/pdf", inspection.content_type


def phase_one(args, port: int, world, bodies: Bodies, server, celery, redis_url: str) -> None:
    import redis

    queue = redis.Redis.from_url(redis_url)
    print(f"\ngunicorn {args.workers} workers × {args.threads} threads; "
          f"{args.receipt_workers} Celery worker(s) (solo pool, one task at a time); "
          f"{args.clients} keep-alive clients")
    if args.warmup:
        wall, latencies, _ids, failures, first = drive(port, world.token, bodies,
                                                       args.clients, args.warmup, "warmup")
        waited, missing = drain(world.municipality, args.drain_timeout)
        print(f"warm-up: {len(latencies)} submissions in {wall:.1f} s"
              f"{f', failures {dict(failures)}' if failures else ''}; their receipts "
              f"drained in {waited:.1f} s{f' ({missing} still missing)' if missing else ''}")
        if first:
            print(f"  first failure: {first}")

    cpu_before = {"gunicorn": process_cpu(server.pid),
                  "celery": sum(process_cpu(process.pid) for process in celery)}
    usage = resource.getrusage(resource.RUSAGE_SELF)
    busy_before = machine_cpu()
    wall, latencies, ids, failures, first = drive(port, world.token, bodies, args.clients,
                                                  args.seconds, "load")
    load_ended = time.time()
    after = resource.getrusage(resource.RUSAGE_SELF)
    busy_after = machine_cpu()
    queued = queue.llen("celery")
    missing_at_end = pending_receipts(world.municipality)
    cpu = {"gunicorn (with child processes)": process_cpu(server.pid) - cpu_before["gunicorn"],
           "celery": sum(process_cpu(process.pid) for process in celery)
           - cpu_before["celery"],
           "load generator": (after.ru_utime + after.ru_stime - usage.ru_utime
                              - usage.ru_stime)}
    rate = len(latencies) / wall
    verdict = "MET" if rate >= GOAL_SUBMISSIONS_PER_SECOND else "MISS"
    print(f"\nphase 1, {args.seconds:.0f} s of load:")
    print(f"  submissions: {len(latencies):,} in {wall:.1f} s = {rate:.1f}/s "
          f"(goal ≥ {GOAL_SUBMISSIONS_PER_SECOND}/s: {verdict})")
    print(f"  latency (201): {summary_ms(latencies)}")
    failed = sum(failures.values())
    print(f"  errors: {failed}" + (f" by status {dict(sorted(failures.items()))}"
                                   if failed else ""))
    if first:
        print(f"  first error: {first}")
    machine_busy = ((busy_after[0] - busy_before[0]) / max(busy_after[1] - busy_before[1], 1)
                    * (os.cpu_count() or 1))
    others = machine_busy - sum(cpu.values()) / wall
    print("  CPU during load (cores): " + ", ".join(
        f"{name} {seconds / wall:.2f}" for name, seconds in cpu.items())
        + f", the rest (PostgreSQL, Redis, …) {max(others, 0):.2f}; "
        f"machine busy {machine_busy:.2f} of {os.cpu_count()}")
    print(f"  at the end of the load: {missing_at_end} submissions without receipt, "
          f"{queued} tasks in the Redis queue (receipts and e-mails)")

    waited, missing = drain(world.municipality, args.drain_timeout)
    rows = receipt_times(world.municipality, ids)
    ready = sorted((made - submitted).total_seconds() for submitted, made in rows
                   if made is not None)
    not_ready = len(rows) - len(ready)
    made_in_load = sum(1 for _submitted, made in rows
                       if made is not None and made.timestamp() <= load_ended)
    made_after = len(ready) - made_in_load
    within = sum(1 for value in ready if value <= GOAL_RECEIPT_SECONDS)
    print(f"\nreceipts of phase 1 ({len(rows):,} submissions):")
    print(f"  queue drained {waited:.1f} s after the load stopped"
          + (f"; {missing} submissions still without receipt after --drain-timeout "
             f"{args.drain_timeout:.0f} s" if missing else ""))
    if ready:
        everything = ready + [float("inf")] * not_ready
        print(f"  ready after submission: p50 {statistics.median(everything):.1f} s, "
              f"p99 {percentile(everything, 0.99):.1f} s, max "
              f"{everything[-1]:.1f} s")
    p99 = percentile(ready + [float("inf")] * not_ready, 0.99) if rows else float("inf")
    verdict = "MET" if rows and p99 <= GOAL_RECEIPT_SECONDS else "MISS"
    print(f"  ready within {GOAL_RECEIPT_SECONDS:.0f} s: {within:,} of {len(rows):,} "
          f"({within / max(len(rows), 1):.0%}); goal (p99 ≤ {GOAL_RECEIPT_SECONDS:.0f} s "
          f"at {rate:.0f} submissions/s): {verdict}")
    workers = args.receipt_workers
    print(f"  sealed by the worker(s): {made_in_load} during the load "
          f"({made_in_load / wall / workers:.1f}/s per worker, sharing the cores), "
          f"{made_after} after it"
          + (f" ({made_after / waited / workers:.1f}/s per worker, the cores mostly theirs)"
             if made_after and waited > 0.5 else "")
          + "; each also sends one e-mail")


def count_queries(args, world, bodies: Bodies) -> None:
    """SQL of one submission: the whole API request in this process, then services.submit
    alone."""
    from django.db import connection
    from django.test import Client as DjangoClient
    from django.test.utils import CaptureQueriesContext

    from ratusz.core.tenancy import tenant_context
    from ratusz.eservices import services
    from ratusz.eservices.models import Service

    client = DjangoClient()
    payload = bodies.body(random.Random(1))
    with CaptureQueriesContext(connection) as request_queries:
        response = client.post(PATH, data=payload, content_type="application/json",
                               HTTP_AUTHORIZATION=f"Bearer {world.token}",
                               HTTP_IDEMPOTENCY_KEY="bench-queries-1")
    if response.status_code != 201:
        print(f"\nSQL per submission: the request answered {response.status_code}: "
              f"{response.content[:300]!r}")
        return
    answers, data = bodies.data_and_file(random.Random(2))
    with tenant_context(world.municipality):
        service = Service.objects.select_related("current_form").get(pk=world.service.pk)
        with CaptureQueriesContext(connection) as submit_queries:
            services.submit(service, data=answers, resident=world.resident,
                            files=[services.UploadedFile("files", "skan.pdf", data)],
                            idempotency_key="bench-queries-2", strict=True)

    def kinds(captured) -> str:
        counter = collections.Counter(query["sql"].split(None, 1)[0].upper()
                                      for query in captured.captured_queries)
        return ", ".join(f"{kind} {count}" for kind, count in counter.most_common())

    print(f"\nSQL per submission: {len(request_queries)} queries for the whole API request "
          f"({kinds(request_queries)}); {len(submit_queries)} in services.submit alone "
          f"({kinds(submit_queries)})")
    if args.show_queries:
        for query in request_queries.captured_queries:
            print(f"  {query['sql'][:300]}")


class Split:
    """Time spent in some functions, by label, while the block runs: each function is
    replaced on its module by a timing wrapper and put back afterwards."""

    def __init__(self, targets: list[tuple[object, str, str]]):
        self.targets = targets
        self.parts: dict[str, float] = collections.defaultdict(float)
        self.originals: list[tuple[object, str, object]] = []
        self.called: set[str] = set()

    def __enter__(self) -> Split:
        for module, name, label in self.targets:
            original = getattr(module, name)
            self.originals.append((module, name, original))
            setattr(module, name, self._timed(label, original))
        return self

    def __exit__(self, *exc) -> None:
        for module, name, original in reversed(self.originals):
            setattr(module, name, original)

    def _timed(self, label: str, function):
        def wrapper(*arguments, **keywords):
            self.called.add(label)
            started = time.perf_counter()
            try:
                return function(*arguments, **keywords)
            finally:
                self.parts[label] += time.perf_counter() - started
        return wrapper

    def add(self, label: str, seconds: float) -> None:
        self.called.add(label)
        self.parts[label] += seconds

    def print(self, labels: list[str], total: float, count: int, rest: str) -> None:
        accounted = 0.0
        for label in labels:
            accounted += self.parts[label]
            print(f"    {label:<36} {self.parts[label] / count * 1000:7.1f} ms  "
                  f"{self.parts[label] / total:4.0%}"
                  + ("" if label in self.called else "  (not called)"))
        other = total - accounted
        print(f"    {rest:<36} {other / count * 1000:7.1f} ms  {other / total:4.0%}")


def phase_two(args, world, bodies: Bodies) -> None:
    """Receipts made one after another in this process, as the worker's task makes them.
    The submissions they are for are made here first (timed too, one at a time)."""
    from django.test.utils import override_settings

    from ratusz.cases import documents, signing
    from ratusz.cases import services as ezd
    from ratusz.core.tenancy import tenant_context
    from ratusz.eservices import forms_engine, receipts, services
    from ratusz.eservices.models import Service, Submission

    rnd = random.Random(3)  # noqa: S311 - load-test data
    made_ids, submit_times = [], []
    submit_split = Split([
        (services, "decode_api_attachments", "base64 decode"),
        (forms_engine, "validate", "form validation"),
        (documents, "_refuse_active_pdf", "PDF active-content check (pypdf)"),
        (documents, "extract_text", "PDF text extraction (pypdf)"),
        (documents, "make_preview", "PDF preview (pdftoppm)"),
        (ezd, "store_checked_file", "store the file"),
        (services, "_record", "transaction: RPW, case, submission"),
    ])
    with tenant_context(world.municipality), override_settings(RATUSZ_RECEIPTS_ON_DEMAND=True):
        # RECEIPTS_ON_DEMAND here only, so these submissions wait for this phase.
        service = Service.objects.select_related("current_form").get(pk=world.service.pk)
        schema = service.current_form.schema
        with submit_split:
            for number in range(args.receipts + 1):
                body = bodies.body(rnd)
                if number == 1:
                    submit_split.parts.clear()
                started = time.perf_counter()
                payload = json.loads(body)
                submit_split.add("JSON parse", time.perf_counter() - started)
                answers, files, errors = services.decode_api_attachments(schema,
                                                                         payload["data"])
                assert not errors, errors
                submission, _created = services.submit(
                    service, data=answers, resident=world.resident, files=files,
                    idempotency_key=f"bench-receipts-{number}", strict=True)
                if number:
                    submit_times.append(time.perf_counter() - started)
                made_ids.append(submission.pk)
        assert not Submission.objects.filter(pk__in=made_ids,
                                             receipt_created_at__isnull=False).exists()

    total, count = sum(submit_times), len(submit_times)
    print(f"\none submission in this process, one at a time, no HTTP ({count} submissions, "
          f"JSON body to commit; the server does this plus HTTP, auth and the response):")
    print(f"  {count / total:.1f} submissions/s; per submission {summary_ms(submit_times)}")
    submit_split.print(["JSON parse", "base64 decode", "form validation",
                        "PDF active-content check (pypdf)", "PDF text extraction (pypdf)",
                        "PDF preview (pdftoppm)", "store the file",
                        "transaction: RPW, case, submission"], total, count,
                       "the rest (inspection's SHA-256, …)")

    receipt_split = Split([
        (receipts, "build_upo_xml", "XML build"),
        (signing, "seal_xml", "XAdES seal"),
        (receipts, "render_receipt_pdf", "PDF render (WeasyPrint)"),
        (signing, "seal_pdf", "PAdES seal"),
    ])
    durations = []
    with tenant_context(world.municipality), receipt_split:
        for index, submission_id in enumerate(made_ids):
            started = time.perf_counter()
            submission = Submission.objects.select_related(
                "service", "form_version", "incoming__unit", "case", "municipality").get(
                pk=submission_id)
            made = receipts.make_receipt(submission)
            elapsed = time.perf_counter() - started
            assert made.receipt_created_at is not None
            if index == 0:
                # The first one loads WeasyPrint's fonts and the seal: not counted.
                receipt_split.parts.clear()
                first = elapsed
                continue
            durations.append(elapsed)

    total, count = sum(durations), len(durations)
    print(f"\nphase 2, sealed receipts in one process (one worker of concurrency 1), "
          f"{count} receipts after one not counted ({first * 1000:.0f} ms, start-up):")
    print(f"  {count / total:.1f} receipts/s per worker; per receipt {summary_ms(durations)}")
    receipt_split.print(["XML build", "XAdES seal", "PDF render (WeasyPrint)", "PAdES seal"],
                        total, count, "fetch, store files, record")

if __name__ == "__main__":
    raise SystemExit(main())
