"""Which variants need DescribeModel, from the `DeployedImages` of Search's endpoint records
(ProductionVariantSummary in botocore's SageMaker model: SpecifiedImage, ResolvedImage)."""

from __future__ import annotations

import pytest

from bot.scan.scanners.hosting_fleet import deployed_image, needs_model

SKLEARN = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
OWN = "123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:7"


def live(*images: str) -> dict:
    return {
        "VariantName": "AllTraffic", "CurrentInstanceCount": 2, "DesiredInstanceCount": 2,
        "DeployedImages": [
            {"SpecifiedImage": i, "ResolvedImage": f"{i}@sha256:ab12", "ResolutionTime": "2026-10-01T00:00:00Z"}
            for i in images
        ],
    }


CASES = [
    ("no DeployedImages (moto)", {"VariantName": "AllTraffic"}, True),
    ("one custom container", live(OWN), False),
    ("one framework container: its mode is only in the model", live(SKLEARN), True),
    ("an inference pipeline: never a multi-model member", live(SKLEARN, OWN), False),
]


@pytest.mark.parametrize("case,variant,needed", CASES, ids=[c[0] for c in CASES])
def test_describe_model_is_read_only_when_search_cannot_answer(case, variant, needed):
    assert needs_model(variant) is needed


def test_the_image_and_container_count_come_from_deployed_images():
    assert deployed_image(live(OWN)) == (OWN, True)
    assert deployed_image(live(SKLEARN, OWN)) == (SKLEARN, False)
    assert deployed_image({"VariantName": "AllTraffic"}) == (None, False)
