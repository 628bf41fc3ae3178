"""Who owns a resource, in Slack: tag values resolved to users or channels (mentions, owner DMs)."""
