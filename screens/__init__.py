"""The Textual app of hostwiz: one module per screen. Textual only, never boto3."""
