"""Pure renderers: findings, requests and schedules in → Block Kit, text, CSV out.

May import `slack_sdk.models` only; never `slack_sdk.web`, `slack_bolt`, boto3 or sqlite_utils.
"""
