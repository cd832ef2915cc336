"""Ratusz as a cluster on one machine: every host in its own network namespace.

    python scripts/cluster/cluster.py up        # make cluster
    python scripts/cluster/cluster.py down      # make cluster-down
    python scripts/cluster/cluster.py status
    python scripts/cluster/cluster.py stop HOST | start HOST   # the faults bench uses these

Hosts (network 10.22.0.0/24 on the bridge `rtz22br`, whose end in this machine's own
namespace is 10.22.0.1; no route leads anywhere else):

| host | address | runs |
|---|---|---|
| lb | 10.22.0.10 | HAProxy: :80 to the web hosts, statistics on :8404 |
| web1, web2, web3 | 10.22.0.11-13 | gunicorn (2 workers x 4 threads) on :8000 |
| worker1, worker2 | 10.22.0.21-22 | Celery (4 threads); worker1 also runs beat |
| redis | 10.22.0.30 | Redis :6379 (append-only file): broker, results, shared cache |
| db1 | 10.22.0.41 | PostgreSQL primary :5432, PgBouncer :6432 (transaction pooling) |
| db2 | 10.22.0.42 | PostgreSQL streaming replica :5432 (made with pg_basebackup) |

Everything lives under var/cluster/ (data, logs, pid files); the shared volume every app
host reaches for stored files is var/cluster/shared/ (RATUSZ_VAR_DIR of every app host).
Only processes this script started are stopped, by the pid files it wrote (checked against
/proc/<pid>/cmdline), never by name.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STATE = ROOT / "var" / "cluster"
SHARED = STATE / "shared"
PIDS = STATE / "pids"
LOGS = STATE / "logs"
VENV_BIN = Path(sys.executable).parent

NET = "10.22.0"
BRIDGE = "rtz22br"
GATEWAY = f"{NET}.1"
PREFIX = "rtz22-"
HOSTS = {"lb": 10, "web1": 11, "web2": 12, "web3": 13, "worker1": 21, "worker2": 22,
         "redis": 30, "db1": 41, "db2": 42}
WEB_HOSTS = ("web1", "web2", "web3")
WORKER_HOSTS = ("worker1", "worker2")
WEB_PORT = 8000
PG_PORT = 5432
POOLER_PORT = 6432
REDIS_PORT = 6379
LB_URL = f"http://{NET}.10"
#: HAProxy's health check: every second, a host is out after two failures.
CHECK_INTER_MS = 1000
CHECK_FALL = 2
CHECK_RISE = 2


def address(host: str) -> str:
    return f"{NET}.{HOSTS[host]}"


def namespace(host: str) -> str:
    return PREFIX + host


def log(message: str) -> None:
    print(f"[cluster] {message}", flush=True)


def run(*command: str, check: bool = True, quiet: bool = False, **kwargs):
    result = subprocess.run(command, check=False, capture_output=True, text=True, **kwargs)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}): "
                           f"{result.stderr.strip() or result.stdout.strip()}")
    if not quiet and result.stdout.strip():
        print(result.stdout.strip(), flush=True)
    return result


def in_host(host: str, *command: str, user: str | None = None) -> list[str]:
    """The command run in the host's namespace (as `user` when given)."""
    prefix = ["ip", "netns", "exec", namespace(host)]
    if user:
        prefix += ["setpriv", f"--reuid={user}", f"--regid={user}", "--init-groups"]
    return [*prefix, *command]


def postgres_bin(name: str) -> str:
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
    if not versions:
        raise RuntimeError(f"{name} not found: install the postgresql package")
    return str(versions[0])


def secrets_file() -> dict:
    path = STATE / "secrets.json"
    if path.exists():
        return json.loads(path.read_text())
    values = {"secret_key": secrets.token_urlsafe(60), "db_password": secrets.token_hex(16),
              "replication_password": secrets.token_hex(16),
              "metrics_token": secrets.token_hex(24)}
    path.write_text(json.dumps(values))
    path.chmod(0o600)
    return values


# --- The network ----------------------------------------------------------------------------


def network_up() -> None:
    if run("ip", "link", "show", BRIDGE, check=False, quiet=True).returncode != 0:
        run("ip", "link", "add", BRIDGE, "type", "bridge")
        run("ip", "addr", "add", f"{GATEWAY}/24", "dev", BRIDGE)
    run("ip", "link", "set", BRIDGE, "up")
    existing = run("ip", "netns", "list", quiet=True).stdout
    for host in HOSTS:
        ns = namespace(host)
        if ns not in existing.split():
            run("ip", "netns", "add", ns)
        if run("ip", "link", "show", ns, check=False, quiet=True).returncode != 0:
            run("ip", "link", "add", ns, "type", "veth", "peer", "name", "eth0", "netns", ns)
            run("ip", "-n", ns, "addr", "add", f"{address(host)}/24", "dev", "eth0")
        run("ip", "link", "set", ns, "master", BRIDGE, "up")
        run("ip", "-n", ns, "link", "set", "eth0", "up")
        run("ip", "-n", ns, "link", "set", "lo", "up")
    log(f"network {NET}.0/24: {len(HOSTS)} hosts on bridge {BRIDGE}")


def network_down() -> None:
    existing = run("ip", "netns", "list", check=False, quiet=True).stdout.split()
    for host in HOSTS:
        if namespace(host) in existing:
            run("ip", "netns", "del", namespace(host), check=False)
        run("ip", "link", "del", namespace(host), check=False, quiet=True)
    run("ip", "link", "del", BRIDGE, check=False, quiet=True)


def set_link(host: str, up: bool) -> None:
    """Cut (or restore) a host's cable: the host is gone from the network, not stopped."""
    run("ip", "link", "set", namespace(host), "up" if up else "down")


# --- Processes ----------------------------------------------------------------------------


def pid_path(name: str) -> Path:
    return PIDS / f"{name}.pid"


def spawn(name: str, command: list[str], env: dict | None = None, cwd: Path = ROOT) -> int:
    """Start a long-running process in its own session; remember its pid and program."""
    PIDS.mkdir(parents=True, exist_ok=True)
    LOGS.mkdir(parents=True, exist_ok=True)
    with open(LOGS / f"{name}.log", "ab") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, env=env, cwd=cwd,
                                   start_new_session=True)
    # `ip netns exec` and `setpriv` exec the program: the pid stays the program's.
    program = next(Path(part).name for part in command
                   if part.startswith("/") and "setpriv" not in part and part != "ip")
    pid_path(name).write_text(f"{process.pid}\n{program}\n")
    return process.pid


def ours(name: str) -> int | None:
    """The pid of our process `name` if it still runs the program we started (a pid
    reused by another program is not ours)."""
    path = pid_path(name)
    if not path.exists():
        return None
    pid_text, program = (path.read_text().splitlines() + [""])[:2]
    try:
        cmdline = Path(f"/proc/{int(pid_text)}/cmdline").read_bytes().replace(b"\0", b" ")
        stat = Path(f"/proc/{int(pid_text)}/stat").read_text()
    except (OSError, ValueError):
        return None
    if stat.rsplit(")", 1)[1].split()[0] == "Z" or program.encode() not in cmdline:
        return None
    return int(pid_text)


def terminate(name: str, timeout: float = 20, sig: int = signal.SIGTERM) -> None:
    """Stop our process `name` and its session (process group); SIGKILL after timeout."""
    pid = ours(name)
    if pid is None:
        pid_path(name).unlink(missing_ok=True)
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
        _reap(pid)
        time.sleep(0.1)
    if Path(f"/proc/{pid}").exists():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        time.sleep(0.2)
        _reap(pid)
    pid_path(name).unlink(missing_ok=True)


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def wait_for(host_address: str, port: int, timeout: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host_address, port), 0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{what or host_address}:{port} did not answer within {timeout:.0f} s")


# --- PostgreSQL -----------------------------------------------------------------------------


def pg_dir(host: str) -> Path:
    return STATE / host


def pg_ctl(host: str, action: str, *extra: str) -> None:
    run(*in_host(host, postgres_bin("pg_ctl"), "-D", str(pg_dir(host) / "data"), "-w",
                 "-l", str(pg_dir(host) / "postgresql.log"), *extra, action, user="postgres"),
        quiet=True)


def postgres_running(host: str) -> bool:
    pidfile = pg_dir(host) / "data" / "postmaster.pid"
    if not pidfile.exists():
        return False
    pid = int(pidfile.read_text().split()[0])
    return Path(f"/proc/{pid}").exists()


def psql(host: str, sql: str, database: str = "postgres") -> str:
    return run(*in_host(host, postgres_bin("psql"), "-h", str(pg_dir(host) / "run"),
                        "-p", str(PG_PORT), "-U", "postgres", "-d", database, "-v",
                        "ON_ERROR_STOP=1", "-Atq", "-c", sql, user="postgres"),
               quiet=True).stdout.strip()


def primary_up(values: dict) -> None:
    base = pg_dir("db1")
    data = base / "data"
    fresh = not data.exists()
    _own_folder(base)
    (base / "run").mkdir(exist_ok=True)
    _own_folder(base / "run")
    if fresh:
        run(*in_host("db1", postgres_bin("initdb"), "-D", str(data), "-U", "postgres",
                     "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
                     "--locale=C.UTF-8", user="postgres"), quiet=True)
        _postgres_conf(base, "db1")
        with open(data / "pg_hba.conf", "a") as hba:
            hba.write(f"host replication replicator {NET}.0/24 scram-sha-256\n"
                      f"host all ratusz {NET}.0/24 scram-sha-256\n"
                      "host all ratusz 127.0.0.1/32 scram-sha-256\n")
    if not postgres_running("db1"):
        pg_ctl("db1", "start")
    if fresh:
        psql("db1", "ALTER FUNCTION ts_match_vq(tsvector, tsquery) LEAKPROOF", "template1")
        psql("db1", f"CREATE ROLE ratusz LOGIN NOSUPERUSER NOBYPASSRLS "
                    f"PASSWORD '{values['db_password']}'")
        psql("db1", "CREATE DATABASE ratusz OWNER ratusz")
        psql("db1", f"CREATE ROLE replicator LOGIN REPLICATION "
                    f"PASSWORD '{values['replication_password']}'")
    log(f"PostgreSQL primary on db1 {address('db1')}:{PG_PORT}")


def _postgres_conf(base: Path, host: str) -> None:
    with open(base / "data" / "postgresql.conf", "a") as conf:
        conf.write(
            f"\n# Ratusz cluster ({host})\n"
            f"listen_addresses = '{address(host)},127.0.0.1'\nport = {PG_PORT}\n"
            f"unix_socket_directories = '{base / 'run'}'\n"
            "max_connections = 200\nshared_buffers = 256MB\njit = off\ntimezone = 'UTC'\n"
            "wal_level = replica\nmax_wal_senders = 5\nwal_keep_size = 512MB\n"
            "hot_standby = on\nhot_standby_feedback = on\n"
            # Commits are durable (fsync on): the failover drill measures real loss.
            "synchronous_commit = on\nlog_min_messages = warning\n")


def _own_folder(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    entry = pwd.getpwnam("postgres")
    os.chown(path, entry.pw_uid, entry.pw_gid)
    path.chmod(0o700)


def replica_up(values: dict) -> None:
    base = pg_dir("db2")
    data = base / "data"
    _own_folder(base)
    (base / "run").mkdir(exist_ok=True)
    _own_folder(base / "run")
    if not data.exists():
        passfile = base / "pgpass"
        passfile.write_text(f"{address('db1')}:{PG_PORT}:*:replicator:"
                            f"{values['replication_password']}\n")
        entry = pwd.getpwnam("postgres")
        os.chown(passfile, entry.pw_uid, entry.pw_gid)
        passfile.chmod(0o600)
        run(*in_host("db2", "env", f"PGPASSFILE={passfile}", postgres_bin("pg_basebackup"),
                     "-h", address("db1"), "-p", str(PG_PORT), "-U", "replicator",
                     "-D", str(data), "-R", "-X", "stream", "-c", "fast",
                     user="postgres"), quiet=True)
        conf = (data / "postgresql.conf").read_text()
        conf = conf.replace(f"listen_addresses = '{address('db1')},127.0.0.1'",
                            f"listen_addresses = '{address('db2')},127.0.0.1'")
        conf = conf.replace(f"unix_socket_directories = '{pg_dir('db1') / 'run'}'",
                            f"unix_socket_directories = '{base / 'run'}'")
        (data / "postgresql.conf").write_text(conf)
    if not postgres_running("db2"):
        pg_ctl("db2", "start")
    log(f"PostgreSQL replica on db2 {address('db2')}:{PG_PORT} (pg_basebackup, streaming)")


def pooler_up(values: dict) -> None:
    base = STATE / "pooler"
    _own_folder(base)
    (base / "users.txt").write_text(f'"ratusz" "{values["db_password"]}"\n')
    (base / "pgbouncer.ini").write_text(
        "[databases]\n"
        f"ratusz = host=127.0.0.1 port={PG_PORT} dbname=ratusz\n"
        "[pgbouncer]\n"
        f"listen_addr = {address('db1')}\nlisten_port = {POOLER_PORT}\n"
        f"unix_socket_dir = {base}\n"
        f"auth_type = scram-sha-256\nauth_file = {base}/users.txt\n"
        # Transaction pooling: the gmina's setting is per transaction (tenancy.py).
        "pool_mode = transaction\ndefault_pool_size = 20\nreserve_pool_size = 5\n"
        "max_client_conn = 500\nserver_reset_query =\n"
        "ignore_startup_parameters = extra_float_digits,options\n"
        # A request waits at most this long for a server connection.
        "query_wait_timeout = 15\n"
        # After a failed server login PgBouncer refuses every client for this long
        # (default 15 s): a failover cost 15 s of writes with the default.
        "server_login_retry = 1\n"
        f"logfile = {base}/pgbouncer.log\n")
    for name in ("users.txt", "pgbouncer.ini"):
        entry = pwd.getpwnam("postgres")
        os.chown(base / name, entry.pw_uid, entry.pw_gid)
        (base / name).chmod(0o600)
    if ours("pooler") is None:
        spawn("pooler", in_host("db1", "/usr/sbin/pgbouncer", str(base / "pgbouncer.ini"),
                                user="postgres"))
    wait_for(address("db1"), POOLER_PORT, what="pgbouncer")
    log(f"PgBouncer (transaction pooling) on db1 {address('db1')}:{POOLER_PORT}")


# --- Redis, the app hosts, HAProxy ------------------------------------------------------------


def redis_up() -> None:
    base = STATE / "redis"
    base.mkdir(parents=True, exist_ok=True)
    if ours("redis") is None:
        spawn("redis", in_host("redis", shutil.which("redis-server") or "/usr/bin/redis-server",
                               "--bind", address("redis"), "--port", str(REDIS_PORT),
                               "--protected-mode", "no", "--dir", str(base),
                               "--appendonly", "yes", "--appendfsync", "everysec",
                               "--save", ""))
    wait_for(address("redis"), REDIS_PORT, what="redis")
    log(f"Redis on redis {address('redis')}:{REDIS_PORT} (append-only file)")


def app_env(values: dict, host: str | None = None, direct: bool = False) -> dict:
    """The environment of every app process (web, worker, commands)."""
    database = (f"postgres://ratusz:{values['db_password']}@{address('db1')}:"
                f"{PG_PORT if direct else POOLER_PORT}/ratusz")
    env = {
        "PATH": f"{VENV_BIN}:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": str(STATE),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "SECRET_KEY": values["secret_key"],
        "DEBUG": "false",
        "DATABASE_URL": database,
        "DATABASE_TRANSACTION_POOLER": "false" if direct else "true",
        "DATABASE_REPLICA_URL": (f"postgres://ratusz:{values['db_password']}@"
                                 f"{address('db2')}:{PG_PORT}/ratusz"),
        "REDIS_URL": f"redis://{address('redis')}:{REDIS_PORT}/0",
        "ALLOWED_HOSTS": f"{address('lb')},localhost,.localhost,127.0.0.1,"
                         + ",".join(address(h) for h in WEB_HOSTS),
        "RATUSZ_BASE_DOMAIN": "localhost",
        "RATUSZ_PUBLIC_URL": LB_URL,
        "RATUSZ_VAR_DIR": str(SHARED),
        "METRICS_TOKEN": values["metrics_token"],
        "LOGIN_GOV_ENABLED": "false",
        "RATUSZ_SMS_GATEWAYS": "[]",
        "RATUSZ_RECEIPT_SWEEP_SECONDS": "20",
        "LOG_LEVEL": "WARNING",
    }
    if host is not None:
        metrics = STATE / host / "prometheus"
        shutil.rmtree(metrics, ignore_errors=True)
        metrics.mkdir(parents=True)
        env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
    return env


def manage(values: dict, *arguments: str) -> None:
    run(str(VENV_BIN / "python"), "manage.py", *arguments, cwd=ROOT,
        env=app_env(values, direct=True))


def prepare_application(values: dict) -> None:
    SHARED.mkdir(parents=True, exist_ok=True)
    log("migrating (directly on the primary), collecting static files, loading the demo")
    manage(values, "migrate", "--noinput", "-v", "0")
    manage(values, "collectstatic", "--noinput", "-v", "0")
    manage(values, "load_demo", "--base-url", LB_URL, "--output", str(STATE / "demo.json"))


def web_up(values: dict, host: str) -> None:
    if ours(host) is None:
        spawn(host, in_host(host, str(VENV_BIN / "gunicorn"), "config.wsgi:application",
                            "--bind", f"{address(host)}:{WEB_PORT}", "--workers", "2",
                            "--threads", "4", "--worker-class", "gthread",
                            "--keep-alive", "30", "--graceful-timeout", "10",
                            "--timeout", "60", "--name", f"ratusz-{host}"),
              env=app_env(values, host))


def worker_up(values: dict, host: str) -> None:
    if ours(host) is None:
        spawn(host, in_host(host, str(VENV_BIN / "celery"), "-A", "config", "worker",
                            "--pool", "threads", "--concurrency", "4", "--loglevel", "WARNING",
                            "--hostname", f"{host}@ratusz", "--without-gossip",
                            "--without-mingle"),
              env=app_env(values, host))
    if host == "worker1" and ours("beat") is None:
        spawn("beat", in_host(host, str(VENV_BIN / "celery"), "-A", "config", "beat",
                              "--loglevel", "WARNING",
                              "--schedule", str(STATE / host / "beat-schedule")),
              env=app_env(values, host))


def haproxy_config() -> str:
    servers = "\n".join(f"    server {host} {address(host)}:{WEB_PORT}" for host in WEB_HOSTS)
    return f"""global
    maxconn 4000
    stats socket {STATE / 'lb' / 'haproxy.sock'} mode 600 level admin

defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout http-keep-alive 30s
    # A request whose connection could not be made is sent to another web host. A GET or
    # HEAD whose host died before answering (empty response) is sent to another host too;
    # any other request that reached a host is never sent twice (its client retries it
    # with its Idempotency-Key).
    retries 2
    option redispatch
    retry-on conn-failure empty-response
    option forwardfor

frontend www
    bind {address('lb')}:80
    http-request set-header X-Forwarded-Proto http
    default_backend web

backend web
    balance roundrobin
    http-request disable-l7-retry unless METH_GET
    option httpchk
    http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host {address('lb')}
    http-check expect status 200
    http-response set-header X-Served-By %s
    default-server check inter {CHECK_INTER_MS}ms fall {CHECK_FALL} rise {CHECK_RISE}
{servers}

listen stats
    bind {address('lb')}:8404
    stats enable
    stats uri /stats
    stats refresh 2s
"""


def lb_up() -> None:
    base = STATE / "lb"
    base.mkdir(parents=True, exist_ok=True)
    (base / "haproxy.cfg").write_text(haproxy_config())
    run("/usr/sbin/haproxy", "-c", "-q", "-f", str(base / "haproxy.cfg"))
    if ours("lb") is None:
        spawn("lb", in_host("lb", "/usr/sbin/haproxy", "-W", "-db", "-f",
                            str(base / "haproxy.cfg")))
    wait_for(address("lb"), 80, what="haproxy")
    log(f"HAProxy on lb {LB_URL}/ (statistics {LB_URL}:8404/stats)")


def wait_for_web() -> None:
    for host in WEB_HOSTS:
        wait_for(address(host), WEB_PORT, timeout=120, what=host)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if all(state == "UP" for state in backend_states().values()):
            return
        time.sleep(0.5)
    raise RuntimeError(f"HAProxy does not see every web host up: {backend_states()}")


def haproxy_command(command: str) -> str:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(2)
    sock.connect(str(STATE / "lb" / "haproxy.sock"))
    sock.sendall(command.encode() + b"\n")
    chunks = []
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        chunks.append(chunk)
    sock.close()
    return b"".join(chunks).decode()


def backend_states() -> dict[str, str]:
    """Each web host's state as HAProxy sees it (UP, DOWN, …)."""
    try:
        lines = haproxy_command("show stat").splitlines()
    except OSError:
        return {}
    header = lines[0].lstrip("# ").split(",")
    states = {}
    for line in lines[1:]:
        row = dict(zip(header, line.split(","), strict=False))
        if row.get("pxname") == "web" and row.get("svname") in WEB_HOSTS:
            states[row["svname"]] = row["status"].split()[0]
    return states


# --- Commands ---------------------------------------------------------------------------------


def up() -> None:
    if os.geteuid() != 0:
        raise SystemExit("make cluster needs root (network namespaces, PostgreSQL as postgres)")
    STATE.mkdir(parents=True, exist_ok=True)
    for folder in (ROOT / "var", STATE):
        folder.chmod(0o755)  # PostgreSQL (user postgres) reaches its folders through them
    values = secrets_file()
    network_up()
    primary_up(values)
    replica_up(values)
    pooler_up(values)
    redis_up()
    prepare_application(values)
    for host in WORKER_HOSTS:
        worker_up(values, host)
    for host in WEB_HOSTS:
        web_up(values, host)
    lb_up()
    wait_for_web()
    demo = json.loads((STATE / "demo.json").read_text())
    log("up. The demo through HAProxy:")
    for item in demo["municipalities"]:
        log(f"  {item['name']:<16} {LB_URL}/g/{item['slug']}/")
    log(f"  sign-ins and API tokens: {STATE / 'demo.json'}; password of every demo account: "
        f"{demo['operator']['password']}")
    log(f"  metrics: curl -H 'Authorization: Bearer {values['metrics_token']}' {LB_URL}/metrics")
    log("  stop it: make cluster-down")


def stop_host(host: str) -> None:
    """Stop what runs on one host (the faults bench's 'the host died')."""
    if host in ("db1", "db2"):
        if host == "db1":
            terminate("pooler")
        if postgres_running(host):
            pg_ctl(host, "stop", "-m", "immediate")
        return
    terminate(host, timeout=5, sig=signal.SIGKILL if host in WEB_HOSTS + WORKER_HOSTS
              else signal.SIGTERM)
    if host == "worker1":
        terminate("beat")


def start_host(host: str) -> None:
    values = secrets_file()
    starters = {"db1": lambda: (primary_up(values), pooler_up(values)),
                "db2": lambda: replica_up(values), "redis": redis_up, "lb": lb_up}
    if host in WEB_HOSTS:
        web_up(values, host)
    elif host in WORKER_HOSTS:
        worker_up(values, host)
    else:
        starters[host]()


def down() -> None:
    if os.geteuid() != 0:
        raise SystemExit("make cluster-down needs root")
    for name in ("lb", *WEB_HOSTS, "beat", *WORKER_HOSTS, "redis", "pooler"):
        terminate(name)
    for host in ("db2", "db1"):
        if postgres_running(host):
            pg_ctl(host, "stop", "-m", "fast")
    network_down()
    shutil.rmtree(STATE, ignore_errors=True)
    log("down: processes stopped, namespaces and bridge removed, var/cluster deleted")


def status() -> None:
    for host in HOSTS:
        names = {"db1": ["pooler"], "worker1": ["worker1", "beat"]}.get(host, [host])
        running = []
        if host in ("db1", "db2") and postgres_running(host):
            running.append("postgres")
        running += [name for name in names if name not in ("db1", "db2") and ours(name)]
        log(f"{host:<8} {address(host):<12} {', '.join(running) or '-'}")
    log(f"HAProxy sees: {backend_states()}")


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    command, *rest = argv
    if command == "up":
        up()
    elif command == "down":
        down()
    elif command == "status":
        status()
    elif command == "stop" and rest:
        stop_host(rest[0])
    elif command == "start" and rest:
        start_host(rest[0])
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
