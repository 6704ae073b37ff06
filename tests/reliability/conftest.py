"""Reliability proof: figures the tests report go to docs/reliability.md through `report.py`."""

from __future__ import annotations

import json
import os

import pytest


@pytest.fixture
def figures(request) -> dict:
    """A dict the test fills with its figures; appended as one JSON line to
    $HOSTWIZ_RELIABILITY_FIGURES when that is set (report.py sets it), else dropped."""
    found: dict = {}
    yield found
    path = os.environ.get("HOSTWIZ_RELIABILITY_FIGURES")
    if path and found:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps({"test": request.node.nodeid, **found}) + "\n")
