"""The demo's endpoints that serve traffic at a cost the hosting advice can cut: one of each
hosting kind, in the ml-prod account's us-east-1 (priced from the bundled table).

Each gets 14 days of CloudWatch data put into moto, as SageMaker publishes it: utilisation in
`/aws/sagemaker/Endpoints` (CPU and GPU summed over cores/devices), Invocations and ModelLatency
(microseconds) in `AWS/SageMaker`. Only peaks matter for utilisation, so it is written every 6th
hour (moto's GetMetricData reads every datapoint of a namespace per query: fewer points keep the
demo quick); Invocations are written every hour for the multi-instance endpoints, whose hourly
profile decides autoscaling advice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.aws.hosting_metrics import hourly_window

SKLEARN = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
PYTORCH_GPU = "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-inference:2.1.0-gpu-py310"
OWN_IMAGE = "222222222222.dkr.ecr.us-east-1.amazonaws.com/search-embeddings:7"


def seed_demo_hosting(f: Any, now: datetime) -> None:
    """`f` is a MotoFleet for one account-region."""
    start, _ = hourly_window(now, 14)
    hours = [start + timedelta(hours=i) for i in range(14 * 24)]
    sampled = hours[::6] + hours[-1:]  # the last hour too: traffic within the last 48 h
    old = now - timedelta(days=30)

    # overprovisioned-endpoint: 4 × m5.xlarge peaking at 30 % of one instance's CPU → 2.
    f.endpoint("search-embeddings", instance_count=4, created=old, image=OWN_IMAGE,
               tags={"team": "search"})
    f.hourly_metrics("search-embeddings", sampled, {"CPUUtilization": 120.0, "MemoryUtilization": 12.0})
    f.hourly_metrics("search-embeddings", hours, {"Invocations": 4000.0})

    # endpoint-without-autoscaling: busy at its size for one hour a fortnight, quiet otherwise.
    f.endpoint("checkout-fraud", instance_count=3, created=old, image=OWN_IMAGE,
               tags={"team": "payments-risk"})
    f.hourly_metrics("checkout-fraud", sampled, {"CPUUtilization": 300.0, "MemoryUtilization": 70.0})
    f.hourly_metrics("checkout-fraud", hours, {"Invocations": 40.0})
    f.hourly_metrics("checkout-fraud", [hours[-30]], {"Invocations": 9000.0})

    # serverless-candidate: 216 requests every 6 hours of 0.2 s, 1.6 GB of memory → 2 GB serverless.
    f.endpoint("faq-answerer", created=old, image=OWN_IMAGE, tags={"owner": "support-tools"})
    f.hourly_metrics("faq-answerer", sampled, {
        "CPUUtilization": 40.0, "MemoryUtilization": 10.0, "Invocations": 216.0,
        "ModelLatency": 200_000.0,
    })

    # multi-model-candidate: three quiet scikit-learn models on their own ml.m5.large each.
    for market in ("us", "eu", "apac"):
        name = f"pricing-model-{market}"
        f.endpoint(name, instance_type="ml.m5.large", created=old, image=SKLEARN,
                   tags={"team": "pricing"})
        f.hourly_metrics(name, sampled, {
            "CPUUtilization": 20.0, "MemoryUtilization": 20.0, "Invocations": 120.0,
        })

    # inferentia-candidate: a PyTorch model on a V100 that an inf2.xlarge would serve for less.
    f.endpoint("image-tagger", instance_type="ml.p3.2xlarge", created=old, image=PYTORCH_GPU,
               tags={"team": "vision"})
    f.hourly_metrics("image-tagger", sampled, {
        "CPUUtilization": 500.0, "MemoryUtilization": 50.0, "GPUUtilization": 55.0,
        "GPUMemoryUtilization": 50.0, "Invocations": 1800.0,
    })
