"""A non-retryable error at each mutating call of `up`, one at a time: `up` fails, rolls back,
and nothing tagged with the stack is left (in AWS or on this machine).

`MUTATING` is the list of mutating calls a clean `up` makes (N of them); the first test proves
it against a recorded clean run, so the list cannot drift from the code. Each call is named by
(operation, n-th occurrence), so every call is hit once although steps run concurrently.
Two ways to fail: AWS refuses the call ("before"), or AWS does it and the answer is lost
("after": the resource exists and hostwiz never learns its id; only the tags find it).
"""

from __future__ import annotations

from collections import Counter

import pytest
from hwtest import ONE_OF_EACH, Fault, Recorder, counts, inventory, leftovers

from hostwiz import secrets
from hostwiz.ledger import Ledger
from hostwiz.services import stacks as operations

MUTATING = Counter({
    "CreateSecurityGroup": 2, "AuthorizeSecurityGroupIngress": 2, "ImportKeyPair": 1, "CreateRole": 1,
    "PutRolePolicy": 1, "CreateInstanceProfile": 1, "AddRoleToInstanceProfile": 1, "RunInstances": 1,
    "AllocateAddress": 1, "AssociateAddress": 1, "CreateDBSubnetGroup": 1, "CreateDBInstance": 1,
    "PutParameter": 1, "ChangeResourceRecordSets": 1, "CreateTags": 1,  # the Elastic IP names the DNS records
})
CREATES = {"CreateSecurityGroup", "ImportKeyPair", "CreateRole", "CreateInstanceProfile", "RunInstances",
           "AllocateAddress", "CreateDBSubnetGroup", "CreateDBInstance", "PutParameter", "ChangeResourceRecordSets"}
CALLS = [(op, n) for op, count in sorted(MUTATING.items()) for n in range(1, count + 1)]
CASES = [("before", op, n) for op, n in CALLS] + [("after", op, n) for op, n in CALLS if op in CREATES]


def test_the_list_is_every_mutating_call_of_a_clean_up(session, full_spec):
    rec = Recorder().install(session.aws)
    assert operations.up(session, full_spec, full_spec.instance.ssh_cidr).ok
    assert Counter(rec.mutating) == MUTATING
    assert sum(MUTATING.values()) == len(CALLS) == 17


@pytest.mark.parametrize(("when", "op", "nth"), CASES, ids=[f"{w}-{op}-{n}" for w, op, n in CASES])
def test_a_failure_at_a_mutating_call_rolls_back_to_nothing(when, op, nth, matrix_session, full_spec, state_dir):
    """Under the realism model of AWS (docs/aws-behaviour.md): calls it refuses for a while (a group not
    visible yet) are retried by hostwiz and do not count as the n-th call."""
    session = matrix_session
    fault = Fault(op, nth, when).install(session.aws)
    result = operations.up(session, full_spec, full_spec.instance.ssh_cidr)
    assert fault.fired
    assert not result.ok and "InjectedFault" in result.error
    assert result.rollback is not None and result.rollback.ok, \
        [(x.resource.key, x.error) for x in result.rollback.left]
    assert leftovers("blog") == {}
    assert not Ledger(state_dir, "blog").exists
    assert not secrets.key_path(state_dir, "blog").exists()
    assert secrets.fetch(secrets.db_password_account("blog")) is None
    assert secrets.fetch(secrets.ssh_key_account("blog")) is None


@pytest.mark.parametrize("op", sorted(CREATES))
def test_resume_after_a_lost_create_answer_makes_no_second_copy(op, matrix_session, full_spec, state_dir):
    """AWS made the resource but the answer never came (as in a crash); the run is kept, and
    `up` again adopts what exists instead of making it twice (under the realism model)."""
    session = matrix_session
    fault = Fault(op, 1, "after").install(session.aws)
    first = operations.up(session, full_spec, full_spec.instance.ssh_cidr, keep_on_failure=True)
    assert fault.fired and not first.ok and first.rollback is None
    kept = Ledger(state_dir, "blog")
    assert kept.get("status") == "failed"
    again = operations.up(session, full_spec, full_spec.instance.ssh_cidr)
    assert again.ok, again.error
    assert counts(inventory("blog")) == ONE_OF_EACH
    ledger = Ledger(state_dir, "blog")
    assert ledger.get("status") == "ready" and ledger.get("run_id") == kept.get("run_id")  # the same run, resumed
    assert all(e.state == "created" and e.id for e in ledger.entries())
