"""What the detail screen says when a failed create has no cost so far (attack review: an Elastic IP
was allocated before the failure, and the note said "nothing billed yet", though public IPv4 is billed)."""

from __future__ import annotations

from hostwiz.ledger import Ledger
from hostwiz.services.watch import no_cost_note


def test_a_create_that_stopped_after_its_elastic_ip_says_the_address_is_billed(tmp_path):
    ledger = Ledger(tmp_path, "half")
    ledger.update(name="half", region="us-east-1", status="failed", since="2026-12-01T12:00:00+00:00")
    ledger.intent("eip", "elastic-ip")
    ledger.created("eip", "elastic-ip", "eipalloc-0123", public_ip="198.51.100.7")
    note = no_cost_note(ledger)
    assert "only its Elastic IP is billed ($0.005 an hour) until half is torn down" in note, note
    assert "nothing billed" not in note


def test_a_create_that_stopped_before_anything_billable_says_nothing_is_billed(tmp_path):
    ledger = Ledger(tmp_path, "early")
    ledger.update(name="early", region="us-east-1", status="failed", since="2026-12-01T12:00:00+00:00")
    ledger.intent("sg", "security-group")
    ledger.created("sg", "security-group", "sg-0123")
    assert no_cost_note(ledger).startswith("cost so far: nothing billed yet")
