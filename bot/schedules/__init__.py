"""Schedules and snoozes: schedule rules (pure), their store, jobs, requests and CLI."""
