"""The headline counts recurring waste only and says what it leaves out."""

from bot.models import FindingKind, SavingsBasis, totals_of
from reports.headline import headline_notes, price_sources_text, unpriced_text
from tests.fakes.findings import finding

NO_PRICE = "no price — grant pricing:GetProducts or run `sm-cost-bot prices refresh`"


def _unpriced(name, region="eu-south-2"):
    return finding(name, savings_usd=None, region=region, evidence={"price_missing": NO_PRICE})


def test_unpriced_findings_never_make_the_total_zero_silently():
    totals = totals_of([_unpriced("a"), _unpriced("b"), _unpriced("c")])
    assert totals.est_monthly_savings_usd == 0
    assert unpriced_text(totals) == f"3 findings unpriced (eu-south-2: {NO_PRICE})"


def test_one_off_savings_are_on_their_own_line_not_in_the_monthly_total():
    one_off = finding("train-once", kind=FindingKind.SPOT_ELIGIBLE_TRAINING_JOB, savings_usd=4342.0,
                      savings_basis=SavingsBasis.ONE_OFF)
    totals = totals_of([one_off, finding("nb", savings_usd=36.5)])
    assert (totals.est_monthly_savings_usd, totals.one_off_savings_usd) == (36.5, 4342.0)
    assert "one-off jobs: $4,342 could have been saved (not monthly)" in headline_notes(totals)


def test_findings_on_weak_evidence_are_listed_but_not_counted():
    weak = finding("app", kind=FindingKind.IDLE_STUDIO_APP, savings_usd=500.0, savings_basis=SavingsBasis.WEAK_EVIDENCE)
    totals = totals_of([weak])
    assert (totals.findings, totals.est_monthly_savings_usd, totals.weak_evidence_findings) == (1, 0, 1)
    assert headline_notes(totals) == ["1 finding on weak evidence (listed, not counted)"]


def test_the_price_sources_are_named_per_region_with_the_discount():
    findings = [
        finding("a", region="ap-northeast-2", evidence={"price_source": "price-list-api 2026-11-30", "price_discount": 0.12}),
        finding("b", evidence={"price_source": "bundled 2026-11-01", "price_discount": 0.12}),
    ]
    assert price_sources_text(findings) == (
        "prices: bundled 2026-11-01 (us-east-1); price-list-api 2026-11-30 (ap-northeast-2)"
        " · 12% customer discount applied"
    )


def test_the_digest_headline_says_recurring_and_names_the_unpriced_regions():
    from datetime import UTC, datetime

    from bot.models import ScanResult
    from reports.digest import build_digest

    scan = ScanResult(
        generated_at=datetime(2026, 11, 30, 9, 0, tzinfo=UTC), regions=["ap-northeast-2", "eu-south-2"],
        accounts=["123456789012"],
        findings=[finding("nb", savings_usd=41870.0, region="ap-northeast-2",
                          evidence={"price_source": "price-list-api 2026-11-30"}), _unpriced("a"), _unpriced("b")],
    )
    digest = build_digest(scan, previous_savings_usd=None)
    assert digest.main.blocks[0].text.text.startswith("SageMaker waste: $41,870/month recurring")
    assert f"2 findings unpriced (eu-south-2: {NO_PRICE})" in digest.main.blocks[1].text.text
    footer = digest.main.blocks[-1].elements[0].text
    assert "regions scanned: ap-northeast-2, eu-south-2" in footer
    assert "price-list-api 2026-11-30 (ap-northeast-2)" in footer
