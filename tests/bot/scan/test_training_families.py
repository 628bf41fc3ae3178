"""Which training runs recur (monthly) and which ran once (one-off); which runs were billed."""

import pytest

from bot.scan.training_families import family_of, is_billed_run, recurs, runs_per_family


@pytest.mark.parametrize(
    ("name", "family"),
    [
        ("xgb-retrain-2026-11-25-09-00-00-123", "xgb-retrain"),
        ("xgb-retrain-2026-11-26-09-00-01", "xgb-retrain"),
        ("pipelines-a1b2c3d4e5f6-TrainModel-Xy12Ab34Cd", "pipeline-step:TrainModel"),
        ("bert-pretrain-1101", "bert-pretrain-1101"),
    ],
)
def test_a_run_belongs_to_the_family_of_its_base_name(name, family):
    assert family_of({"TrainingJobName": name}) == family


def test_children_of_one_tuning_job_are_one_family():
    arn = "arn:aws:sagemaker:us-east-1:123456789012:hyper-parameter-tuning-job/hpo"
    assert family_of({"TrainingJobName": "hpo-001-abc", "TuningJobArn": arn}) == f"tuning:{arn}"


def test_two_runs_of_a_family_in_the_window_recur_and_one_does_not():
    jobs = [{"TrainingJobName": "nightly-2026-11-25-09-00-00-000"}, {"TrainingJobName": "nightly-2026-11-26-09-00-00-000"},
            {"TrainingJobName": "llm-finetune-once"}]
    runs = runs_per_family(jobs)
    assert [recurs(j, runs) for j in jobs] == [True, True, False]


@pytest.mark.parametrize(
    ("status", "billable", "billed"),
    [("Completed", 3600, True), ("Stopped", 1200, True), ("Failed", 300, True), ("Failed", 0, False),
     ("InProgress", 600, False), ("Completed", None, False)],
)
def test_every_run_with_billable_time_was_billed_however_it_ended(status, billable, billed):
    assert is_billed_run({"TrainingJobStatus": status, "BillableTimeInSeconds": billable}) is billed
