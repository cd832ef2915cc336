"""Check that the cluster behaves as one platform (issue 22, item 2), against the web hosts
one by one and through HAProxy:

    python scripts/cluster/check.py

1. HAProxy spreads requests over the three web hosts (its `X-Served-By` header).
2. A session signed in on web1 continues on web2 and web3.
3. A password lockout (django-axes) counted on all three hosts locks on each.
4. A rate limit (subscriptions to notifications, 20 an hour per address) counted on all
   three hosts refuses on each.
5. An edit made through web1 (an alert by the API: the banner of every public page and a
   new page-cache generation) shows on the cached BIP home of every host: the time each
   host took, against the bound RATUSZ_PAGE_CACHE_CHECK_SECONDS +
   RATUSZ_REPLICA_MAX_LAG_SECONDS (+ the replica's second renewal).
6. Tasks queued by the web hosts run on the worker hosts: both workers answer a ping, and
   the receipts of submissions filed on web2 and web3 are made (no web host runs tasks).
7. The replica (item 3): row-level security holds on the real streaming replica (the
   application's role sees nothing without a gmina, and only its gmina's rows with one);
   GETs of the API are read there (its committed transactions grow); a registration made
   on web1 is read at once on web2 by the same token (read-your-writes); every web host's
   /metrics exports the replica's lag.

Exit status 0 when every check holds. Needs `make cluster` first.
"""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cluster  # noqa: E402

HOST_HEADER = cluster.address("lb")
PAGE_CHECK_SECONDS = 1.0
REPLICA_MAX_LAG_SECONDS = 2.0
results: list[tuple[str, bool, str]] = []


class Browser:
    """Cookies and CSRF over plain http.client, to one address."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, address: str, method: str, path: str, body: dict | None = None,
                headers: dict | None = None, port: int = cluster.WEB_PORT):
        connection = http.client.HTTPConnection(address, port, timeout=30)
        sent = {"Host": HOST_HEADER, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            data = urlencode(body)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=data, headers=sent)
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        connection.close()
        return response.status, response.headers, text

    def csrf(self, address: str, path: str) -> str:
        _status, _headers, text = self.request(address, "GET", path)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text)
        return match.group(1) if match else ""


def record(name: str, ok: bool, detail: str) -> None:
    results.append((name, ok, detail))
    print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}", flush=True)


def web(host: str) -> str:
    return cluster.address(host)


def check_spread() -> None:
    seen: dict[str, int] = {}
    for _ in range(30):
        connection = http.client.HTTPConnection(cluster.address("lb"), 80, timeout=10)
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        response.read()
        host = response.headers.get("X-Served-By", "?")
        seen[host] = seen.get(host, 0) + 1
        connection.close()
    record("HAProxy spreads requests", set(seen) == set(cluster.WEB_HOSTS),
           f"30 requests answered by {seen}")


def check_session(demo: dict) -> None:
    account = demo["municipalities"][0]["users"]["resident"]
    browser = Browser()
    token = browser.csrf(web("web1"), "/auth/login/")
    status, headers, _ = browser.request(
        web("web1"), "POST", "/auth/login/",
        {"csrfmiddlewaretoken": token, "username": account["username"],
         "password": account["password"]})
    signed_in = status == 302 and "sessionid" in browser.cookies
    pages = {}
    for host in cluster.WEB_HOSTS:
        status, headers, _text = browser.request(web(host), "GET", "/account/")
        pages[host] = status
    record("a session started on web1 continues on web2 and web3",
           signed_in and all(code == 200 for code in pages.values()),
           f"sign-in on web1 {'made a session' if signed_in else 'failed'}; "
           f"/account/ answered {pages}")


def check_lockout() -> None:
    username = f"cluster-check-{uuid.uuid4().hex[:8]}"
    statuses = []
    for attempt in range(6):
        host = cluster.WEB_HOSTS[attempt % 3]
        browser = Browser()
        token = browser.csrf(web(host), "/auth/login/")
        status, _headers, _ = browser.request(
            web(host), "POST", "/auth/login/",
            {"csrfmiddlewaretoken": token, "username": username, "password": "wrong-" + host})
        statuses.append((host, status))
    # AXES_FAILURE_LIMIT 5: the fifth failure locks (its answer is the lockout page).
    locked = [code for _h, code in statuses] == [200, 200, 200, 200, 429, 429]
    record("a password lockout counted on three hosts locks on each", locked,
           "six wrong passwords for one name on web1, web2, web3 in turn answered "
           f"{statuses}: the fifth (web2) and sixth (web3) locked")


def forget_rate_limit(pattern: str) -> None:
    """A check run earlier in the same hour counted already: start from nothing."""
    redis = ["redis-cli", "-h", cluster.address("redis"), "-p", str(cluster.REDIS_PORT)]
    keys = subprocess.run([*redis, "--scan", "--pattern", pattern], capture_output=True,
                          text=True, check=False).stdout.split()
    if keys:
        subprocess.run([*redis, "del", *keys], capture_output=True, check=False)


def check_rate_limit(demo: dict) -> None:
    forget_rate_limit("*ratelimit:notify-subscribe:*")
    slug = demo["municipalities"][1]["slug"]
    path = f"/g/{slug}/powiadomienia/"
    refused_at = None
    for attempt in range(1, 23):
        host = cluster.WEB_HOSTS[attempt % 3]
        browser = Browser()
        token = browser.csrf(web(host), path)
        _status, _headers, text = browser.request(web(host), "POST", path,
                                                  {"csrfmiddlewaretoken": token})
        if "Zbyt wiele prób z tego adresu" in text or "Too many attempts" in text:
            refused_at = (attempt, host)
            break
    record("a rate limit counted on three hosts refuses on each",
           refused_at is not None and refused_at[0] == 21,
           f"limit 20 an hour per address; refused at attempt {refused_at} "
           "(attempts spread over web1, web2, web3)")


def api(address: str, method: str, path: str, token: str, body: dict | None = None,
        key: str | None = None, port: int = cluster.WEB_PORT):
    connection = http.client.HTTPConnection(address, port, timeout=30)
    headers = {"Host": HOST_HEADER, "Authorization": f"Bearer {token}",
               "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    connection.request(method, path, body=json.dumps(body) if body is not None else None,
                       headers=headers)
    response = connection.getresponse()
    text = response.read().decode()
    connection.close()
    return response.status, (json.loads(text) if text.startswith(("{", "[")) else text)


def check_edit_visible(demo: dict) -> None:
    gmina = demo["municipalities"][2]
    path = f"/g/{gmina['slug']}/bip/"
    for host in cluster.WEB_HOSTS:  # every host has the page in its cache
        for _ in range(3):
            Browser().request(web(host), "GET", path)
    headline = f"Kontrola klastra {uuid.uuid4().hex[:6]}"
    now = datetime.now(UTC)
    status, body = api(web("web1"), "POST", "/api/v1/alerts", gmina["api_token"], {
        "event": "Test klastra", "headline": headline,
        "description": "Sprawdzenie, czy zmiana widać na każdym serwerze.",
        "severity": "Minor", "urgency": "Expected", "certainty": "Likely",
        "topic": "events", "channels": ["email"],
        "expiry": (now + timedelta(minutes=10)).isoformat()}, key=uuid.uuid4().hex)
    made = time.monotonic()
    seen_after: dict[str, float | None] = dict.fromkeys(cluster.WEB_HOSTS)
    deadline = made + 15
    while time.monotonic() < deadline and None in seen_after.values():
        for host in cluster.WEB_HOSTS:
            if seen_after[host] is None:
                _s, _h, text = Browser().request(web(host), "GET", path)
                if headline in text:
                    seen_after[host] = round(time.monotonic() - made, 2)
        time.sleep(0.05)
    bound = PAGE_CHECK_SECONDS + REPLICA_MAX_LAG_SECONDS
    ok = status == 201 and all(v is not None and v <= bound for v in seen_after.values())
    record("an edit through web1 shows on the cached BIP page of every host", ok,
           f"alert {status}; seen after {seen_after} s (bound {bound:.0f} s)")


def celery_inspect(what: str) -> str:
    values = cluster.secrets_file()
    env = cluster.app_env(values)
    return subprocess.run(
        cluster.in_host("web3", str(cluster.VENV_BIN / "celery"), "-A", "config", "inspect",
                        what, "--timeout", "5", "--json"),
        capture_output=True, text=True, cwd=cluster.ROOT, env=env, check=False).stdout


def check_tasks(demo: dict) -> None:
    pong = celery_inspect("ping")
    workers = sorted(re.findall(r'"(worker\d)@ratusz"', pong))
    gmina = demo["municipalities"][3]
    example = {"first_name": "Jan", "last_name": "Kowalski", "street": "Lipowa",
               "building": "12", "flat": "3", "postal_code": "20-020", "city": "Lublin",
               "email": "jan.kowalski@example.com", "subject": "Kontrola klastra",
               "content": "Proszę o informację o terminie odbioru odpadów."}
    filed = {}
    for host in ("web2", "web3"):
        status, body = api(web(host), "POST", "/api/v1/services/pismo-ogolne/submissions",
                           gmina["resident_token"], {"data": example}, key=uuid.uuid4().hex)
        filed[host] = (status, body.get("id") if isinstance(body, dict) else None)
    ready = {}
    deadline = time.monotonic() + 60
    for host, (_status, public_id) in filed.items():
        while public_id and time.monotonic() < deadline:
            code, _ = api(web("web1"), "GET", f"/api/v1/submissions/{public_id}/receipt.xml",
                          gmina["resident_token"])
            if code == 200:
                ready[host] = True
                break
            time.sleep(0.5)
    record("tasks queued by the web hosts run on the worker hosts",
           workers == ["worker1", "worker2"] and len(ready) == 2,
           f"workers answering a ping: {workers}; submissions {filed}; receipts made: "
           f"{sorted(ready)}")


def replica_counts() -> int:
    """Transactions committed on the replica's `ratusz` database so far."""
    return int(cluster.psql(
        "db2", "SELECT xact_commit FROM pg_stat_database WHERE datname = 'ratusz'"))


def check_replica(demo: dict) -> None:
    import psycopg

    values = cluster.secrets_file()
    gmina = demo["municipalities"][1]
    everyone = int(cluster.psql("db2", "SELECT count(*) FROM cases_incomingentry", "ratusz"))
    with psycopg.connect(host=cluster.address("db2"), port=cluster.PG_PORT, dbname="ratusz",
                         user="ratusz", password=values["db_password"],
                         autocommit=True) as connection:
        in_recovery = connection.execute("SELECT pg_is_in_recovery()").fetchone()[0]
        gmina_id = connection.execute("SELECT id FROM core_municipality WHERE slug = %s",
                                      [gmina["slug"]]).fetchone()[0]
        unset = connection.execute("SELECT count(*) FROM cases_incomingentry").fetchone()[0]
        connection.execute("SELECT set_config('ratusz.municipality_id', %s, false)",
                           [str(gmina_id)])
        own, foreign = connection.execute(
            "SELECT count(*), count(*) FILTER (WHERE municipality_id <> %s) "
            "FROM cases_incomingentry", [gmina_id]).fetchone()
    record("row-level security holds on the streaming replica",
           in_recovery and unset == 0 and 0 < own < everyone and foreign == 0,
           f"db2 in recovery: {in_recovery}; the application role sees {unset} incoming "
           f"entries without a gmina, {own} with {gmina['slug']}'s ({foreign} of another "
           f"gmina), of {everyone} in all gminy")

    before = replica_counts()
    statuses = []
    for n in range(20):
        status, _ = api(web(cluster.WEB_HOSTS[n % 3]), "GET", "/api/v1/cases?limit=5",
                        gmina["api_token"])
        statuses.append(status)
    read_there = replica_counts() - before
    record("GETs of the API are read from the replica",
           set(statuses) == {200} and read_there >= 20,
           f"20 GET /api/v1/cases on web1-3 answered {sorted(set(statuses))}; the "
           f"replica committed {read_there} transactions meanwhile")

    status, body = api(web("web1"), "POST", "/api/v1/incoming", gmina["api_token"], {
        "title": f"Kontrola repliki {uuid.uuid4().hex[:6]}", "received_on":
        datetime.now(UTC).date().isoformat(), "channel": "post",
        "sender": {"kind": "person", "first_name": "Anna", "last_name": "Nowak",
                   "city": "Lublin"}}, key=uuid.uuid4().hex)
    entry = body.get("id") if isinstance(body, dict) else None
    read_status, _ = api(web("web2"), "GET", f"/api/v1/incoming/{entry}", gmina["api_token"])
    record("a write on web1 is read at once on web2 by its writer",
           status == 201 and read_status == 200,
           f"POST /api/v1/incoming on web1 {status}; GET of it on web2 right after: "
           f"{read_status} (pinned to the primary for RATUSZ_REPLICA_PIN_SECONDS)")

    exported = {}
    for host in cluster.WEB_HOSTS:
        connection = http.client.HTTPConnection(web(host), cluster.WEB_PORT, timeout=30)
        connection.request("GET", "/metrics", headers={
            "Host": HOST_HEADER, "Authorization": f"Bearer {values['metrics_token']}"})
        response = connection.getresponse()
        text = response.read().decode()
        connection.close()
        lag = re.search(r"^ratusz_database_replica_lag_seconds (\S+)$", text, re.M)
        usable = re.search(r"^ratusz_database_replica_usable (\S+)$", text, re.M)
        exported[host] = (float(lag.group(1)) if lag else None,
                          usable.group(1) if usable else None)
    record("every web host exports the replica's lag in /metrics",
           all(lag is not None and lag <= REPLICA_MAX_LAG_SECONDS and usable == "1"
               for lag, usable in exported.values()),
           f"(lag seconds, usable) per host: {exported}")


def main() -> int:
    demo = json.loads((cluster.STATE / "demo.json").read_text())
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and set(cluster.backend_states().values()) != {"UP"}:
        time.sleep(0.5)
    check_spread()
    check_session(demo)
    check_lockout()
    check_rate_limit(demo)
    check_edit_visible(demo)
    check_tasks(demo)
    check_replica(demo)
    failed = [name for name, ok, _ in results if not ok]
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
