"""The running bot: Bolt app, runner, APScheduler wiring, HTTP server, single-instance lock, Slack Web API client."""
