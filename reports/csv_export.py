"""Findings as CSV: the digest's attachment with every item, including those not shown.

Cells that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR at the start) are
prefixed with `'`: tag values are user-controlled.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence

from bot.models import Finding

COLUMNS = [
    "kind",
    "name",
    "account_id",
    "region",
    "resource_type",
    "instance_type",
    "instance_count",
    "est_monthly_cost_usd",
    "est_monthly_savings_usd",
    "reason",
    "owner",
    "protected",
    "detected_at",
    "key",
    "arn",
    "evidence",
]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def findings_csv(findings: Sequence[Finding], owner_tag_keys: Sequence[str] = ("owner", "team")) -> str:
    """One row per finding; an unknown price is an empty cell (never 0)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for f in findings:
        row = {
            "kind": f.kind.value,
            "name": f.name,
            "account_id": f.account_id,
            "region": f.region,
            "resource_type": f.resource_type.value,
            "instance_type": f.instance_type,
            "instance_count": f.instance_count,
            "est_monthly_cost_usd": "" if f.est_monthly_cost_usd is None else f"{f.est_monthly_cost_usd:.2f}",
            "est_monthly_savings_usd": "" if f.est_monthly_savings_usd is None else f"{f.est_monthly_savings_usd:.2f}",
            "reason": f.reason,
            "owner": f.owner(owner_tag_keys),
            "protected": "yes" if f.protected else "no",
            "detected_at": f.detected_at.isoformat(),
            "key": f.key,
            "arn": f.arn,
            "evidence": json.dumps(f.evidence, sort_keys=True, default=str),
        }
        writer.writerow([_cell(row[c]) for c in COLUMNS])
    return out.getvalue()
