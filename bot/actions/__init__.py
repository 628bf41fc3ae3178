"""Actions on AWS resources: action models, approval rules (pure), the executor, the request store, request messages and the audit trail."""
