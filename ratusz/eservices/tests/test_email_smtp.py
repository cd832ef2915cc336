"""Case news goes out through a real SMTP conversation (aiosmtpd on 127.0.0.1)."""

import socket
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler
from django.test import override_settings

from ratusz.eservices import case_news
from ratusz.eservices.tests.conftest import VALID_LETTER


class Collect(MessageHandler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler
    controller.stop()


@pytest.mark.django_db
def test_the_submission_email_is_delivered_over_smtp(smtp_server, letter_service, resident,
                                                     django_capture_on_commit_callbacks):
    from ratusz.eservices import services

    controller, handler = smtp_server
    submission, _ = services.submit(letter_service, data=VALID_LETTER, resident=resident)
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
                           EMAIL_HOST="127.0.0.1", EMAIL_PORT=controller.port,
                           EMAIL_USE_TLS=False), \
            django_capture_on_commit_callbacks(execute=True):
        assert case_news.notify(submission.pk, "submitted") > 0
    assert len(handler.messages) == 1
    message = handler.messages[0]
    assert message["To"] == resident.email
    subject = str(make_header(decode_header(message["Subject"])))
    assert subject == f"Wniosek przyjęty: {submission.case.mark}"
    body = message.get_payload(decode=True).decode("utf-8")
    assert submission.incoming.number in body
    assert f"/e-urzad/moje-sprawy/{submission.public_id}/" in body
