"""Auto-stop attachments that wait for their notebook to stop, and Undo of lasting fixes.

An approved auto-stop on an InService notebook whose requester did not choose "restart now" is
remembered (`fix_store.pending_fixes`). `apply_pending` is the sweep that looks at those
notebooks: one seen Stopped gets the attachment (the notebook is not started: it was stopped by
someone, or by the bot, for a reason); one gone, or protected since, drops it; one still running
keeps waiting. Each row is claimed with a compare-and-set, re-read before acting and audited
under its request, so a sweep never applies one twice. The scheduler runs the sweep every
PENDING_SWEEP_MINUTES.

`open_undo` opens the request that puts back what a succeeded fix replaced (saved just before the
change); undoing an attachment still waiting simply cancels it.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel

from bot.actions import executor, hosting_params
from bot.actions.fix_store import APPLIED, APPLYING, CANCELLED, GONE, PENDING, FixStore
from bot.actions.models import ActionKind, ActionRequest, ResourceKey
from bot.aws import actions, notebook_fixes
from bot.aws.session import error_message
from bot.services import Services
from reports.requests import offers_undo

logger = logging.getLogger(__name__)

PENDING_JOB_ID = "pending-auto-stop"
PENDING_SWEEP_MINUTES = 10


class Applied(BaseModel):
    request_id: int
    resource_key: str
    result: str  # applied | waiting | gone | cancelled | error
    message: str


def _apply_one(services: Services, row: dict[str, Any]) -> Applied:
    fixes, requests = FixStore(services.store), executor.requests_of(services)
    request_id, resource_key = row["request_id"], row["resource_key"]
    key, now = ResourceKey.parse(resource_key), services.clock()
    request = requests.get(request_id)

    def end(result: str, state: str, message: str, aws_id: str | None = None) -> Applied:
        fixes.move(request_id, (APPLYING,), state, services.clock(), message)
        requests.audit(
            now=services.clock(), actor="system", event="pending-fix", request=request,
            outcome=result, aws_request_id=aws_id, detail=message,
        )
        return Applied(request_id=request_id, resource_key=resource_key, result=result,
                       message=message)

    if not fixes.move(request_id, (PENDING, APPLYING), APPLYING, now):
        return Applied(request_id=request_id, resource_key=resource_key, result="waiting",
                       message="claimed by another sweep")
    try:
        clients = executor.action_clients_for(services, key)  # it changes the notebook: the action role
        observation = actions.observe(clients, key, {})
    except Exception as exc:
        fixes.move(request_id, (APPLYING,), PENDING, services.clock(), error_message(exc))
        return Applied(request_id=request_id, resource_key=resource_key, result="error",
                       message=f"could not read notebook {key.name}: {error_message(exc)}")
    if observation.state == actions.ABSENT:
        return end("gone", GONE, f"notebook {key.name} no longer exists: auto-stop dropped")
    if services.settings.protected_tag_key in observation.tags:
        return end("cancelled", CANCELLED, f"notebook {key.name} is tagged"
                   f" {services.settings.protected_tag_key} (protected): auto-stop dropped")
    if notebook_fixes.has_auto_stop(observation.details.get("lifecycle_config")):
        return end("applied", APPLIED, f"notebook {key.name} already runs auto-stop")
    if observation.state != "Stopped":
        fixes.move(request_id, (APPLYING,), PENDING, services.clock())
        return Applied(request_id=request_id, resource_key=resource_key, result="waiting",
                       message=f"notebook {key.name} is {observation.state}: still waiting")
    if services.settings.dry_run:
        fixes.move(request_id, (APPLYING,), PENDING, services.clock())
        return Applied(request_id=request_id, resource_key=resource_key, result="waiting",
                       message=f"DRY RUN: would attach auto-stop to notebook {key.name}")
    fixes.save_before(request_id, resource_key, row["action"], dict(observation.details), now)
    try:
        aws_id = notebook_fixes.perform(clients, ActionKind.INSTALL_AUTO_STOP, key, row["params"])
    except Exception as exc:
        fixes.move(request_id, (APPLYING,), PENDING, services.clock(), error_message(exc))
        requests.audit(
            now=services.clock(), actor="system", event="pending-fix", request=request,
            outcome="error", detail=f"UpdateNotebookInstance: {error_message(exc)}",
        )
        return Applied(request_id=request_id, resource_key=resource_key, result="error",
                       message=f"AWS refused to attach auto-stop to {key.name}: {error_message(exc)}")
    return end("applied", APPLIED, f"attached auto-stop to notebook {key.name} (seen Stopped)",
               aws_id)


def apply_pending(services: Services) -> list[Applied]:
    """One pass over the waiting attachments (rows left `applying` by a crash included: acting
    again is safe, the re-read sees an attachment that was made)."""
    return [_apply_one(services, row) for row in FixStore(services.store).pending()]


def run_pending_job(services: Services, client: Any) -> None:
    for applied in apply_pending(services):
        if applied.result == "waiting":
            continue
        logger.info("pending auto-stop #%s: %s", applied.request_id, applied.message)
        request = executor.requests_of(services).get(applied.request_id)
        if client is not None and request is not None and request.channel:
            try:
                client.chat_postMessage(
                    channel=request.channel, thread_ts=request.thread_ts or request.message_ts,
                    text=f"Request #{request.id}: {applied.message}",
                )
            except Exception as exc:  # the effect is done and audited; the reply is a courtesy
                logger.warning("reply for pending auto-stop #%s failed: %s", request.id, exc)


def install_pending_jobs(scheduler: Any, services: Services, client: Any) -> None:
    """Scheduler installer (bot.runtime.scheduler.JOB_INSTALLERS): the pending-attachment sweep."""
    from apscheduler.triggers.interval import IntervalTrigger

    scheduler.add_job(
        run_pending_job, IntervalTrigger(minutes=PENDING_SWEEP_MINUTES),
        args=(services, client), id=PENDING_JOB_ID, name="pending auto-stop attachments",
        replace_existing=True, max_instances=1, coalesce=True,
    )


# --- Undo ------------------------------------------------------------------------------------------


def undo_params(request: ActionRequest, before: dict[str, Any]) -> dict[str, Any]:
    if request.action is ActionKind.INSTALL_AUTO_STOP:
        return {"lifecycle_config": before.get("lifecycle_config"),
                "restart_now": bool(request.params.get("restart_now"))}
    if request.action is ActionKind.ENABLE_IDLE_SHUTDOWN:
        return {"before": before}
    if request.action is ActionKind.RESIZE_NOTEBOOK:
        return {"instance_type": before.get("instance_type"), "restart_now": True}
    raise ValueError(f"no undo for {request.action}")


def open_undo(services: Services, request: ActionRequest, requester: str) -> executor.Opened:
    """The request that undoes `request`; a waiting attachment is cancelled without one."""
    if not offers_undo(request):
        return executor.Opened(refusal=f"request #{request.id} has nothing to undo")
    if request.action in hosting_params.UNDOABLE:  # what to switch back to is in its params
        assert request.action.undo is not None
        return executor.request_action(
            services, request.action.undo, request.resource_key, requester,
            params=hosting_params.undo_params(request), restore_of=request.id,
        )
    fixes = FixStore(services.store)
    if fixes.move(request.id, (PENDING,), CANCELLED, services.clock(), f"undone by {requester}"):
        executor.requests_of(services).audit(
            now=services.clock(), actor=requester, event="pending-fix", request=request,
            outcome="cancelled", detail="undone before the notebook stopped: nothing was attached",
        )
        return executor.Opened(refusal=(
            f"the auto-stop of request #{request.id} was still waiting for {request.key.name}"
            " to stop: cancelled, nothing had changed on AWS"
        ))
    before = fixes.before(request.id)
    if before is None:
        return executor.Opened(refusal=f"nothing was saved before request #{request.id}")
    assert request.action.undo is not None
    return executor.request_action(
        services, request.action.undo, request.resource_key, requester,
        params=undo_params(request, before), restore_of=request.id,
    )
