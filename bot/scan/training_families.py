"""Which training runs recur: monthly means monthly.

A saving on a job that ran once is not a monthly saving. Runs belong to one family when they are
children of the same tuning job, steps of the same pipeline, or share a base name once the
timestamp suffix is removed (the SageMaker Python SDK names jobs `<base>-YYYY-MM-DD-HH-MM-SS-mmm`;
SageMaker Pipelines names step jobs `pipelines-<execution id>-<step name>-<random>`). A family
with two or more runs in the window recurs and counts in the monthly total at its observed rate;
any other run is one-off.

Which runs are billed: every run that reports billable time, whether it completed, was stopped
(early stopping in a tuning job stops children) or failed after starting.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

SDK_TIMESTAMP = re.compile(r"-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}(-\d{3})?$")
PIPELINE_STEP = re.compile(r"^pipelines-[a-z0-9]{12}-(?P<step>.+)-[A-Za-z0-9]{10}$")
BILLED_STATUSES = ("Completed", "Stopped", "Failed")
MIN_RUNS_TO_RECUR = 2


def family_of(job: dict[str, Any]) -> str:
    if job.get("TuningJobArn"):
        return f"tuning:{job['TuningJobArn']}"
    name = job.get("TrainingJobName", "")
    step = PIPELINE_STEP.match(name)
    if step:
        return f"pipeline-step:{step['step']}"
    return SDK_TIMESTAMP.sub("", name)


def runs_per_family(jobs: Iterable[dict[str, Any]]) -> Counter[str]:
    return Counter(family_of(j) for j in jobs)


def recurs(job: dict[str, Any], runs: Counter[str]) -> bool:
    return runs[family_of(job)] >= MIN_RUNS_TO_RECUR


def is_billed_run(job: dict[str, Any]) -> bool:
    """A run that cost money: billable time reported, whatever way it ended."""
    return job.get("TrainingJobStatus") in BILLED_STATUSES and (job.get("BillableTimeInSeconds") or 0) > 0
