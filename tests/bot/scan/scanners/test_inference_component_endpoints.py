"""Inference-component endpoints are judged by their components' Invocations: table tests of the
rule, and the scan with SageMaker answered by Stubber (moto has no inference components) and
CloudWatch by moto over HTTP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from botocore.stub import ANY, Stubber

from bot.aws.inference_components import hosts_inference_components
from bot.aws.metrics import component_series
from bot.models import FindingKind
from bot.scan.fanout import run_scan
from bot.scan.pricing import load_prices
from bot.scan.scanners import unused_endpoints as ue
from tests.bot.scan.scanners.test_unused_endpoints import OLD, endpoint, hourly


def ic_config(ep: dict) -> dict:
    """DescribeEndpointConfig of an inference-component endpoint: variants carry no ModelName."""
    return {
        "EndpointConfigName": ep["EndpointConfigName"],
        "EndpointConfigArn": f"arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/{ep['EndpointConfigName']}",
        "ExecutionRoleArn": "arn:aws:iam::123456789012:role/sm",
        "ProductionVariants": [
            {
                "VariantName": "AllTraffic",
                "InstanceType": "ml.m5.xlarge",
                "InitialInstanceCount": 1,
                "ManagedInstanceScaling": {"Status": "ENABLED", "MinInstanceCount": 1, "MaxInstanceCount": 2},
                "RoutingConfig": {"RoutingStrategy": "LEAST_OUTSTANDING_REQUESTS"},
            }
        ],
        "CreationTime": OLD,
    }


def judge(ctx, invocations: dict, components: dict | None, weekly: dict | None = None) -> list:
    ep = endpoint("ep-ic")
    return ue.find_unused_endpoints(ctx, [ep], invocations, {"ep-ic-config": ic_config(ep)}, weekly, components)


def test_a_variant_without_a_model_means_inference_components():
    assert hosts_inference_components(ic_config(endpoint("ep"))) is True
    assert hosts_inference_components({"ProductionVariants": [{"VariantName": "a", "ModelName": "m"}]}) is False


def test_unused_when_every_component_served_nothing(ctx):
    invocations = {component_series("ep-ic", "llama"): 0.0}
    [finding] = judge(ctx, invocations, {"ep-ic": ["llama", "mistral"]})
    assert finding.evidence["inference_components"] == {"llama": 0.0, "mistral": 0.0}
    assert "InferenceComponentName" in finding.evidence["judged_by"]


def test_one_busy_component_keeps_the_endpoint(ctx):
    invocations = {component_series("ep-ic", "llama"): 0.0, component_series("ep-ic", "mistral"): 7.0}
    assert judge(ctx, invocations, {"ep-ic": ["llama", "mistral"]}) == []


def test_components_that_could_not_be_listed_leave_the_endpoint_unjudged(ctx):
    assert judge(ctx, {}, components={}) == []


def test_a_component_used_this_week_makes_it_intermittent_not_unused(ctx):
    weekly = {component_series("ep-ic", "llama"): hourly(70)}
    assert judge(ctx, {component_series("ep-ic", "llama"): 0.0}, {"ep-ic": ["llama"]}, weekly) == []


def test_an_endpoint_with_no_component_left_is_unused(ctx):
    [finding] = judge(ctx, {}, {"ep-ic": []})
    assert finding.evidence["inference_components"] == {}


# --- the scan: SageMaker stubbed with model-shaped answers, CloudWatch on moto --------------------


def search_page(ep: dict) -> dict[str, Any]:
    record = {k: v for k, v in ep.items() if k != "Tags"} | {"LastModifiedTime": OLD}
    return {"Results": [{"Endpoint": record}]}


def component_summary(name: str) -> dict[str, Any]:
    return {
        "InferenceComponentName": name,
        "InferenceComponentArn": f"arn:aws:sagemaker:us-east-1:123456789012:inference-component/{name}",
        "EndpointName": "ep-ic",
        "EndpointArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint/ep-ic",
        "VariantName": "AllTraffic",
        "InferenceComponentStatus": "InService",
        "CreationTime": OLD,
        "LastModifiedTime": OLD,
    }


def scan_with_components(client_factory, settings, now, components_answer) -> Any:
    ep = endpoint("ep-ic", created=now - timedelta(days=10))
    sm = client_factory.client("sagemaker", "us-east-1")
    with Stubber(sm) as stub:
        stub.add_response("search", search_page(ep), {"Resource": "Endpoint", "SearchExpression": ANY, "MaxResults": 100})
        stub.add_response("describe_endpoint_config", ic_config(ep), {"EndpointConfigName": "ep-ic-config"})
        components_answer(stub)
        return run_scan(client_factory, settings, load_prices(), now, kinds=[FindingKind.UNUSED_ENDPOINT])


def put_component_invocations(region_clients, component: str, at, count: float) -> None:
    region_clients("cloudwatch").put_metric_data(
        Namespace="AWS/SageMaker",
        MetricData=[{
            "MetricName": "Invocations",
            "Dimensions": [{"Name": "InferenceComponentName", "Value": component}],
            "Timestamp": at, "Value": count, "Unit": "None",
        }],
    )


def list_answer(*names: str):
    def answer(stub: Stubber) -> None:
        stub.add_response(
            "list_inference_components",
            {"InferenceComponents": [component_summary(n) for n in names]},
            {"EndpointNameEquals": "ep-ic", "MaxResults": 100},
        )
    return answer


def test_a_busy_component_keeps_its_endpoint_out_of_the_scan(
    moto_server, region_clients, client_factory, settings, now
):
    put_component_invocations(region_clients, "llama", now - timedelta(hours=2), 30)
    result = scan_with_components(client_factory, settings, now, list_answer("llama", "mistral"))
    assert result.errors == []
    assert result.findings == []


def test_components_silent_for_two_weeks_make_the_endpoint_unused(
    moto_server, region_clients, client_factory, settings, now
):
    result = scan_with_components(client_factory, settings, now, list_answer("llama"))
    assert result.errors == []
    [finding] = result.findings
    assert (finding.name, finding.evidence["inference_components"]) == ("ep-ic", {"llama": 0.0})


def test_components_that_cannot_be_listed_are_an_error_not_an_unused_endpoint(
    moto_server, client_factory, settings, now
):
    def denied(stub: Stubber) -> None:
        stub.add_client_error(
            "list_inference_components", service_error_code="AccessDeniedException",
            service_message="not authorized to perform: sagemaker:ListInferenceComponents",
            http_status_code=400,
        )
    result = scan_with_components(client_factory, settings, now, denied)
    assert result.findings == []
    [error] = result.errors
    assert (error.operation, error.code) == ("ListInferenceComponents", "AccessDeniedException")
