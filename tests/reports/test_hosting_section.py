"""The digest lists the hosting kinds together under one Hosting heading, biggest saving first."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from rich.console import Console

from bot.models import FindingKind as K
from bot.models import ScanResult
from reports.digest import build_digest
from reports.text import print_scan
from tests.fakes.findings import finding

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def digest_texts(findings):
    scan = ScanResult(generated_at=NOW, regions=["us-east-1"], accounts=["123456789012"], findings=findings)
    blocks = build_digest(scan, previous_savings_usd=None).main.to_dict()["blocks"]
    return [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]


FLEET = [
    finding("ep-serverless", K.SERVERLESS_CANDIDATE, savings_usd=150.0),
    finding("nb-idle", K.IDLE_NOTEBOOK, savings_usd=300.0),
    finding("ep-big", K.OVERPROVISIONED_ENDPOINT, savings_usd=900.0),
    finding("ep-gpu", K.INFERENTIA_CANDIDATE, savings_usd=400.0),
]


def test_hosting_kinds_share_one_heading_with_the_advice_counted():
    headings = [t for t in digest_texts(FLEET) if "item" in t and "—" in t]
    assert headings == [
        "*Hosting* — 3 items, $1,450/month (right-size 1, serverless 1, Inferentia 1)",
        "*Idle notebook instances* — 1 item, $300/month",
    ]


def test_hosting_items_follow_their_heading_biggest_saving_first():
    texts = digest_texts(FLEET)
    start = next(i for i, t in enumerate(texts) if t.startswith("*Hosting*"))
    names = [t.split("*")[1] for t in texts[start + 1:start + 4]]
    assert names == ["ep-big", "ep-gpu", "ep-serverless"]


def test_the_hosting_section_comes_after_a_bigger_section():
    fleet = [finding("nb-idle", K.IDLE_NOTEBOOK, savings_usd=5000.0),
             finding("ep-big", K.OVERPROVISIONED_ENDPOINT, savings_usd=900.0)]
    headings = [t.split("*")[1] for t in digest_texts(fleet) if " — " in t and "item" in t]
    assert headings == ["Idle notebook instances", "Hosting"]


def test_the_terminal_listing_has_one_hosting_section_biggest_saving_first():
    out = io.StringIO()
    scan = ScanResult(generated_at=NOW, regions=["us-east-1"], accounts=["123456789012"], findings=FLEET)
    print_scan(scan, console=Console(file=out, width=200))
    text = out.getvalue()
    assert "Hosting (3, $1,450/mo)" in text
    assert text.index("ep-big") < text.index("ep-gpu") < text.index("ep-serverless")
    assert "Overprovisioned endpoints" not in text


def test_the_hosting_section_pays_for_one_heading_however_many_kinds_it_lists():
    from reports.findings import blocks_per_item, pack
    from reports.hosting_section import section_of

    hosting = [
        finding("ep-a", K.OVERPROVISIONED_ENDPOINT), finding("ep-b", K.ENDPOINT_WITHOUT_AUTOSCALING),
        finding("ep-c", K.SERVERLESS_CANDIDATE), finding("ep-d", K.INFERENTIA_CANDIDATE),
    ]
    budget = sum(blocks_per_item(f) for f in hosting) + 1  # the items and one heading
    shown, rest = pack(hosting, budget, max_items=10, heading_of=lambda f: section_of(f.kind))
    assert (len(shown), rest) == (4, [])
    shown, rest = pack(hosting, budget, max_items=10, heading_of=lambda f: str(f.kind))
    assert len(shown) < 4  # a heading per kind would not fit
