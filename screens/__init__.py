"""The Textual app: one module per screen (installed as hostwiz.screens)."""
