"""The digest's CSV attachment."""

from __future__ import annotations

import csv
import io

from reports.csv_export import COLUMNS, findings_csv
from tests.fakes.findings import finding, many_findings


def rows_of(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_every_finding_is_one_row_with_every_column():
    rows = rows_of(findings_csv(many_findings(1000)))

    assert len(rows) == 1000
    assert list(rows[0]) == COLUMNS


def test_an_unknown_price_is_an_empty_cell_not_zero():
    row = rows_of(findings_csv([finding(savings_usd=None)]))[0]

    assert row["est_monthly_savings_usd"] == ""


def test_cells_a_spreadsheet_would_run_as_formulas_are_defused():
    row = rows_of(findings_csv([finding(tags={"owner": "=HYPERLINK(\"http://x\")"})]))[0]

    assert row["owner"].startswith("'=")


def test_owner_comes_from_the_configured_tag_keys():
    row = rows_of(findings_csv([finding(tags={"cost-center": "ml"})], owner_tag_keys=["cost-center"]))[0]

    assert row["owner"] == "ml"
