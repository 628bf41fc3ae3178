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
    # snooze list
    UNSNOOZE = "sm_unsnooze"
    # a schedule waiting for approval (value: the schedule id)
    SCHEDULE_APPROVE = "sm_schedule_approve"
    SCHEDULE_REJECT = "sm_schedule_reject"


class CallbackId(StrEnum):
    SCHEDULE_MODAL = "sm_schedule_modal"
    DELETE_AT_MODAL = "sm_delete_at_modal"
    SNOOZE_MODAL = "sm_snooze_modal"
