"""The weekly report: SageMaker spend from Cost Explorer, the realised-savings ledger, Savings
Plans advice, chart data, the scheduled post and the `report` command."""
