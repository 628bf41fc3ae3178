from datetime import timedelta


def test_fleet_ages_a_notebook_through_the_backend(fleet, region_clients, now):
    fleet.notebook("nb-old", last_modified=now - timedelta(days=3))
    summary = region_clients("sagemaker").list_notebook_instances()["NotebookInstances"][0]
    assert summary["NotebookInstanceStatus"] == "InService"
    assert abs((now - summary["LastModifiedTime"]) - timedelta(days=3)) < timedelta(minutes=1)


def test_fleet_sets_training_durations(fleet, region_clients):
    fleet.training_job("job-1", spot=True, training_seconds=3600, billable_seconds=900)
    job = region_clients("sagemaker").describe_training_job(TrainingJobName="job-1")
    assert (job["TrainingTimeInSeconds"], job["BillableTimeInSeconds"]) == (3600, 900)
    assert job["EnableManagedSpotTraining"] is True
