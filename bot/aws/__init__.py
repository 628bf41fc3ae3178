"""The only package that imports boto3: sessions, metrics, actions."""
