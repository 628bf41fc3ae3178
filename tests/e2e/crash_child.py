"""A bot process that approves one request and is SIGKILLed at a chosen instant (no cleanup
runs: no rollback, no finally, like a power cut or the OOM killer).

    python crash_child.py <point> <request_id> <approver>

point: `approved` (vote committed, before the claim), `claimed` (executing, before the AWS call),
`called` (AWS call sent, before success is recorded), or `step:N`: die at the N-th instant of
the whole approve → claim → re-read → AWS call → record path, where the instants are every
committed database transaction, every AWS request about to be sent and every AWS answer just
received. A run that finishes before its N-th instant exits 0 and prints how many it saw.
Settings come from SMBOT_* like `run`.
"""

from __future__ import annotations

import itertools
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3

from bot.actions import executor
from bot.actions.models import Vote
from bot.aws import actions
from bot.aws.session import ClientFactory
from bot.config import Settings
from bot.services import build_services
from bot.storage.store import Store


def die(*_: object, **__: object) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def instants(kill_at: int) -> tuple[ClientFactory, itertools.count]:
    """Count instants (and die at `kill_at`): AWS sends and answers through botocore's events,
    database commits through `Store.transaction`."""
    seen = itertools.count(1)

    def instant(*_: object, **__: object) -> None:
        if next(seen) == kill_at:
            die()

    session = boto3.session.Session()
    session.events.register("before-send", instant)  # the request is about to leave
    session.events.register("needs-retry", instant)  # an answer (or a failure) just arrived
    committed = Store.transaction

    @contextmanager
    def transaction(self: Store) -> Iterator[Any]:
        with committed(self) as db:
            yield db
        instant()

    Store.transaction = transaction  # type: ignore[method-assign]
    return ClientFactory(base_session=session), seen


def main(point: str, request_id: int, approver: str) -> None:
    seen = None
    if point.startswith("step:"):
        clients, seen = instants(int(point.removeprefix("step:")))
        services = build_services(Settings(), clients=clients)
    else:
        services = build_services(Settings())
    if point == "approved":
        executor.run_request = die
    elif point == "claimed":
        actions.perform = die
    elif point == "called":
        real = actions.perform

        def call_then_die(*args: object, **kwargs: object) -> None:
            real(*args, **kwargs)
            die()

        actions.perform = call_then_die
    executor.vote_and_run(services, request_id, approver, Vote.APPROVE, [approver])
    if seen is None:
        sys.exit("the process should have died before this point")
    print(next(seen) - 1)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
