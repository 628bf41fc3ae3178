"""sm-cost-bot: find and cut Amazon SageMaker waste from Slack."""

__version__ = "0.1.0"
