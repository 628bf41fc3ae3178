"""Finishing what a crash or a lost process left behind: requests `approved` but never claimed,
and requests `executing` whose AWS call may or may not have gone out.

An `executing` request is settled by reading the resource, never by re-sending blindly:

- done (Stopped/Stopping, Deleting/absent, …)          → succeeded, "found done", not re-run;
- still in a state the action starts from (InService…) → the call never took effect: it is run
  now through `executor.act`, so every re-read guard applies again (exists, not protected,
  still idle: for an endpoint, no invocations since the request);
- anything else (Failed, Updating, absent for a stop), or a multi-step fix whose first step the
  status cannot show                                  → failed "interrupted": the state cannot
  tell whether acting is still right.

Runs at start-up before serving (grace 0) and from the running bot's periodic sweep, which only
takes requests untouched for `RECOVERY_GRACE_SECONDS` and not being run by this process now.
"""

from __future__ import annotations

from datetime import timedelta

from bot.actions import approvals, executor, fix_steps, request_params
from bot.actions.models import ActionRequest, Outcome, OutcomeCode, RequestState
from bot.aws import actions
from bot.aws.session import error_message
from bot.services import Services

S = RequestState

# A request untouched this long is not being worked on: its process died or lost its way.
# Longer than a claim-to-finish in normal operation (a re-read and one mutating call).
RECOVERY_GRACE_SECONDS = 120


def resume(services: Services, request: ActionRequest) -> Outcome:
    """Settle a request found `executing` with no one working on it (see the module docstring)."""
    requests = executor.requests_of(services)
    if not requests.reclaim_executing(request, services.clock()):
        current = requests.get(request.id) or request
        return executor.outcome_of(
            current, OutcomeCode.NOT_CLAIMED, f"request #{request.id} moved on meanwhile"
        )
    request = requests.get(request.id) or request
    key = request.key
    try:
        observation = actions.observe(executor.clients_for(services, key), key, request.params)
    except Exception as exc:  # stays executing: the next sweep tries again
        return executor.outcome_of(
            request, OutcomeCode.ERROR, f"could not read {key.name} to recover: {error_message(exc)}"
        )
    requests.audit(
        now=services.clock(), actor="system", event="resumed", request=request,
        from_state=S.EXECUTING, to_state=S.EXECUTING, outcome=observation.state,
        dry_run=request.dry_run,
    )
    if not request.dry_run and not services.settings.dry_run and (
        actions.is_done(request.action, observation, request.params)
        or fix_steps.is_pending(services, request)
    ):
        return executor.finish(
            services, request, S.SUCCEEDED, OutcomeCode.RECONCILED,
            f"{request_params.done_message(request)}: found done after a restart"
            f" ({observation.state}); not re-run", "system",
        )
    # A multi-step fix (attach auto-stop, resize) may have done a first step the resource's
    # status does not show: its state cannot tell, so only one-call actions are run again.
    if (
        request.action not in fix_steps.FIX_ACTIONS
        and observation.state in actions.GUARDS[request.action].valid_states
    ):
        return executor.act(services, request, "system")
    return executor.finish(
        services, request, S.FAILED, OutcomeCode.INTERRUPTED,
        f"{request.action.verb} {key.name} was interrupted by a restart and the resource is now"
        f" {observation.state}, which cannot tell whether it is still wanted; not re-run: ask"
        " again if so", "system",
    )


def recover(services: Services, grace_seconds: float = 0) -> list[Outcome]:
    """Expire overdue requests, run those left `approved`, settle those left `executing`.

    Only requests untouched for `grace_seconds` and not running in this process are taken: a
    click that approved a request a moment ago is claiming it itself."""
    requests = executor.requests_of(services)
    approvals.expire_due(requests, services.clock())
    cutoff = services.clock() - timedelta(seconds=grace_seconds)
    busy = executor.in_flight()

    def left(state: RequestState) -> list[ActionRequest]:
        return [
            r for r in requests.in_states(state) if r.updated_at <= cutoff and r.id not in busy
        ]

    outcomes = [executor.run_request(services, r.id) for r in left(S.APPROVED)]
    outcomes += [resume(services, r) for r in left(S.EXECUTING)]
    return outcomes
