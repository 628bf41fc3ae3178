"""Every Block Kit action_id / callback_id the bot sends and listens for, in one place.

Item buttons carry the finding's `key` (`account:region:resource-type:name`) as their value;
request buttons carry the request id.
"""

from enum import StrEnum


class ActionId(StrEnum):
    # buttons on digest / slash-command items
    STOP = "sm_stop"
    START = "sm_start"
    DELETE = "sm_delete"
    SCHEDULE = "sm_schedule"
    SNOOZE = "sm_snooze"
    # buttons on action requests
    APPROVE = "sm_approve"
    REJECT = "sm_reject"
    RESTORE = "sm_restore"
    UNDO = "sm_undo"  # value: the id of the succeeded fix request to undo
    # lasting fixes on digest items (value: the finding's key)
    AUTO_STOP = "sm_auto_stop"  # attach at the notebook's next stop
    AUTO_STOP_RESTART = "sm_auto_stop_restart"  # stop, attach, start again now
    ENABLE_IDLE_SHUTDOWN = "sm_enable_idle_shutdown"  # Studio domain / user profile / space
    RESIZE = "sm_resize"  # an oversized notebook (stop, change type, start) or endpoint
    AUTOSCALE = "sm_autoscale"  # an endpoint variant: register a scalable target + policy
    # snooze list
    UNSNOOZE = "sm_unsnooze"
    # a schedule waiting for approval (value: the schedule id)
    SCHEDULE_APPROVE = "sm_schedule_approve"
    SCHEDULE_REJECT = "sm_schedule_reject"


class CallbackId(StrEnum):
    SCHEDULE_MODAL = "sm_schedule_modal"
    DELETE_AT_MODAL = "sm_delete_at_modal"
    SNOOZE_MODAL = "sm_snooze_modal"
