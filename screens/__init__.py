"""The Textual screens (installed as hostwiz.screens): one module per screen, no boto3."""
