"""Studio for tests: API-shaped records and a Stubber that queues the scanners' calls.

moto has no Studio apps, user profiles or spaces and no CloudTrail LookupEvents (FACTS.md).
`botocore.stub.Stubber` answers instead: it checks each call's parameters and each response's
shape against the real service model, so a scanner that calls the API wrongly fails here as it
would on AWS. The records come from the product's own builders (`bot.demo.studio_standin`), which the
offline demo uses too.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from typing import Any

import boto3
from botocore.stub import ANY, Stubber

from bot.demo.studio_standin import (  # noqa: F401 - re-exported for tests
    app_record,
    domain_record,
    idle_settings,
    space_idle_timeout,
    space_record,
    user_profile_record,
)

REGION = "us-east-1"


@cache
def _item_members(operation: str, list_key: str) -> frozenset[str]:
    model = boto3.session.Session().client("sagemaker", region_name=REGION).meta.service_model
    return frozenset(model.operation_model(operation).output_shape.members[list_key].member.members)


def list_item(record: dict[str, Any], operation: str, list_key: str) -> dict[str, Any]:
    """Project a Describe* record onto a List* item (AppDetails, SpaceDetails...) by the model."""
    members = _item_members(operation, list_key)
    return {k: v for k, v in record.items() if k in members}


class StudioStub:
    """A Stubber on a sagemaker client with one method per call a Studio scanner makes.

    Responses are consumed in the order queued; `with stub:` activates it and `verify()` fails
    when a queued call never came.
    """

    def __init__(self, client: Any | None = None) -> None:
        self.client = client or boto3.client("sagemaker", region_name=REGION)
        self.stubber = Stubber(self.client)

    def __enter__(self) -> StudioStub:
        self.stubber.activate()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stubber.deactivate()

    def verify(self) -> None:
        self.stubber.assert_no_pending_responses()

    def list_apps(self, records: list[dict[str, Any]]) -> StudioStub:
        apps = [list_item(r, "ListApps", "Apps") for r in records]
        self.stubber.add_response("list_apps", {"Apps": apps}, {"MaxResults": 100})
        return self

    def describe_app(self, record: dict[str, Any]) -> StudioStub:
        keys = ("DomainId", "AppType", "AppName", "UserProfileName", "SpaceName")
        self.stubber.add_response(
            "describe_app", record, {k: record[k] for k in keys if k in record}
        )
        return self

    def describe_app_error(self, record: dict[str, Any], code: str) -> StudioStub:
        self.stubber.add_client_error("describe_app", code, f"{code} for {record['AppName']}")
        return self

    def list_spaces(self, records: list[dict[str, Any]], **params: Any) -> StudioStub:
        spaces = [list_item(r, "ListSpaces", "Spaces") for r in records]
        for space, record in zip(spaces, records, strict=False):
            owner = record.get("OwnershipSettings", {}).get("OwnerUserProfileName")
            if owner:
                space["OwnershipSettingsSummary"] = {"OwnerUserProfileName": owner}
        self.stubber.add_response("list_spaces", {"Spaces": spaces}, {"MaxResults": 100, **params})
        return self

    def describe_space(self, record: dict[str, Any]) -> StudioStub:
        params = {"DomainId": record["DomainId"], "SpaceName": record["SpaceName"]}
        self.stubber.add_response("describe_space", record, params)
        return self

    def list_user_profiles(self, records: list[dict[str, Any]], **params: Any) -> StudioStub:
        items = [list_item(r, "ListUserProfiles", "UserProfiles") for r in records]
        self.stubber.add_response(
            "list_user_profiles", {"UserProfiles": items}, {"MaxResults": 100, **params}
        )
        return self

    def describe_user_profile(self, record: dict[str, Any]) -> StudioStub:
        params = {"DomainId": record["DomainId"], "UserProfileName": record["UserProfileName"]}
        self.stubber.add_response("describe_user_profile", record, params)
        return self

    def list_domains(self, records: list[dict[str, Any]]) -> StudioStub:
        items = [list_item(r, "ListDomains", "Domains") for r in records]
        self.stubber.add_response("list_domains", {"Domains": items}, {"MaxResults": 100})
        return self

    def describe_domain(self, record: dict[str, Any]) -> StudioStub:
        self.stubber.add_response("describe_domain", record, {"DomainId": record["DomainId"]})
        return self

    def list_tags(self, arn: str, tags: dict[str, str] | None = None) -> StudioStub:
        answer = {"Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()]}
        self.stubber.add_response("list_tags", answer, {"ResourceArn": arn})
        return self

    def error(self, method: str, code: str, message: str = "denied") -> StudioStub:
        self.stubber.add_client_error(method, code, message)
        return self


# --- CloudTrail ------------------------------------------------------------------------------

STUDIO_OPEN_EVENT = "CreatePresignedDomainUrl"


def studio_open_event(
    at: datetime, domain_id: str, user_profile: str, space: str | None = None
) -> dict[str, Any]:
    """A CreatePresignedDomainUrl event as LookupEvents returns it."""
    params = {"domainId": domain_id, "userProfileName": user_profile}
    if space:
        params["spaceName"] = space
    detail = {"eventName": STUDIO_OPEN_EVENT, "requestParameters": params}
    return {
        "EventId": f"evt-{user_profile}-{int(at.timestamp())}",
        "EventName": STUDIO_OPEN_EVENT,
        "EventTime": at,
        "CloudTrailEvent": json.dumps(detail),
    }


def lookup_params(event_name: str) -> dict[str, Any]:
    return {
        "LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": event_name}],
        "StartTime": ANY,
        "EndTime": ANY,
        "MaxResults": 50,
    }


def stub_cloudtrail(client: Any, events: list[dict[str, Any]] | None = None,
                    error: str | None = None, event_name: str = STUDIO_OPEN_EVENT) -> Stubber:
    """An active Stubber answering one LookupEvents with `events`, or failing with `error`."""
    stub = Stubber(client)
    if error:
        stub.add_client_error("lookup_events", error, f"{error} for LookupEvents")
    else:
        stub.add_response("lookup_events", {"Events": events or []}, lookup_params(event_name))
    stub.activate()
    return stub
