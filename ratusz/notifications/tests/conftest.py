"""Fixtures of the notification tests: localities, a clerk and an approver, staff tokens,
a real SMTP server on 127.0.0.1 and the SMS gateway simulator process."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import threading

import pytest
from aiosmtpd.controller import Controller

from ratusz.accounts.permissions import Permission, Role
from ratusz.notifications.delivery import mail, rendering


@pytest.fixture
def localities_a(municipality_a):
    from ratusz.core.models import Locality

    return {name: Locality.objects.create(municipality=municipality_a, name=name, simc=simc,
                                          kind="wieś")
            for name, simc in (("Dąbrowa", "0123451"), ("Olszyny", "0123452"),
                               ("Zalesie", "0123453"))}


@pytest.fixture
def registry_clerk_a(make_staff, municipality_a, department_a):
    return make_staff(municipality_a, Role.REGISTRY_CLERK, department=department_a,
                      username="alfa.kancelaria", first_name="Kinga", last_name="Wójcik")


@pytest.fixture
def secretary_a(make_staff, municipality_a):
    return make_staff(municipality_a, Role.SECRETARY, username="alfa.sekretarz",
                      first_name="Stefan", last_name="Lis")


def _token(municipality, user, permissions):
    from ratusz.accounts import services as account_services

    _token, secret = account_services.issue_api_token(
        municipality, acting_user=None, name=f"token {user.username}", user=user,
        permissions=permissions)
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.fixture
def clerk_token(registry_clerk_a, municipality_a):
    return _token(municipality_a, registry_clerk_a, [Permission.COMPOSE_ALERTS])


@pytest.fixture
def another_clerk_token(registry_clerk_a, municipality_a):
    """A second token of the same person: another system of the same gmina."""
    return _token(municipality_a, registry_clerk_a, [Permission.COMPOSE_ALERTS])


@pytest.fixture
def secretary_token(secretary_a, municipality_a):
    return _token(municipality_a, secretary_a,
                  [Permission.COMPOSE_ALERTS, Permission.APPROVE_ALERTS])


class Sink:
    """An SMTP server that keeps what it accepts (envelope recipients and raw bytes)."""

    def __init__(self):
        self.messages: list[tuple[list[str], bytes]] = []
        self.lock = threading.Lock()
        self.refuse: set[str] = set()
        self.delay = 0.0
        #: Kill this process (SIGKILL) when the n-th recipient is announced: a worker
        #: dies in the middle of a run, at a moment the test knows.
        self.kill_pid, self.kill_at, self.rcpts = 0, 0, 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if self.delay:  # a slow server: the time a worker may be killed in the middle
            await asyncio.sleep(self.delay)
        self.rcpts += 1
        if self.kill_pid and self.rcpts == self.kill_at:
            os.kill(self.kill_pid, signal.SIGKILL)
            await asyncio.sleep(0.2)  # the reply would reach a dead worker
            return "451 4.3.0 Try again later"
        if address in self.refuse:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        # Like a real MTA, the message is kept as soon as the final dot arrives.
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[bytes]:
        with self.lock:
            return [data for rcpts, data in self.messages if address in rcpts]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_sink(settings):
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = False
    mail._drop_smtp()
    yield sink
    mail._drop_smtp()
    controller.stop()


@pytest.fixture(scope="session")
def sms_simulator():
    from ratusz.testing.sms import start_sms_simulator

    simulator = start_sms_simulator(report_delay=0.05)
    yield simulator
    simulator.stop()


@pytest.fixture
def sms_gateways(sms_simulator, settings):
    sms_simulator.reset()
    settings.RATUSZ_SMS_GATEWAYS = [sms_simulator.gateway_config("smsapi", name="smsapi"),
                                    sms_simulator.gateway_config("serwersms",
                                                                 name="serwersms")]
    return sms_simulator


@pytest.fixture(autouse=True)
def _fresh_rendering_cache():
    """Alert texts are cached per process by alert id; test databases reuse ids."""
    rendering._content_cache.clear()
    yield
    rendering._content_cache.clear()
