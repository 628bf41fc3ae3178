"""The daily digest: the job that scans, renders and posts it, and its store (what was posted where)."""
