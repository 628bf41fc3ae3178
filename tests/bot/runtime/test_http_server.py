"""The HTTP edge under abuse: raw sockets against the real server (waitress + Bolt's adapter).

Every case is something a client can send without knowing the signing secret: the server must
answer it 4xx without reading past its body cap, and without giving a thread to a quiet client.
"""

from __future__ import annotations

import socket
import threading

import pytest
import requests

from bot.runtime.http_server import MAX_BODY_BYTES, HttpServer


def _address(url: str) -> tuple[str, int]:
    host, port = url.removeprefix("http://").split(":")
    return host, int(port)


def _raw(url: str, head: bytes, body: bytes = b"", timeout: float = 10) -> bytes:
    """Send `head` (request line + headers, without the blank line) then `body`; the reply."""
    with socket.create_connection(_address(url), timeout=timeout) as sock:
        sock.sendall(head + b"\r\n\r\n" + body)
        reply = b""
        while b"\r\n\r\n" not in reply:
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
        return reply


def _status(reply: bytes) -> int:
    return int(reply.split(b" ", 2)[1])


def test_a_content_length_above_the_cap_is_refused_before_the_body_is_sent(http_app):
    head = b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: %d" % (100 * MAX_BODY_BYTES)

    reply = _raw(http_app, head)  # no body sent at all: the answer cannot depend on reading it

    assert _status(reply) == 413


def test_a_negative_content_length_is_a_400(http_app):
    reply = _raw(http_app, b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: -1", b"x" * 1000)

    assert _status(reply) == 400


def test_a_non_numeric_content_length_is_a_400(http_app):
    reply = _raw(http_app, b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 12abc", b"x" * 12)

    assert _status(reply) == 400


def test_a_chunked_body_is_cut_at_the_cap(http_app):
    chunk = b"x" * 65536
    body = (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * (MAX_BODY_BYTES // len(chunk) + 2) + b"0\r\n\r\n"

    reply = _raw(http_app, b"POST /slack/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked", body)

    assert _status(reply) == 413


def test_a_deeply_nested_payload_is_a_400_not_a_500(http_app):
    body = "payload=" + "[" * 100_000

    response = requests.post(
        f"{http_app}/slack/events", data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10
    )

    assert response.status_code == 400


def test_a_signed_deeply_nested_payload_is_a_400_not_a_500(http_app, signed):
    body = "payload=" + "[" * 100_000
    request = signed.sign(body, "application/x-www-form-urlencoded")

    response = requests.post(f"{http_app}/slack/events", data=body.encode(), headers=request.headers, timeout=10)

    assert response.status_code == 400


def test_idle_connections_get_no_thread_and_do_not_starve_a_signed_command(http_app, signed):
    threads_before = threading.active_count()
    idle = []
    try:
        for _ in range(200):
            sock = socket.create_connection(_address(http_app), timeout=5)
            sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n")  # and then nothing
            idle.append(sock)

        response = signed.command("/sm-help").post(http_app)

        assert response.status_code == 200
        assert threading.active_count() < threads_before + 20
    finally:
        for sock in idle:
            sock.close()


@pytest.fixture
def short_timeout_server(bolt_app):
    from bot.runtime.app import wsgi_app

    server = HttpServer(wsgi_app(bolt_app), "127.0.0.1", 0, idle_timeout_seconds=1).start()
    yield server.url
    server.stop()


def test_a_body_shorter_than_its_content_length_is_dropped_at_the_idle_timeout(short_timeout_server):
    with socket.create_connection(_address(short_timeout_server), timeout=30) as sock:
        sock.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\npayload=")

        assert sock.recv(1024) == b""  # closed by the server, nothing dispatched, nothing answered


def test_healthz_is_503_with_the_problems_when_health_reports_any(bolt_app):
    from bot.runtime.app import wsgi_app

    server = HttpServer(wsgi_app(bolt_app, health=lambda: ["the scheduler is not running"]), "127.0.0.1", 0).start()
    try:
        response = requests.get(f"{server.url}/healthz", timeout=5)
    finally:
        server.stop()

    assert response.status_code == 503
    assert response.json() == {"ok": False, "problems": ["the scheduler is not running"]}
