"""A bot process that approves one request and is SIGKILLed at a chosen step (no cleanup runs:
no rollback, no finally, like a power cut or the OOM killer).

    python crash_child.py <point> <request_id> <approver>

point: `approved` (vote committed, before the claim), `claimed` (executing, before the AWS call),
`called` (AWS call sent, before success is recorded). Settings come from SMBOT_* like `run`.
"""

from __future__ import annotations

import os
import signal
import sys

from bot.actions import executor
from bot.actions.models import Vote
from bot.aws import actions
from bot.config import Settings
from bot.services import build_services


def die(*_: object, **__: object) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def main(point: str, request_id: int, approver: str) -> None:
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
    sys.exit("the process should have died before this point")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
