"""A full up and down on moto: the shape every other test builds on."""

from hostwiz import spec as specmod
from hostwiz.services import stacks as operations


def test_up_then_down_leaves_nothing(session, spec_data):
    spec = specmod.validate(spec_data)
    result = operations.up(session, spec, "203.0.113.7/32")
    assert result.ok, result.error
    assert result.outputs["public_ip"]
    plan = operations.plan_down(session, "blog")
    kinds = sorted({r.kind for r in plan.resources})
    assert kinds == sorted(["db-subnet-group", "ec2-instance", "elastic-ip", "iam-role", "instance-profile",
                            "key-pair", "rds-instance", "route53-record", "security-group", "ssm-parameter"])
    outcome = operations.down(session, plan)
    assert outcome.ok, [(x.resource.key, x.error) for x in outcome.left]
    assert operations.plan_down(session, "blog").empty
