"""Issue 18: reading one stack costs the same number of AWS calls however many other stacks the
account holds (`status`, the detail screen's load, which is `status`, the teardown plan, adopt)."""

from __future__ import annotations

from hostwiz.ledger import Ledger
from hostwiz.services import stacks

from .account import add_stacks


def reads(session, calls, other_dir) -> dict[str, tuple[int, dict]]:
    """Calls of each single-stack read of `blog` (adopt from a state dir without its ledger)."""
    from hostwiz.services.session import quick_session

    out = {}
    for what, read in (("status", lambda: stacks.status(session, "blog")),
                       ("plan_down", lambda: stacks.plan_down(session, "blog")),
                       ("plan_adopt", lambda: stacks.plan_adopt(quick_session(other_dir, zone=None, hooks=[
                           ("provide-client-params", calls.hook)]), "blog"))):
        calls.reset()
        result = read()
        out[what] = (calls.total, dict(calls.ops), result)
    return out


def test_one_stacks_reads_make_as_many_calls_with_one_or_twenty_other_stacks(stack_up, session, calls, tmp_path):
    other_dir = tmp_path / "elsewhere"
    add_stacks(session.aws, ["other0"])
    one = reads(session, calls, other_dir)
    add_stacks(session.aws, [f"other{i}" for i in range(1, 19)])
    add_stacks(session.aws, ["blog-x"], alarms=True)  # its alarms share the prefix hostwiz-blog-
    twenty = reads(session, calls, other_dir)

    for what in one:
        assert one[what][0] == twenty[what][0], (what, one[what][1], twenty[what][1])
    # and they still read the whole stack, and only it
    st = twenty["status"][2]
    kinds = {r.kind for r in st.resources}
    assert {"iam-role", "instance-profile", "db-subnet-group", "rds-instance", "route53-record",
            "ec2-instance", "security-group"} <= kinds
    assert all(r.tags.get("hostwiz:stack") == "blog" for r in st.resources)
    plan = twenty["plan_down"][2]
    assert {(r.kind, r.id) for r in plan.resources} == {(r.kind, r.id) for r in st.resources}
    assert not plan.skipped
    adopt = twenty["plan_adopt"][2]
    assert adopt.ok and adopt.stack_id == Ledger(session.state_dir, "blog").get("stack_id")
    assert {(r.kind, r.id) for r in adopt.resources} == {(r.kind, r.id) for r in st.resources}


def test_a_look_alike_under_the_stacks_own_names_is_read_and_left_out(stack_up, session, calls, tmp_path):
    """Read by name, ownership is still checked: the role named for `blog` but made by another
    stack of that name (another hostwiz:id) is listed as skipped, never planned."""
    import json

    iam = session.aws.client("iam")
    role = "hostwiz-blog-instance"
    for prof in iam.list_instance_profiles_for_role(RoleName=role)["InstanceProfiles"]:
        iam.remove_role_from_instance_profile(InstanceProfileName=prof["InstanceProfileName"], RoleName=role)
    iam.delete_role_policy(RoleName=role, PolicyName="read-database-url")
    iam.delete_role(RoleName=role)
    iam.create_role(RoleName=role, Path="/hostwiz/", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17",
                    "Statement": []}), Tags=[{"Key": "hostwiz:stack", "Value": "blog"},
                                             {"Key": "hostwiz:id", "Value": "st-someone-else"}])
    plan = stacks.plan_down(session, "blog")
    assert role not in {r.id for r in plan.resources if r.kind == "iam-role"}
    assert any(r.kind == "iam-role" and r.id == role and "st-someone-else" in why for r, why in plan.skipped)
