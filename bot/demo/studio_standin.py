"""An offline stand-in for the SageMaker Studio APIs moto does not implement.

moto 5.2.5 has no Studio apps, user profiles or spaces (FACTS.md), so the offline demo could never
show an idle Studio app. This module answers those operations from in-memory records, shaped
exactly like the AWS API responses, by plugging into botocore's own event system: a
`before-call.sagemaker.<Operation>` handler that returns `(http_response, parsed)` short-circuits
the HTTP request, which is the same mechanism `botocore.stub.Stubber` uses. Parameters are still
validated by botocore against the real service model before the handler runs, and every answer is
checked against the operation's output shape (taken from the model botocore hands the handler),
so demo data cannot drift from the real API.

It needs no botocore import (only `bot/aws/` may import it): the handlers receive the operation
model, and the response object only has to carry what the client reads (`status_code`). It is
used by the demo and by tests, never by the scan in production.

Install it on the sagemaker client a ClientFactory caches for an account-region (that is the
client every scanner of that account-region gets, AssumeRole'd accounts included), or on a boto3
Session before any client is created from it::

    factory = ClientFactory()
    now = datetime.now(UTC)
    install_studio_standin(
        factory.client("sagemaker", "us-east-1", target),  # target: AccountTarget or None
        apps=[app_record(domain_id="d-demo", app_type="JupyterLab", space="alice-space",
                         instance_type="ml.g4dn.xlarge", created=now - timedelta(days=3),
                         last_user_activity=now - timedelta(days=2),
                         last_health_check=now - timedelta(minutes=5),
                         account_id=target.account_id, region="us-east-1")],
        user_profiles=[user_profile_record(domain_id="d-demo", name="alice", created=...)],
        spaces=[space_record(domain_id="d-demo", name="alice-space", owner="alice",
                             space_settings=space_idle_timeout(720), created=...)],
        domains=[domain_record(domain_id="d-demo", name="research", created=...,
                               default_user_settings=idle_settings(None, enabled=False))],
    )

When `domains` is None, ListDomains/DescribeDomain go through to moto, which implements them;
but moto 5.2.5 fails ListTags on a domain created without tags (TypeError in-process, HTTP 500
over the server), so pass domains here, or create moto domains with at least one tag.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
Record = dict[str, Any]

# --- builders: Describe* responses as AWS shapes them -----------------------------------------


def app_record(
    *,
    domain_id: str,
    app_type: str,
    created: datetime,
    app_name: str = "default",
    user_profile: str | None = None,
    space: str | None = None,
    instance_type: str = "ml.t3.medium",
    status: str = "InService",
    last_user_activity: datetime | None = None,
    last_health_check: datetime | None = None,
    account_id: str = ACCOUNT_ID,
    region: str = REGION,
) -> Record:
    """A DescribeApp response. Apps belong to a space (JupyterLab, CodeEditor) or a user profile."""
    owner = space or user_profile or "default"
    record: Record = {
        "AppArn": f"arn:aws:sagemaker:{region}:{account_id}:app/{domain_id}/{owner}/"
        f"{app_type.lower()}/{app_name}",
        "AppType": app_type,
        "AppName": app_name,
        "DomainId": domain_id,
        "Status": status,
        "CreationTime": created,
        "ResourceSpec": {"InstanceType": instance_type},
    }
    if user_profile:
        record["UserProfileName"] = user_profile
    if space:
        record["SpaceName"] = space
    if last_user_activity:
        record["LastUserActivityTimestamp"] = last_user_activity
    if last_health_check:
        record["LastHealthCheckTimestamp"] = last_health_check
    return record


def idle_settings(timeout_minutes: int | None, *, enabled: bool = True) -> Record:
    """`{JupyterLab,CodeEditor}AppSettings` for a domain or user profile with idle shutdown."""
    idle: Record = {"LifecycleManagement": "ENABLED" if enabled else "DISABLED"}
    if timeout_minutes is not None:
        idle["IdleTimeoutInMinutes"] = timeout_minutes
    lifecycle = {"AppLifecycleManagement": {"IdleSettings": idle}}
    return {"JupyterLabAppSettings": lifecycle, "CodeEditorAppSettings": copy.deepcopy(lifecycle)}


def space_idle_timeout(timeout_minutes: int) -> Record:
    """A space's settings carry only the timeout (the on/off switch is the domain's or user's)."""
    idle = {"IdleTimeoutInMinutes": timeout_minutes}
    lifecycle = {"AppLifecycleManagement": {"IdleSettings": idle}}
    return {"JupyterLabAppSettings": lifecycle}


def user_profile_record(
    *,
    domain_id: str,
    name: str,
    created: datetime,
    user_settings: Record | None = None,
    account_id: str = ACCOUNT_ID,
    region: str = REGION,
) -> Record:
    """A DescribeUserProfile response; `user_settings` only holds what the profile overrides."""
    arn = f"arn:aws:sagemaker:{region}:{account_id}:user-profile/{domain_id}/{name}"
    record: Record = {
        "DomainId": domain_id,
        "UserProfileArn": arn,
        "UserProfileName": name,
        "Status": "InService",
        "CreationTime": created,
        "LastModifiedTime": created,
    }
    if user_settings:
        record["UserSettings"] = user_settings
    return record


def space_record(
    *,
    domain_id: str,
    name: str,
    created: datetime,
    space_settings: Record | None = None,
    owner: str | None = None,
    account_id: str = ACCOUNT_ID,
    region: str = REGION,
) -> Record:
    """A DescribeSpace response; `owner` makes it a private space of that user profile."""
    record: Record = {
        "DomainId": domain_id,
        "SpaceArn": f"arn:aws:sagemaker:{region}:{account_id}:space/{domain_id}/{name}",
        "SpaceName": name,
        "Status": "InService",
        "CreationTime": created,
        "LastModifiedTime": created,
    }
    if space_settings:
        record["SpaceSettings"] = space_settings
    if owner:
        record["OwnershipSettings"] = {"OwnerUserProfileName": owner}
        record["SpaceSharingSettings"] = {"SharingType": "Private"}
    return record


def domain_record(
    *,
    domain_id: str,
    name: str,
    created: datetime,
    default_user_settings: Record | None = None,
    default_space_settings: Record | None = None,
    account_id: str = ACCOUNT_ID,
    region: str = REGION,
) -> Record:
    """A DescribeDomain response (the parts the scanners and a reader care about)."""
    record: Record = {
        "DomainArn": f"arn:aws:sagemaker:{region}:{account_id}:domain/{domain_id}",
        "DomainId": domain_id,
        "DomainName": name,
        "Status": "InService",
        "CreationTime": created,
        "LastModifiedTime": created,
        "AuthMode": "IAM",
        "DefaultUserSettings": default_user_settings or {},
    }
    if default_space_settings:
        record["DefaultSpaceSettings"] = default_space_settings
    return record


# --- the stand-in ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StandInResponse:
    """The HTTP side of an answer: the client raises the modelled error when status >= 300."""

    status_code: int
    headers: dict[str, str] = field(default_factory=dict)
    url: str | None = None
    raw: Any = None
    content: bytes = b""


Answer = tuple[StandInResponse, Record]


class StandInShapeError(ValueError):
    """A record does not have the shape AWS answers with."""


def check_shape(value: Any, shape: Any, path: str = "") -> None:
    """Members, required members, lists, maps and scalar types, as the service model says."""
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            raise StandInShapeError(f"{path or shape.name}: expected a structure, got {value!r}")
        for key, item in value.items():
            if key not in shape.members:
                raise StandInShapeError(f"{path}.{key}: not a member of {shape.name}")
            check_shape(item, shape.members[key], f"{path}.{key}")
        missing = set(shape.required_members) - set(value)
        if missing:
            raise StandInShapeError(f"{path or shape.name}: missing {sorted(missing)}")
    elif kind == "list":
        if not isinstance(value, list):
            raise StandInShapeError(f"{path}: expected a list")
        for i, item in enumerate(value):
            check_shape(item, shape.member, f"{path}[{i}]")
    elif kind == "map":
        for key, item in value.items():
            check_shape(item, shape.value, f"{path}.{key}")
    else:
        expected = SCALARS.get(kind, object)
        if not isinstance(value, expected) or (kind == "integer" and isinstance(value, bool)):
            raise StandInShapeError(f"{path}: {value!r} is not a {kind}")
        if kind == "string" and shape.enum and value not in shape.enum:
            raise StandInShapeError(f"{path}: {value!r} not one of {shape.enum}")


SCALARS: dict[str, type | tuple[type, ...]] = {
    "string": str, "integer": int, "long": int, "boolean": bool,
    "float": (int, float), "double": (int, float), "timestamp": (datetime, str),
}


def _ok(parsed: Record, model: Any) -> Answer:
    check_shape(parsed, model.output_shape)
    return StandInResponse(200), parsed


def _not_found(message: str) -> Answer:
    # A status >= 300 makes the client raise the modelled exception, as on AWS.
    return StandInResponse(400), {"Error": {"Code": "ResourceNotFound", "Message": message}}


def _summary(record: Record, model: Any, list_key: str) -> Record:
    """Project a Describe record onto the List item shape (e.g. AppDetails)."""
    members = model.output_shape.members[list_key].member.members
    return {k: v for k, v in record.items() if k in members}


def _page(items: list[Record], params: Record, list_key: str) -> Record:
    start = int(params.get("NextToken") or 0)
    size = int(params.get("MaxResults") or 10)  # AWS's documented default page size
    answer: Record = {list_key: items[start : start + size]}
    if start + size < len(items):
        answer["NextToken"] = str(start + size)
    return answer


def _matches(record: Record, params: Record, filters: dict[str, str]) -> bool:
    return all(params.get(p) in (None, record.get(field)) for p, field in filters.items())


def _list_handler(records: list[Record], list_key: str, filters: dict[str, str]) -> Callable:
    def handler(model: Any, context: Record, **_: Any) -> Answer:
        params = context.get("studio_standin_params", {})
        items = [_summary(r, model, list_key) for r in records if _matches(r, params, filters)]
        return _ok(_page(items, params, list_key), model)

    return handler


def _describe_handler(records: list[Record], keys: tuple[str, ...], what: str) -> Callable:
    def handler(model: Any, context: Record, **_: Any) -> Answer:
        params = context.get("studio_standin_params", {})
        for record in records:
            if all(record.get(k) == params.get(k) for k in keys):
                return _ok(copy.deepcopy(record), model)
        return _not_found(f"{what} does not exist: {params}")

    return handler


def install_studio_standin(
    target: Any,
    apps: Iterable[Record] = (),
    user_profiles: Iterable[Record] = (),
    spaces: Iterable[Record] = (),
    domains: Iterable[Record] | None = None,
    tags: dict[str, dict[str, str]] | None = None,
) -> None:
    """Answer the Studio operations of `target`: a sagemaker client (from then on), or a boto3
    Session (every sagemaker client created from it afterwards).

    `apps`, `user_profiles`, `spaces`, `domains` are Describe* responses (see the builders above);
    `tags` maps an ARN to its tags for ListTags (records without an entry have none; ARNs of no
    record here go through to moto). List operations
    page with MaxResults/NextToken and honour the Equals filters, as AWS does.
    """
    apps, user_profiles, spaces = list(apps), list(user_profiles), list(spaces)
    # A client's own emitter, or the session's, which clients copy when they are created.
    events = target.meta.events if hasattr(target, "meta") else target.events

    def remember_params(params: Record, context: Record, **_: Any) -> None:
        # before-call sees the serialised request; the API parameters are only visible here.
        context["studio_standin_params"] = dict(params)

    handlers: dict[str, Callable] = {
        "ListApps": _list_handler(apps, "Apps", {
            "DomainIdEquals": "DomainId",
            "UserProfileNameEquals": "UserProfileName",
            "SpaceNameEquals": "SpaceName",
        }),
        "DescribeApp": _describe_handler(
            apps, ("DomainId", "AppType", "AppName", "UserProfileName", "SpaceName"), "App"
        ),
        "ListUserProfiles": _list_handler(
            user_profiles, "UserProfiles", {"DomainIdEquals": "DomainId"}
        ),
        "DescribeUserProfile": _describe_handler(
            user_profiles, ("DomainId", "UserProfileName"), "UserProfile"
        ),
        "ListSpaces": _list_handler(spaces, "Spaces", {"DomainIdEquals": "DomainId"}),
        "DescribeSpace": _describe_handler(spaces, ("DomainId", "SpaceName"), "Space"),
    }
    if domains is not None:
        domains = list(domains)
        handlers["ListDomains"] = _list_handler(domains, "Domains", {})
        handlers["DescribeDomain"] = _describe_handler(domains, ("DomainId",), "Domain")
    known_arns = {
        r.get(k) for r in [*apps, *user_profiles, *spaces, *(domains or [])]
        for k in ("AppArn", "UserProfileArn", "SpaceArn", "DomainArn") if r.get(k)
    }
    handlers["ListTags"] = _tags_handler(known_arns, tags or {})
    for operation, handler in handlers.items():
        events.register(f"before-parameter-build.sagemaker.{operation}", remember_params)
        events.register(f"before-call.sagemaker.{operation}", handler)


def _tags_handler(known_arns: set[str], tags: dict[str, dict[str, str]]) -> Callable:
    def handler(model: Any, context: Record, **_: Any) -> Answer | None:
        arn = context.get("studio_standin_params", {}).get("ResourceArn")
        if arn not in known_arns and arn not in tags:
            return None  # not ours: the call goes on to moto
        pairs = tags.get(arn, {}).items()
        return _ok({"Tags": [{"Key": k, "Value": v} for k, v in pairs]}, model)

    return handler
