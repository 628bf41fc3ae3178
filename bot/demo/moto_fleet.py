"""Seed a moto SageMaker fleet: the demo's embedded default and the tests' one backend poker.

Resources are created through the real boto3 API; what the API cannot set (ages, training
durations) is written on moto's backend objects. Those attribute names are internal to moto,
which is why moto is pinned and why this is the only module that touches them. Backend poking
works when moto runs in this process (`mock_aws` or `ThreadedMotoServer`).
"""

from __future__ import annotations

import base64
import json
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

ROLE_ARN = "arn:aws:iam::123456789012:role/SageMakerExecution"
IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/model:latest"
JUPYTER_LOG_GROUP = "/aws/sagemaker/NotebookInstances"


def _naive_utc(moment: datetime) -> datetime:
    """moto stores naive UTC datetimes."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _tag_list(tags: dict[str, str] | None) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in (tags or {}).items()]


@dataclass
class MotoFleet:
    """`clients(service)` returns a boto3 client for this account-region."""

    clients: Callable[[str], Any]
    account_id: str = "123456789012"
    region: str = "us-east-1"

    def _backend(self, service: str = "sagemaker") -> Any:
        from moto.backends import get_backend

        return get_backend(service)[self.account_id][self.region]

    # --- notebooks ---------------------------------------------------------------------------

    def notebook(
        self,
        name: str,
        *,
        instance_type: str = "ml.t3.medium",
        stopped: bool = False,
        last_modified: datetime | None = None,
        lifecycle_config: str | None = None,
        tags: dict[str, str] | None = None,
    ) -> str:
        sm = self.clients("sagemaker")
        params: dict[str, Any] = {
            "NotebookInstanceName": name,
            "InstanceType": instance_type,
            "RoleArn": ROLE_ARN,
            "Tags": _tag_list(tags),
        }
        if lifecycle_config:
            try:
                sm.create_notebook_instance_lifecycle_config(
                    NotebookInstanceLifecycleConfigName=lifecycle_config,
                    OnStart=[{"Content": "IyEvYmluL2Jhc2gK"}],
                )
            except sm.exceptions.ClientError:
                pass  # shared by several notebooks
            params["LifecycleConfigName"] = lifecycle_config
        arn = sm.create_notebook_instance(**params)["NotebookInstanceArn"]
        if stopped:
            sm.stop_notebook_instance(NotebookInstanceName=name)
        if last_modified is not None:
            self.set_notebook_last_modified(name, last_modified)
        return arn

    def set_notebook_last_modified(self, name: str, moment: datetime) -> None:
        self._backend().notebook_instances[name].last_modified_time = _naive_utc(moment)

    def jupyter_log(self, notebook: str, last_event: datetime) -> None:
        """A Jupyter server log stream whose last event is at `last_event`."""
        logs = self.clients("logs")
        try:
            logs.create_log_group(logGroupName=JUPYTER_LOG_GROUP)
        except logs.exceptions.ResourceAlreadyExistsException:
            pass
        stream = f"{notebook}/jupyter.log"
        logs.create_log_stream(logGroupName=JUPYTER_LOG_GROUP, logStreamName=stream)
        logs.put_log_events(
            logGroupName=JUPYTER_LOG_GROUP,
            logStreamName=stream,
            logEvents=[
                {"timestamp": int(last_event.timestamp() * 1000), "message": "[I] kernel activity"}
            ],
        )

    # --- endpoints ---------------------------------------------------------------------------

    def endpoint(
        self,
        name: str,
        *,
        instance_type: str = "ml.m5.xlarge",
        variants: list[str] | None = None,
        instance_count: int = 1,
        created: datetime | None = None,
        serverless: bool = False,
        provisioned_concurrency: int | None = None,
        async_inference: bool = False,
        tags: dict[str, str] | None = None,
        config_name: str | None = None,
        image: str = IMAGE,
    ) -> str:
        sm = self.clients("sagemaker")
        variants = variants or ["AllTraffic"]
        model = f"{name}-model"
        sm.create_model(
            ModelName=model, ExecutionRoleArn=ROLE_ARN, PrimaryContainer={"Image": image}
        )
        production_variants = []
        for variant in variants:
            pv: dict[str, Any] = {"VariantName": variant, "ModelName": model}
            if serverless:
                sc: dict[str, Any] = {"MemorySizeInMB": 2048, "MaxConcurrency": 5}
                if provisioned_concurrency:
                    sc["ProvisionedConcurrency"] = provisioned_concurrency
                pv["ServerlessConfig"] = sc
            else:
                pv.update(InstanceType=instance_type, InitialInstanceCount=instance_count)
            production_variants.append(pv)
        config = config_name or f"{name}-config"
        config_params: dict[str, Any] = {
            "EndpointConfigName": config,
            "ProductionVariants": production_variants,
        }
        if async_inference:
            config_params["AsyncInferenceConfig"] = {
                "OutputConfig": {"S3OutputPath": f"s3://bucket/{name}/"}
            }
        sm.create_endpoint_config(**config_params)
        arn = sm.create_endpoint(
            EndpointName=name, EndpointConfigName=config, Tags=_tag_list(tags)
        )["EndpointArn"]
        if created is not None:
            ep = self._backend().endpoints[name]
            ep.creation_time = ep.last_modified_time = _naive_utc(created)
        return arn

    def scale_variant_to_zero(self, endpoint: str, variant: str) -> None:
        """What an inference-component endpoint or autoscaling to 0 looks like."""
        for pv in self._backend().endpoints[endpoint].production_variants:
            if pv["VariantName"] == variant:
                pv["CurrentInstanceCount"] = 0
                pv["DesiredInstanceCount"] = 0

    def deployed_images(self, endpoint: str, *images: str) -> None:
        """The `DeployedImages` AWS lists on each live variant (one per container); moto omits them."""
        for pv in self._backend().endpoints[endpoint].production_variants:
            pv["DeployedImages"] = [{"SpecifiedImage": i, "ResolvedImage": f"{i}@sha256:0"} for i in images]

    def invocations(
        self, endpoint: str, at: datetime, count: float = 1.0, variant: str = "AllTraffic"
    ) -> None:
        self.invocations_batch([(endpoint, variant, at, count)])

    def invocations_batch(self, datapoints: list[tuple[str, str, datetime, float]]) -> None:
        """(endpoint, variant, at, count) datapoints, 1000 a PutMetricData call (the API cap)."""
        cloudwatch = self.clients("cloudwatch")
        for start in range(0, len(datapoints), 1000):
            cloudwatch.put_metric_data(
                Namespace="AWS/SageMaker",
                MetricData=[
                    {
                        "MetricName": "Invocations",
                        "Dimensions": [
                            {"Name": "EndpointName", "Value": endpoint},
                            {"Name": "VariantName", "Value": variant},
                        ],
                        "Timestamp": at,
                        "Value": count,
                        "Unit": "None",
                    }
                    for endpoint, variant, at, count in datapoints[start : start + 1000]
                ],
            )

    def hourly_metrics(
        self, endpoint: str, hours: list[datetime], values: dict[str, float],
        variant: str = "AllTraffic",
    ) -> None:
        """The same value every hour for each metric: Invocations and ModelLatency in
        `AWS/SageMaker`, utilisation (CPUUtilization, MemoryUtilization, GPU…) in
        `/aws/sagemaker/Endpoints`, as SageMaker publishes them."""
        cloudwatch = self.clients("cloudwatch")
        dims = [
            {"Name": "EndpointName", "Value": endpoint},
            {"Name": "VariantName", "Value": variant},
        ]
        for metric, value in values.items():
            namespace = (
                "AWS/SageMaker" if metric in ("Invocations", "ModelLatency")
                else "/aws/sagemaker/Endpoints"
            )
            data = [
                {"MetricName": metric, "Dimensions": dims, "Timestamp": at, "Value": value}
                for at in hours
            ]
            for start in range(0, len(data), 1000):
                cloudwatch.put_metric_data(Namespace=namespace, MetricData=data[start : start + 1000])

    def register_autoscaling(self, endpoint: str, max_capacity: int, variant: str = "AllTraffic") -> None:
        self.clients("application-autoscaling").register_scalable_target(
            ServiceNamespace="sagemaker",
            ResourceId=f"endpoint/{endpoint}/variant/{variant}",
            ScalableDimension="sagemaker:variant:DesiredInstanceCount",
            MinCapacity=1,
            MaxCapacity=max_capacity,
        )

    # --- training ----------------------------------------------------------------------------

    def training_job(
        self,
        name: str,
        *,
        instance_type: str = "ml.p3.2xlarge",
        instance_count: int = 1,
        spot: bool = False,
        training_seconds: int = 3600,
        billable_seconds: int | None = None,
        ended: datetime | None = None,
        checkpoint: bool = False,
        keep_alive_seconds: int = 0,
        tags: dict[str, str] | None = None,
    ) -> str:
        sm = self.clients("sagemaker")
        resource: dict[str, Any] = {
            "InstanceType": instance_type,
            "InstanceCount": instance_count,
            "VolumeSizeInGB": 50,
        }
        if keep_alive_seconds:
            resource["KeepAlivePeriodInSeconds"] = keep_alive_seconds
        stopping: dict[str, Any] = {"MaxRuntimeInSeconds": max(training_seconds * 2, 3600)}
        params: dict[str, Any] = {
            "TrainingJobName": name,
            "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
            "RoleArn": ROLE_ARN,
            "OutputDataConfig": {"S3OutputPath": f"s3://bucket/{name}/"},
            "ResourceConfig": resource,
            "StoppingCondition": stopping,
            "Tags": _tag_list(tags),
        }
        if spot:
            params["EnableManagedSpotTraining"] = True
            stopping["MaxWaitTimeInSeconds"] = stopping["MaxRuntimeInSeconds"] * 2
        if checkpoint:
            params["CheckpointConfig"] = {"S3Uri": f"s3://bucket/{name}/checkpoints/"}
        arn = sm.create_training_job(**params)["TrainingJobArn"]
        job = self._backend().training_jobs[name]
        job.training_time_in_seconds = training_seconds
        job.billable_time_in_seconds = (
            billable_seconds if billable_seconds is not None else training_seconds
        )
        end = _naive_utc(ended or datetime.now(UTC))
        start = end - timedelta(seconds=training_seconds)
        job.creation_time = job.training_start_time = start - timedelta(minutes=5)
        job.training_end_time = job.last_modified_time = end
        return arn

    def tuning_job(
        self,
        name: str,
        *,
        instance_type: str = "ml.p3.2xlarge",
        instance_count: int = 1,
        spot: bool = False,
        checkpoint: bool = False,
        keep_alive_seconds: int = 0,
        ended: datetime | None = None,
        runtime_seconds: int = 3600,
        tags: dict[str, str] | None = None,
    ) -> str:
        """A Completed hyperparameter tuning job whose training definition is on demand or Spot.
        (moto launches no training jobs for it and its training jobs carry no TuningJobArn.)"""
        resource: dict[str, Any] = {
            "InstanceType": instance_type,
            "InstanceCount": instance_count,
            "VolumeSizeInGB": 50,
        }
        if keep_alive_seconds:
            resource["KeepAlivePeriodInSeconds"] = keep_alive_seconds
        definition: dict[str, Any] = {
            "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
            "RoleArn": ROLE_ARN,
            "OutputDataConfig": {"S3OutputPath": f"s3://bucket/{name}/"},
            "ResourceConfig": resource,
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
            "EnableManagedSpotTraining": spot,
        }
        if spot:
            definition["StoppingCondition"]["MaxWaitTimeInSeconds"] = 7200
        if checkpoint:
            definition["CheckpointConfig"] = {"S3Uri": f"s3://bucket/{name}/checkpoints/"}
        arn = self.clients("sagemaker").create_hyper_parameter_tuning_job(
            HyperParameterTuningJobName=name,
            HyperParameterTuningJobConfig={
                "Strategy": "Bayesian",
                "ResourceLimits": {"MaxNumberOfTrainingJobs": 4, "MaxParallelTrainingJobs": 2},
                "HyperParameterTuningJobObjective": {
                    "Type": "Maximize",
                    "MetricName": "validation:accuracy",
                },
            },
            TrainingJobDefinition=definition,
            Tags=_tag_list(tags),
        )["HyperParameterTuningJobArn"]
        job = self._backend().hyper_parameter_tuning_jobs[name]
        end = _naive_utc(ended or datetime.now(UTC))
        job.hyper_parameter_tuning_end_time = job.last_modified_time = end
        job.creation_time = end - timedelta(seconds=runtime_seconds)
        return arn


class MotoRecorder:
    """moto's request recorder over HTTP: which API operations a piece of code called.

    The recording is a file of JSON documents, one per request (path from the server's
    `MOTO_RECORDER_FILEPATH`, else `moto_recording` in its working directory). Concurrent
    requests can land on one line, so the file is decoded document by document, not by line.
    """

    def __init__(self, endpoint_url: str) -> None:
        self.endpoint_url = endpoint_url.rstrip("/")

    def _post(self, action: str) -> None:
        request = urllib.request.Request(
            f"{self.endpoint_url}/moto-api/recorder/{action}", data=b"", method="POST"
        )
        urllib.request.urlopen(request, timeout=30).close()

    def start(self) -> None:
        self._post("reset-recording")
        self._post("start-recording")

    def stop(self) -> list[RecordedRequest]:
        """Stop and return the recorded requests in order."""
        self._post("stop-recording")
        url = f"{self.endpoint_url}/moto-api/recorder/download-recording"
        with urllib.request.urlopen(url, timeout=30) as response:
            text = response.read().decode()
        return [RecordedRequest.of(entry) for entry in _json_documents(text)]


@dataclass(frozen=True)
class RecordedRequest:
    operation: str
    params: dict[str, Any]

    @classmethod
    def of(cls, entry: dict[str, Any]) -> RecordedRequest:
        body = entry.get("body") or ""
        if entry.get("body_encoded"):
            body = base64.b64decode(body).decode("utf-8", "replace")
        try:
            params = json.loads(body) if body.startswith("{") else {}
        except json.JSONDecodeError:
            params = {}
        return cls(operation=operation_of(entry, body), params=params)


def _json_documents(text: str) -> list[dict[str, Any]]:
    decoder = json.JSONDecoder()
    documents, index = [], 0
    while True:
        while index < len(text) and text[index].isspace():
            index += 1
        if index >= len(text):
            return documents
        document, index = decoder.raw_decode(text, index)
        documents.append(document)


def operation_of(entry: dict[str, Any], body: str) -> str:
    """The API operation of a recorded request: the JSON protocols name it in X-Amz-Target
    (`SageMaker.Search`, `GraniteServiceVersion20100801.GetMetricData`), the query protocol in the
    form body's `Action`."""
    headers = {k.lower(): v for k, v in entry.get("headers", {}).items()}
    target = headers.get("x-amz-target")
    if target:
        return target.rsplit(".", 1)[-1]
    action = urllib.parse.parse_qs(body).get("Action")
    if action:
        return action[0]
    path = urllib.parse.urlparse(entry.get("url", "")).path
    return f"{entry.get('method', '?')} {path}"
