"""A Slack Socket Mode stand-in: a websocket server on 127.0.0.1 that the bot reaches through
`apps.connections.open` on the Web API stand-in, as it reaches Slack's.

Just enough of RFC 6455 for one client at a time: the handshake, text frames in both directions
(the client masks, the server does not), ping/pong and close. It sends `hello` on each connection,
sends envelopes the test gives it, and records every ack (`{"envelope_id": …}`) with the time it
arrived. `drop()` cuts the TCP connection without a close frame, as a dead NAT or proxy does.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import struct
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from tests.fakes.slack_api import SlackApiStandIn

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 §1.3


@dataclass(frozen=True)
class Ack:
    envelope_id: str
    payload: dict[str, Any] | None
    received_at: float  # time.monotonic()


class SocketModeStandIn:
    def __init__(self, slack_api: SlackApiStandIn) -> None:
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(8)
        self._cond = threading.Condition()
        self._current: socket.socket | None = None
        self.connections = 0
        self.acks: list[Ack] = []
        self.sent_at: dict[str, float] = {}
        self._closed = False
        slack_api.respond_with("apps.connections.open", self._open)
        threading.Thread(target=self._accept_loop, name="socket-mode-stand-in", daemon=True).start()

    # --- what the test uses -----------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._listener.getsockname()[1]}/link"

    def wait_for_connection(self, count: int = 1, timeout_seconds: float = 30) -> None:
        self._wait(lambda: self.connections >= count and self._current is not None, timeout_seconds,
                   f"{count} connection(s)")

    def send(self, kind: str, payload: dict[str, Any], *, accepts_response_payload: bool = False) -> str:
        """Send an envelope (`slash_commands`, `interactive`, `events_api`); its envelope_id."""
        envelope_id = str(uuid.uuid4())
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload,
                    "accepts_response_payload": accepts_response_payload, "retry_attempt": 0,
                    "retry_reason": ""}
        with self._cond:
            connection = self._current
            self.sent_at[envelope_id] = time.monotonic()
        assert connection is not None, "no client connected"
        connection.sendall(_frame(json.dumps(envelope).encode(), opcode=0x1))
        return envelope_id

    def wait_for_ack(self, envelope_id: str, timeout_seconds: float = 10) -> Ack:
        self._wait(lambda: any(a.envelope_id == envelope_id for a in self.acks), timeout_seconds,
                   f"an ack of {envelope_id}")
        with self._cond:
            return next(a for a in self.acks if a.envelope_id == envelope_id)

    def drop(self) -> None:
        """Cut the connection without a close frame."""
        with self._cond:
            connection, self._current = self._current, None
        if connection is not None:
            connection.shutdown(socket.SHUT_RDWR)
            connection.close()

    def stop(self) -> None:
        self._closed = True
        self.drop()
        self._listener.close()

    # --- the server -------------------------------------------------------------------------

    def _open(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": self.url}

    def _wait(self, ready: Any, timeout_seconds: float, what: str) -> None:
        deadline = time.monotonic() + timeout_seconds
        with self._cond:
            while not ready():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {what} within {timeout_seconds} s")
                self._cond.wait(left)

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        try:
            _handshake(connection)
            connection.sendall(_frame(json.dumps({
                "type": "hello", "num_connections": 1,
                "debug_info": {"host": "stand-in", "approximate_connection_time": 3600},
                "connection_info": {"app_id": "A0TEST"},
            }).encode(), opcode=0x1))
            with self._cond:
                self._current = connection
                self.connections += 1
                self._cond.notify_all()
            reader = connection.makefile("rb")
            while True:
                opcode, data = _read_frame(reader)
                if opcode == 0x8:  # close: answer it and end
                    connection.sendall(_frame(data[:2], opcode=0x8))
                    return
                if opcode == 0x9:  # ping
                    connection.sendall(_frame(data, opcode=0xA))
                    continue
                if opcode == 0x1:
                    message = json.loads(data)
                    if "envelope_id" in message:
                        with self._cond:
                            self.acks.append(Ack(message["envelope_id"], message.get("payload"),
                                                 time.monotonic()))
                            self._cond.notify_all()
        except (OSError, ConnectionError, ValueError):
            return
        finally:
            with self._cond:
                if self._current is connection:
                    self._current = None
            connection.close()


def _handshake(connection: socket.socket) -> None:
    request = b""
    while b"\r\n\r\n" not in request:
        chunk = connection.recv(4096)
        if not chunk:
            raise ConnectionError("closed during the handshake")
        request += chunk
    headers = dict(
        line.split(": ", 1) for line in request.decode().split("\r\n")[1:] if ": " in line
    )
    key = next(v for k, v in headers.items() if k.lower() == "sec-websocket-key")
    accept = base64.b64encode(hashlib.sha1((key + _GUID).encode()).digest()).decode()
    connection.sendall(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Accept: {accept}\r\n\r\n".encode()
    )


def _frame(data: bytes, opcode: int) -> bytes:
    head = bytes([0x80 | opcode])
    if len(data) < 126:
        head += bytes([len(data)])
    elif len(data) < 1 << 16:
        head += bytes([126]) + struct.pack("!H", len(data))
    else:
        head += bytes([127]) + struct.pack("!Q", len(data))
    return head + data


def _read_exact(reader: Any, size: int) -> bytes:
    data = reader.read(size)
    if len(data) < size:
        raise ConnectionError("closed mid-frame")
    return data


def _read_frame(reader: Any) -> tuple[int, bytes]:
    first, second = _read_exact(reader, 2)
    opcode, length = first & 0x0F, second & 0x7F
    if length == 126:
        length = struct.unpack("!H", _read_exact(reader, 2))[0]
    elif length == 127:
        length = struct.unpack("!Q", _read_exact(reader, 8))[0]
    mask = _read_exact(reader, 4) if second & 0x80 else b"\0\0\0\0"
    data = _read_exact(reader, length)
    return opcode, bytes(b ^ mask[i % 4] for i, b in enumerate(data))
