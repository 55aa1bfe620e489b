"""Real local parts for tests: an HTTP site server, a JSON webhook, an SMTP server.

Nothing here mocks provwatch: the crawler fetches from a real socket on 127.0.0.1, apprise
posts to a real HTTP endpoint and speaks SMTP to a real aiosmtpd server.
"""

from __future__ import annotations

import hashlib
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class QuietHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive, no request log lines, no Nagle delay on small responses."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once, no 40 ms stall

    def log_message(self, *args: Any) -> None:
        pass


class LoopbackServer:
    """A ThreadingHTTPServer on 127.0.0.1 running in a daemon thread (start/stop)."""

    def serve(self, handler: type[BaseHTTPRequestHandler],
              tls: tuple[str, str] | None = None) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = int(self.httpd.server_address[1])
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> Self:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@dataclass
class Page:
    body: bytes | str
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/html; charset=utf-8"
    delay: float = 0.0
    validators: bool = True  # send ETag/Last-Modified and answer conditional GETs with 304


Route = Page | Callable[[BaseHTTPRequestHandler], Page]


class SiteServer(LoopbackServer):
    """Serves ``routes`` (path with query → Page) and records every request path."""

    def __init__(self, routes: dict[str, Route] | None = None,
                 tls: tuple[str, str] | None = None) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.scheme = "https" if tls else "http"
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        server = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                server.requests.append(("GET", self.path, dict(self.headers)))
                route = server.routes.get(self.path) or server.routes.get(
                    self.path.split("?", 1)[0])
                if route is None:
                    page = Page("not found", status=404, content_type="text/plain")
                elif callable(route):
                    page = route(self)
                else:
                    page = route
                if page.delay:
                    time.sleep(page.delay)
                body = page.body.encode("utf-8") if isinstance(page.body, str) else page.body
                headers = dict(page.headers)
                status = page.status
                if page.validators and status == 200:
                    etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                    headers.setdefault("ETag", etag)
                    headers.setdefault("Last-Modified", "Mon, 02 Jan 2023 03:04:05 GMT")
                    if self.headers.get("If-None-Match") == headers["ETag"]:
                        status = 304
                page = Page(body, status=status, headers=headers,
                            content_type=page.content_type)
                self.send_response(page.status)
                if page.status != 304:
                    self.send_header("Content-Type", page.content_type)
                for k, v in page.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(0 if page.status == 304 else len(body)))
                self.end_headers()
                if page.status != 304:
                    self.wfile.write(body)

        self.serve(Handler, tls)

    @property
    def base(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def paths(self) -> list[str]:
        return [p for _, p, _ in self.requests]



class WebhookServer(LoopbackServer):
    """A JSON webhook: records every POST body; ``fail`` makes it answer 500."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.fail = False
        hook = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                status = 500 if hook.fail else 200
                if not hook.fail:
                    hook.received.append(json.loads(raw.decode("utf-8")))
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

        self.serve(Handler)

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.port}/hook"



class _Sink:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.original_content or envelope.content,
                                 policy=policy.default)
        self.messages.append(msg)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


class SmtpServer:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps every message."""

    def __init__(self) -> None:
        self.sink = _Sink()
        self.port = free_port()
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self) -> list[EmailMessage]:
        return self.sink.messages

    def url(self, to: str = "team@example.com") -> str:
        return f"mailto://127.0.0.1:{self.port}?from=provwatch@example.com&to={to}"

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


def body_of(msg: EmailMessage, subtype: str = "plain") -> str:
    part = msg.get_body(preferencelist=(subtype,))
    return part.get_content() if part is not None else ""


def self_signed_cert(directory: Path) -> tuple[str, str]:
    """A throw-away self-signed certificate for 127.0.0.1 (cert file, key file)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=7))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_file), str(key_file)
