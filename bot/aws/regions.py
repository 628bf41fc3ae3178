"""Which regions to scan when `SMBOT_REGIONS` is unset: the account's enabled regions where
SageMaker is offered.

SageMaker's regions come from botocore's endpoint data (no call); the account's enabled regions
from `ec2:DescribeRegions`, which without `AllRegions` lists only the regions enabled for the
calling account (opt-in regions such as ap-east-1 appear once the account opted in).
"""

from __future__ import annotations

from typing import Any

import boto3

HOME_REGION = "us-east-1"  # any enabled region answers DescribeRegions; this one always is
PERMISSIONS = ("ec2:DescribeRegions",)


def sagemaker_regions() -> list[str]:
    """Regions of the commercial partition where botocore knows a SageMaker endpoint."""
    return boto3.session.Session().get_available_regions("sagemaker")


def enabled_sagemaker_regions(ec2_client: Any) -> list[str]:
    enabled = {r["RegionName"] for r in ec2_client.describe_regions().get("Regions", [])}
    return [region for region in sagemaker_regions() if region in enabled]
