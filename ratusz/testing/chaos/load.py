"""The load of a crash trial and the chaos beside it: clients that retry every request
with the same Idempotency-Key and body until it is answered, and a thread that kills a
gunicorn worker, the Celery worker and once Redis at random moments."""

from __future__ import annotations

import base64
import collections
import http.client
import json
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date

from ratusz.testing.chaos.processes import Stack
from ratusz.testing.chaos.world import NAMES, SUBJECTS, SUBMISSIONS_PATH, World, small_pdf


@dataclass
class ChaosPlan:
    """When to kill what: intervals in seconds, drawn uniformly; Redis once, at a share of
    the load's duration."""

    web_every: tuple[float, float] = (3.0, 6.0)
    #: Only a gunicorn worker that has run this long is killed: one still booting serves
    #: nothing yet, and killing every worker as soon as it is up leaves no server at all.
    web_min_age: float = 6.0
    worker_every: tuple[float, float] = (10.0, 20.0)
    worker_down: tuple[float, float] = (1.0, 4.0)
    redis_at: tuple[float, float] = (0.3, 0.6)
    redis_down: tuple[float, float] = (1.0, 3.0)


class Chaos(threading.Thread):
    """Kills at random moments for `seconds` (what it killed is started again when its
    pause ends, even after that), then stops; counts what it killed."""

    def __init__(self, stack: Stack, rnd: random.Random, plan: ChaosPlan, seconds: float):
        super().__init__(name="chaos", daemon=True)
        self.stack, self.rnd, self.plan, self.seconds = stack, rnd, plan, seconds
        self.kills: collections.Counter = collections.Counter()
        self.stopping = threading.Event()

    def _after(self, interval: tuple[float, float]) -> float:
        return time.monotonic() + self.rnd.uniform(*interval)

    def run(self) -> None:
        ends = time.monotonic() + self.seconds
        next_web = self._after(self.plan.web_every)
        next_worker = self._after(self.plan.worker_every)
        redis_at = time.monotonic() + self.seconds * self.rnd.uniform(*self.plan.redis_at)
        worker_back = redis_back = None
        while not self.stopping.wait(0.05):
            now = time.monotonic()
            killing = now < ends
            if killing and now >= next_web:
                if self.stack.web.kill_worker(self.rnd, min_age=self.plan.web_min_age):
                    self.kills["gunicorn worker"] += 1
                next_web = self._after(self.plan.web_every)
            if killing and worker_back is None and now >= next_worker:
                self.stack.worker.kill()
                self.kills["celery worker"] += 1
                worker_back = self._after(self.plan.worker_down)
            elif worker_back is not None and now >= worker_back:
                self.stack.worker.start()
                worker_back, next_worker = None, self._after(self.plan.worker_every)
            if killing and redis_at is not None and now >= redis_at:
                self.stack.redis.kill()
                self.kills["redis"] += 1
                redis_at, redis_back = None, self._after(self.plan.redis_down)
            elif redis_back is not None and now >= redis_back:
                self.stack.redis.start()
                redis_back = None
            if not killing and worker_back is None and redis_back is None:
                return

    def stop(self) -> None:
        self.stopping.set()
        self.join()


# --- Load ------------------------------------------------------------------------------------

@dataclass
class Answer:
    kind: str
    key: str
    status: int
    body: dict
    attempts: int
    seconds: float
    request: dict = field(default_factory=dict)


class Ledger:
    """What the clients were answered, and every retry (thread-safe)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.answers: list[Answer] = []
        self.retries: collections.Counter = collections.Counter()
        self.gave_up: collections.Counter = collections.Counter()
        self.refused: list[str] = []

    def of(self, kind: str) -> list[Answer]:
        return [answer for answer in self.answers if answer.kind == kind]


class ApiClient:
    """One keep-alive connection; `post` retries with the same key and body until an
    answer that is neither a 5xx nor a 429 comes."""

    def __init__(self, port: int, token: str, ledger: Ledger, give_up_at: float):
        self.port, self.ledger, self.give_up_at = port, ledger, give_up_at
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        self.connection = None
        #: Set by a refusal (a 4xx other than 429): the client stops, the trial reports it.
        self.refused = False

    def _once(self, path: str, body: bytes, key: str) -> tuple[int, bytes]:
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {**self.headers, **({"Idempotency-Key": key} if key else {})}
        self.connection.request("POST", path, body=body, headers=headers)
        response = self.connection.getresponse()
        return response.status, response.read()

    def post(self, kind: str, path: str, payload: dict, key: str = "") -> Answer | None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        started, attempts = time.monotonic(), 0
        while True:
            attempts += 1
            try:
                status, content = self._once(path, body, key)
            except (OSError, http.client.HTTPException):
                reason = "connection"
                if self.connection is not None:
                    self.connection.close()
                self.connection = None
            else:
                if status < 500 and status != 429:
                    answer = Answer(kind, key, status, _json(content), attempts,
                                    time.monotonic() - started, payload)
                    with self.ledger.lock:
                        if status in (200, 201):
                            self.ledger.answers.append(answer)
                        else:
                            self.ledger.refused.append(f"{kind} {status}: {content[:200]!r}")
                            self.refused = True
                    return answer if status in (200, 201) else None
                reason = str(status)
            with self.ledger.lock:
                self.ledger.retries[f"{kind} after {reason}"] += 1
            if time.monotonic() > self.give_up_at:
                with self.ledger.lock:
                    self.ledger.gave_up[kind] += 1
                return None
            time.sleep(min(0.05 * attempts, 1.0))


def _json(content: bytes) -> dict:
    try:
        return json.loads(content)
    except ValueError:
        return {}


def submit_letter(client: ApiClient, rnd: random.Random, world: World) -> None:
    first, last = rnd.choice(NAMES)
    nonce = uuid.UUID(int=rnd.getrandbits(128)).hex
    data = {"first_name": first, "last_name": last, "subject": rnd.choice(SUBJECTS),
            "content": "Proszę o zajęcie się sprawą opisaną w załączniku. " * 4,
            "files": [{"filename": "skan.pdf",
                       "content": base64.b64encode(small_pdf(nonce)).decode()}]}
    client.post("submission", SUBMISSIONS_PATH, {"data": data}, key=uuid.uuid4().hex)


def register_letter(client: ApiClient, rnd: random.Random, world: World,
                    open_case: bool) -> None:
    first, last = rnd.choice(NAMES)
    entry = client.post("registration", "/api/v1/incoming", {
        "title": rnd.choice(SUBJECTS), "sender": {"name": f"{first} {last}"},
        "received_on": date.today().isoformat(), "channel": "post"}, key=uuid.uuid4().hex)
    if entry is not None and open_case:
        client.post("case", "/api/v1/cases", {
            "title": entry.request["title"], "jrwa_symbol": world.jrwa_symbol,
            "department": world.department.symbol, "incoming_id": entry.body["id"]},
            key=uuid.uuid4().hex)


@dataclass
class TrialOptions:
    seconds: float = 60
    submitters: int = 4
    registrars: int = 4
    open_cases: bool = True
    pause: float = 0.0  # between one client's requests
    receipt_timeout: float = 300
    give_up_after: float = 120  # a request still unanswered this long after the load
    seed: int = 15
    plan: ChaosPlan = field(default_factory=ChaosPlan)


def drive(stack: Stack, world: World, options: TrialOptions, ledger: Ledger) -> float:
    """Run the clients for `options.seconds`; each finishes its last request. Returns the
    wall time."""
    deadline = time.monotonic() + options.seconds
    give_up_at = deadline + options.give_up_after

    def client_loop(number: int, token: str, action) -> None:
        client = ApiClient(stack.web.port, token, ledger, give_up_at)
        rnd = random.Random(options.seed * 1000 + number)  # noqa: S311 - load data
        while time.monotonic() < deadline and not client.refused:
            action(client, rnd, world)
            if options.pause:
                time.sleep(options.pause)

    def register(client, rnd, world):
        register_letter(client, rnd, world, options.open_cases)

    threads = [threading.Thread(target=client_loop, args=(n, world.resident_token,
                                                          submit_letter))
               for n in range(options.submitters)]
    threads += [threading.Thread(target=client_loop, args=(100 + n, world.clerk_token,
                                                           register))
                for n in range(options.registrars)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started
