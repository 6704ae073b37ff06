"""hostwiz: a guided terminal path from an AWS account and an app to a running server, and back."""

__version__ = "0.1.0"
