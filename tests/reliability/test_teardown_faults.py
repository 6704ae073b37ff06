"""Teardown fault matrix: a non-retryable error at each mutating call of `down`, one at a time.

The first `down` fails (never claiming success while something is left); a second `down`, planned
afresh, leaves nothing tagged with the stack in AWS and nothing of it on this machine.
`MUTATING` is every mutating call a clean `down` of a full stack makes (N of them); the first test
proves it against a recorded clean run. Each call is named by (operation, n-th occurrence), so every
call is hit once although deletions run in parallel. "before": AWS refuses the call; "after": AWS
did it and the answer is lost (only with HOSTWIZ_RELIABILITY_FULL=1, to keep CI fast).
"""

from __future__ import annotations

import dataclasses
from collections import Counter

import pytest
from hwtest import FULL_MATRIX, Fault, Recorder, leftovers, matrix_model, scaled

from hostwiz import secrets
from hostwiz.ledger import Ledger
from hostwiz.services import stacks as operations
from hostwiz.provisioners.aws import Aws

MUTATING = Counter({
    "ChangeResourceRecordSets": 2, "DeleteParameter": 1, "DeleteDBInstance": 1, "TerminateInstances": 1,
    "DeleteKeyPair": 1, "DisassociateAddress": 1, "ReleaseAddress": 1, "RemoveRoleFromInstanceProfile": 1,
    "DeleteInstanceProfile": 1, "DeleteDBSubnetGroup": 1, "RevokeSecurityGroupIngress": 1,
    "DeleteSecurityGroup": 2, "DeleteRolePolicy": 1, "DeleteRole": 1,
})
# Both security groups are deleted in one wave and each revokes the rule between them first: one
# revoke always, a second when the two race (it finds the rule gone, which deletion tolerates).
RACING = "RevokeSecurityGroupIngress"
CALLS = [(op, n) for op, count in sorted(MUTATING.items()) for n in range(1, count + 1)]
CASES = [(when, op, n) for when in ("before", "after") if FULL_MATRIX or when == "before" for op, n in CALLS]


def fresh(session: operations.Session, *hooks) -> operations.Session:
    """The same session with new clients that carry `hooks` (clients made earlier keep theirs)."""
    return dataclasses.replace(session, aws=Aws(region=session.aws.region, hooks=list(hooks)))


def test_the_list_is_every_mutating_call_of_a_clean_down(stack_up, session, figures):
    rec = Recorder()
    s = fresh(session, ("provide-client-params", rec.hook))
    outcome = operations.down(s, operations.plan_down(s, "blog"))
    assert outcome.ok and leftovers("blog") == {}
    seen = Counter(rec.mutating)
    assert 1 <= seen.pop(RACING) <= 2
    assert seen == MUTATING - Counter({RACING: 1})
    figures["down_mutating_calls"] = len(CALLS)


@pytest.mark.parametrize(("when", "op", "nth"), CASES, ids=[f"{w}-{op}-{n}" for w, op, n in CASES])
def test_a_failure_at_a_mutating_call_of_down_then_down_again_leaves_nothing(
        when, op, nth, stack_up, session, state_dir):
    """Under the realism model of AWS (ENIs linger after the instance and the database: the groups and
    the subnet group answer "not yet" for a while; the model answers first, the fault sees the rest)."""
    fault = Fault(op, nth, when)
    model = matrix_model()
    realism = model.hooks() if model else []
    s = fresh(session, *realism, (f"{when}-call", fault.hook))
    if model:
        s = dataclasses.replace(s, deletion=scaled(dataclasses.replace(s.deletion), model.floor / 3))
    first = operations.down(s, operations.plan_down(s, "blog"))
    assert fault.fired
    left = leftovers("blog")
    assert not first.ok or left == {}  # it never says "done" while something is left
    if left:
        assert Ledger(state_dir, "blog").get("status") == "delete-incomplete"
        assert any("InjectedFault" in x.error for x in first.left), [(x.resource.key, x.error) for x in first.left]

    again = fresh(s, *realism)
    second = operations.down(again, operations.plan_down(again, "blog"))
    assert second.ok, [(x.resource.key, x.error) for x in second.left]
    assert leftovers("blog") == {}
    assert not Ledger(state_dir, "blog").exists
    assert not secrets.key_path(state_dir, "blog").exists()
    assert secrets.fetch(secrets.db_password_account("blog")) is None
    assert secrets.fetch(secrets.ssh_key_account("blog")) is None
