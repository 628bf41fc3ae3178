"""What `/healthz` reports: the bot is healthy only if its scheduler runs and its database takes
writes. A load balancer or orchestrator restarts a bot that answers 503; a bot whose digest and
schedules silently stopped, or whose approvals cannot be recorded, must not look alive."""

from __future__ import annotations

from typing import Any

from bot.storage.store import Store


def scheduler_problem(scheduler: Any) -> str | None:
    if scheduler is None or not scheduler.running:
        return "the scheduler is not running"
    # BackgroundScheduler runs its loop in `_thread`; an exception there ends the thread while
    # `running` still says True.
    thread = getattr(scheduler, "_thread", None)
    if thread is not None and not thread.is_alive():
        return "the scheduler's thread has died"
    return None


class Health:
    """`problems()` is empty when all is well. The scheduler is attached once it is started."""

    def __init__(self, store: Store, scheduler: Any = None) -> None:
        self.store = store
        self.scheduler = scheduler

    def problems(self) -> list[str]:
        found = [scheduler_problem(self.scheduler), self.store.file_problem()]
        return [problem for problem in found if problem]
