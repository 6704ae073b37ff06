"""The Textual screens (installed as hostwiz.screens): textual only, never boto3."""
