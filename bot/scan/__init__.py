"""Scanning: the account x region x kind fan-out, one scanner module per finding kind, prices."""
