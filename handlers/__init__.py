"""Slack listeners, thin: each module's `register(app, services)` closes over services and
translates between Slack payloads and the core. No business rules here."""
