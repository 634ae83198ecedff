"""Local stand-ins for the services notifications go to: a Slack incoming webhook (an HTTP
server in a thread) and an SMTP server (aiosmtpd), both on 127.0.0.1, started per test."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import http.server
import ipaddress
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest


@dataclass
class SlackStandIn:
    """A webhook that records each JSON body it is sent and answers ``status``."""

    url: str
    posts: list[Any] = field(default_factory=list)
    content_types: list[str] = field(default_factory=list)
    status: int = 200


@pytest.fixture
def slack_webhook() -> Iterator[SlackStandIn]:
    stand_in = SlackStandIn(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            stand_in.posts.append(json.loads(body))
            stand_in.content_types.append(self.headers["Content-Type"])
            self.send_response(stand_in.status)
            self.end_headers()
            self.wfile.write(b"ok" if stand_in.status == 200 else b"invalid_payload")

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stand_in.url = f"http://127.0.0.1:{server.server_address[1]}/services/T000/B000/XXXX"
    try:
        yield stand_in
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class SmtpStandIn:
    """An SMTP server that keeps every mail it accepts, and the logins it saw."""

    host: str
    port: int
    mails: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, written to ``folder``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "smtp.pem", folder / "smtp.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _start_smtp(ssl_context: ssl.SSLContext | None) -> tuple[Any, SmtpStandIn]:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    stand_in = SmtpStandIn(host="127.0.0.1", port=_free_port())

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            message = email.message_from_bytes(envelope.original_content,
                                               policy=email.policy.default)
            stand_in.mails.append((envelope.mail_from, list(envelope.rcpt_tos), message))
            return "250 Message accepted for delivery"

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str,
                     auth_data: Any) -> AuthResult:
        login = (auth_data.login.decode(), auth_data.password.decode())
        stand_in.logins.append(login)
        return AuthResult(success=login == ("robot@example.com", "app-password"))

    controller = Controller(Handler(), hostname=stand_in.host, port=stand_in.port,
                            ssl_context=ssl_context, authenticator=authenticate,
                            auth_require_tls=False)
    controller.start()
    return controller, stand_in


@pytest.fixture
def smtp_server() -> Iterator[SmtpStandIn]:
    """A plain SMTP server (for smtp_type='INSECURE')."""
    controller, stand_in = _start_smtp(None)
    try:
        yield stand_in
    finally:
        controller.stop()


@pytest.fixture
def smtp_ssl_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpStandIn]:
    """An SMTP server over TLS from the start (smtp_type='SSL'), with a self-signed
    certificate that this test's ssl.create_default_context() trusts (SSL_CERT_FILE)."""
    cert_path, key_path = _self_signed_certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_path))
    controller, stand_in = _start_smtp(context)
    try:
        yield stand_in
    finally:
        controller.stop()
