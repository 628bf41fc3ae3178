"""A sagemaker client whose whole conversation is answered by botocore's Stubber, for the
notebook fixes moto cannot run (it has no UpdateNotebookInstance): each helper queues the calls
one step of the executor makes, with model-shaped answers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.stub import Stubber

from bot.aws.notebook_fixes import AUTO_STOP_CONFIG

ACCOUNT, REGION = "123456789012", "us-east-1"
NAME = "nb-1"
KEY = f"{ACCOUNT}:{REGION}:notebook-instance:{NAME}"
ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:notebook-instance/{NAME}"
NB = {"NotebookInstanceName": NAME}


class StubbedSageMaker:
    """One sagemaker client whose every call is answered by a Stubber (a ClientFactory's shape)."""

    def __init__(self) -> None:
        self.sm = boto3.client("sagemaker", region_name=REGION)
        self.stub = Stubber(self.sm)

    def client(self, service: str, region: str, target: object = None) -> Any:
        assert (service, region) == ("sagemaker", REGION)
        return self.sm

    def notebook(
        self, status: str, config: str | None = None, times: int = 1,
        instance_type: str = "ml.t3.medium",
    ) -> None:
        answer = {
            "NotebookInstanceArn": ARN, "NotebookInstanceName": NAME,
            "NotebookInstanceStatus": status, "InstanceType": instance_type,
            "LastModifiedTime": datetime(2026, 3, 1, tzinfo=UTC),
            "CreationTime": datetime(2026, 2, 1, tzinfo=UTC),
        }
        if config:
            answer["NotebookInstanceLifecycleConfigName"] = config
        for _ in range(times):
            self.stub.add_response("describe_notebook_instance", answer, NB)

    def observed(
        self, status: str, config: str | None = None, tags: dict | None = None,
        instance_type: str = "ml.t3.medium",
    ) -> None:
        """What `observe` reads: the notebook, then its tags."""
        self.notebook(status, config, instance_type=instance_type)
        tag_list = [{"Key": k, "Value": v} for k, v in (tags or {}).items()]
        self.stub.add_response("list_tags", {"Tags": tag_list}, {"ResourceArn": ARN})

    def shared_config_exists(self) -> None:
        self.stub.add_response(
            "describe_notebook_instance_lifecycle_config",
            {"NotebookInstanceLifecycleConfigName": AUTO_STOP_CONFIG,
             "OnStart": [{"Content": "IyEvYmluL2Jhc2g="}]},
            {"NotebookInstanceLifecycleConfigName": AUTO_STOP_CONFIG},
        )

    def update(self, changes: dict[str, Any], request_id: str = "upd-1") -> None:
        self.stub.add_response(
            "update_notebook_instance", {"ResponseMetadata": {"RequestId": request_id}},
            {**NB, **changes},
        )

    def stop_update_start(self, changes: dict[str, Any], request_id: str = "upd-1") -> None:
        self.notebook("InService")
        self.stub.add_response("stop_notebook_instance", {}, NB)
        self.notebook("Stopped")  # the waiter's first poll
        self.update(changes, request_id)
        self.notebook("Stopped")
        self.stub.add_response("start_notebook_instance", {}, NB)
