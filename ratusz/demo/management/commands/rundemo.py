"""Run the whole demo: database, demo data, web server and task worker, on 127.0.0.1.

Every port the demo binds follows the web port, so two demos run side by side
(`make demo` and `make demo PORT=8100`): the login.gov.pl simulator listens on
`port + 89`, the SMS gateway simulator on `port + 91`, the payment gateway (Przelewy24)
simulator on `port + 93` and the e-Doręczenia / ePUAP simulator on `port + 95` (8089,
8091, 8093 and 8095 for the default 8000), unless `LOGIN_GOV_IDP_URL` /
`RATUSZ_SMS_GATEWAYS` / `EXCHANGE_EDELIVERY_URL` say otherwise; the exchange's pump
(`manage.py exchange_pump`) runs beside the worker. Both demos may
share one `RATUSZ_VAR_DIR`: preparing the database is serialised by a file lock, each demo
keeps its own API tokens, metrics folder and beat schedule, and each writes
`demo-<port>.json` besides `demo.json`.
"""

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from ratusz.demo.loader import load_demo


class Command(BaseCommand):
    help = "Migrate, load the demo, then serve the web app and run the task worker."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--no-serve", action="store_true",
                            help="prepare everything but do not start the servers")

    def handle(self, *args, port, workers, no_serve, **options):
        from config.celery import ensure_embedded_broker_folders

        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        ensure_embedded_broker_folders()
        base_url = f"http://127.0.0.1:{port}"
        services = simulator_settings(port)
        for name, value in services.items():  # this process (the demo loader) and …
            setattr(settings, name, value)
        with open(settings.VAR_DIR / "demo.lock", "w") as lock:
            # Another demo on the same folder may be migrating or loading right now.
            fcntl.flock(lock, fcntl.LOCK_EX)
            call_command("migrate", interactive=False, verbosity=0)
            call_command("collectstatic", interactive=False, verbosity=0)
            if settings.LOGIN_GOV_DEV_KEYS:
                from ratusz.accounts.logingov.keys import ensure_dev_keys

                ensure_dev_keys(settings.LOGIN_GOV_SP_KEY_DIR)  # before the servers race
            demo = load_demo(base_url=base_url)
        demo["simulators"] = {
            "login_gov": settings.LOGIN_GOV_IDP_URL,
            "sms": sorted({_origin(g["url"]) for g in settings.RATUSZ_SMS_GATEWAYS}),
            "edelivery": services["EXCHANGE_EDELIVERY_URL"],
            "epuap": services["EXCHANGE_EPUAP_PULL_URL"],
            "payment_gateway": services["RATUSZ_PAYMENT_GATEWAY_SIMULATOR_URL"],
        }
        text = json.dumps(demo, ensure_ascii=False, indent=2)
        demo_path = settings.VAR_DIR / "demo.json"
        demo_path.write_text(text, encoding="utf-8")
        (settings.VAR_DIR / f"demo-{port}.json").write_text(text, encoding="utf-8")
        self._print_sign_ins(demo, demo_path)
        if no_serve:
            return
        self._serve(port, workers, services)

    def _print_sign_ins(self, demo, demo_path):
        out = self.stdout.write
        out("")
        out(f"Ratusz demo: {demo['base_url']}/")
        out(f"Operator (Django admin {demo['base_url']}/admin/): "
            f"{demo['operator']['username']} / {demo['operator']['password']}")
        for item in demo["municipalities"]:
            out(f"  {item['name']:<16} {demo['base_url']}/g/{item['slug']}/")
            for role, account in item["users"].items():
                out(f"      {role:<15} {account['username']:<32} {account['password']}")
        out("Staff confirm sign-in with a code: `.venv/bin/python manage.py demo_totp "
            "<username>` prints it (or add totp_secret from demo.json to an authenticator app).")
        out(f"Residents: 'Sign in through login.gov.pl' opens the simulator at "
            f"{settings.LOGIN_GOV_IDP_URL}; each gmina's resident is the person of the same "
            f"name there.")
        out(f"Tokens and all sign-ins: {demo_path}")
        out("")

    def _serve(self, port, workers, services):
        env = os.environ.copy()
        env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
        # … the servers it starts.
        env["LOGIN_GOV_IDP_URL"] = services["LOGIN_GOV_IDP_URL"]
        env["RATUSZ_SMS_GATEWAYS"] = json.dumps(services["RATUSZ_SMS_GATEWAYS"])
        for name in EXCHANGE_SETTINGS:
            env[name] = str(services[name])
        env["PROMETHEUS_MULTIPROC_DIR"] = str(settings.VAR_DIR / f"prometheus-{port}")
        # login.gov.pl sends residents back to this address.
        env.setdefault("RATUSZ_PUBLIC_URL", f"http://127.0.0.1:{port}")
        os.makedirs(env["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
        for stale in os.listdir(env["PROMETHEUS_MULTIPROC_DIR"]):
            os.remove(os.path.join(env["PROMETHEUS_MULTIPROC_DIR"], stale))
        bin_dir = os.path.dirname(sys.executable)
        web = subprocess.Popen(
            [os.path.join(bin_dir, "gunicorn"), "config.wsgi:application",
             "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", "4",
             "--access-logfile", "-", "--graceful-timeout", "5"],
            env=env,
        )
        worker = subprocess.Popen(
            [os.path.join(bin_dir, "celery"), "-A", "config", "worker", "-B", "--pool", "threads",
             "--concurrency", "4", "--loglevel", "INFO", "--without-gossip", "--without-mingle",
             "--hostname", f"demo-{port}@%h",
             "--schedule", str(settings.VAR_DIR / "celery" / f"beat-schedule-{port}")],
            env=env,
        )
        children = [web, worker]
        idp = urlsplit(services["LOGIN_GOV_IDP_URL"])
        if idp.hostname in ("127.0.0.1", "localhost") and settings.LOGIN_GOV_ENABLED:
            # The login.gov.pl simulator (same SAML profile, test persons, own keys).
            children.append(subprocess.Popen(
                [sys.executable, "-m", "ratusz.accounts.logingov.simulator",
                 "--port", str(idp.port or 80), "--key-dir", settings.LOGIN_GOV_SP_KEY_DIR,
                 "--sp-metadata", f"http://127.0.0.1:{port}/auth/login-gov/metadata/"],
                env=env))

        simulated = [g for g in services["RATUSZ_SMS_GATEWAYS"]
                     if urlsplit(g.get("url", "")).hostname in ("127.0.0.1", "localhost")]
        if simulated:
            # The SMS gateway simulator (SMSAPI and SerwerSMS protocols, delivery reports).
            from ratusz.notifications.services import callback_key

            sms_port = urlsplit(simulated[0]["url"]).port or 80
            children.append(subprocess.Popen(
                [sys.executable, "-m", "ratusz.notifications.sms_simulator",
                 "--port", str(sms_port), "--token", simulated[0]["token"],
                 "--serwersms-callback",
                 f"http://127.0.0.1:{port}/notifications/callbacks/sms/serwersms/"
                 f"?key={callback_key('serwersms')}"], env=env))

        exchange = urlsplit(services["EXCHANGE_EDELIVERY_URL"])
        if exchange.hostname in ("127.0.0.1", "localhost"):
            # The e-Doręczenia, hybrid service and ePUAP simulator, with the demo's mailboxes
            # (its state is kept in var/exchange, so a restart loses nothing).
            key_dir = str(settings.VAR_DIR / "exchange")
            from ratusz.exchange.keys import ensure_provider_keys

            ensure_provider_keys(key_dir)  # the trust anchor exists before the pump runs
            children.append(subprocess.Popen(
                [sys.executable, "-m", "ratusz.exchange.edelivery_simulator",
                 "--port", str(exchange.port or 80),
                 "--token", services["EXCHANGE_EDELIVERY_TOKEN"], "--key-dir", key_dir,
                 "--state", os.path.join(key_dir, f"edelivery-simulator-{port}.sqlite3"),
                 "--mailboxes", os.path.join(key_dir, "demo-mailboxes.json")], env=env))
        children.append(subprocess.Popen(
            [sys.executable, "manage.py", "exchange_pump", "--interval", "1"], env=env))

        # The payment gateway simulator (Przelewy24's REST API and payer page); the demo's
        # gminy are its merchants (written by the payments demo).
        gateway = urlsplit(services["RATUSZ_PAYMENT_GATEWAY_SIMULATOR_URL"])
        children.append(subprocess.Popen(
            [sys.executable, "-m", "ratusz.payments.gateway_simulator",
             "--port", str(gateway.port or 80),
             "--merchants", str(settings.VAR_DIR / "payment-gateway-merchants.json")],
            env=env))

        def stop(*_args):
            for child in children:
                if child.poll() is None:
                    child.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while all(child.poll() is None for child in children):
                time.sleep(0.5)
        finally:
            stop()
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
        if any(child.returncode not in (0, -signal.SIGTERM, None) for child in children):
            raise SystemExit(1)


def simulator_settings(port: int) -> dict:
    """Where the demo's simulators listen: derived from the web port unless the
    environment names them."""
    idp_url = os.environ.get("LOGIN_GOV_IDP_URL") or f"http://127.0.0.1:{port + 89}"
    if os.environ.get("RATUSZ_SMS_GATEWAYS"):
        gateways = json.loads(os.environ["RATUSZ_SMS_GATEWAYS"])
    else:
        sms = f"http://127.0.0.1:{port + 91}"
        gateways = [
            {"name": "smsapi", "kind": "smsapi", "url": f"{sms}/smsapi",
             "token": "demo-sms-token"},
            {"name": "serwersms", "kind": "serwersms", "url": f"{sms}/serwersms",
             "token": "demo-sms-token"},
        ]
    edelivery = os.environ.get("EXCHANGE_EDELIVERY_URL") or f"http://127.0.0.1:{port + 95}"
    return {"LOGIN_GOV_IDP_URL": idp_url, "RATUSZ_SMS_GATEWAYS": gateways,
            "EXCHANGE_EDELIVERY_URL": edelivery,
            "EXCHANGE_EDELIVERY_TOKEN": os.environ.get("EXCHANGE_EDELIVERY_TOKEN",
                                                       "demo-edelivery-token"),
            "EXCHANGE_EDELIVERY_TRUST_ANCHOR": os.environ.get(
                "EXCHANGE_EDELIVERY_TRUST_ANCHOR",
                str(settings.VAR_DIR / "exchange" / "edelivery-ca.pem")),
            "EXCHANGE_EPUAP_PULL_URL": os.environ.get("EXCHANGE_EPUAP_PULL_URL",
                                                      f"{edelivery}/epuap/pull"),
            "EXCHANGE_EPUAP_SUBJECT": os.environ.get("EXCHANGE_EPUAP_SUBJECT", "RATUSZDEMO"),
            # The payments demo configures every gmina's gateway account at this address.
            "RATUSZ_PAYMENT_GATEWAY_SIMULATOR_URL": f"http://127.0.0.1:{port + 93}"}


#: The exchange's settings rundemo hands to its servers and the pump.
EXCHANGE_SETTINGS = ("EXCHANGE_EDELIVERY_URL", "EXCHANGE_EDELIVERY_TOKEN",
                     "EXCHANGE_EDELIVERY_TRUST_ANCHOR", "EXCHANGE_EPUAP_PULL_URL",
                     "EXCHANGE_EPUAP_SUBJECT")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
