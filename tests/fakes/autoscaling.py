"""An endpoint variant someone already autoscales: a scalable target with their own policy."""

from __future__ import annotations

from typing import Any

from bot.aws.hosting_actions import DIMENSION, NAMESPACE, resource_id


def autoscaled_by_someone(clients: Any, endpoint: str, max_capacity: int, variant: str = "AllTraffic") -> None:
    aas = clients("application-autoscaling")
    target = {"ServiceNamespace": NAMESPACE, "ResourceId": resource_id(endpoint, variant),
              "ScalableDimension": DIMENSION}
    aas.register_scalable_target(**target, MinCapacity=1, MaxCapacity=max_capacity)
    aas.put_scaling_policy(
        PolicyName="team-policy", PolicyType="TargetTrackingScaling", **target,
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 50.0,
            "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"},
        },
    )
