"""The cleanup of a workshop estate under the realism model of AWS: ENIs of the load balancer, the
Lambda function, the NAT gateways, the instances and the database linger after their owners go
(DependencyViolation on their security groups, subnets and VPC; InvalidNetworkInterface.InUse; the
subnet group refused), the database is protected, the bastion has termination protection and the
load balancer deletion protection; an RDS-managed secret sits beside it. The cleanup converges to
zero, its plan says which protections it lifts, and the RDS-managed secret is left alone."""

from __future__ import annotations

import time

from hwtest import REALISM

from hostwiz.provisioners import cleanup
from hostwiz.provisioners.aws import Aws
from hostwiz.provisioners.deletion import DeletionSettings


def test_a_protected_workshop_estate_is_cleaned_up_under_the_model(moto, figures):
    from cleanup.estate import build

    calm = Aws(region="us-east-1")
    made = build(calm, "rw", 30)
    calm.client("rds").modify_db_instance(DBInstanceIdentifier="rw-db", DeletionProtection=True, ApplyImmediately=True)
    calm.client("ec2").modify_instance_attribute(InstanceId=made["bastion"], DisableApiTermination={"Value": True})
    calm.client("elbv2").modify_load_balancer_attributes(LoadBalancerArn=made["alb"], Attributes=[
        {"Key": "deletion_protection.enabled", "Value": "true"}])
    managed = calm.client("secretsmanager").create_secret(Name="rds!db-0123abcd", SecretString="x" * 20)["ARN"]

    from hostwiz.sandbox.realism import for_tests

    model = for_tests(eni_linger=2000) if REALISM else None  # ENIs linger 2 s: the waves must wait for them
    aws = Aws(region="us-east-1", hooks=model.hooks() if model else [])
    only_ours = cleanup.Filters(name_prefix="rw", regions=["us-east-1"])
    plan = cleanup.build_plan(cleanup.discover_all(aws, ["us-east-1"], workers=8), only_ours, "test")
    lifted = {r.kind: r.reason for r in plan.resources if "will be lifted" in r.reason}
    assert {"rds-instance", "ec2-instance", "load-balancer"} <= set(lifted), lifted
    assert "deletion protection is on and will be lifted" in lifted["rds-instance"]
    assert "termination protection" in lifted["ec2-instance"]
    everything = cleanup.build_plan(cleanup.discover_all(aws, ["us-east-1"], workers=8),
                                    cleanup.Filters(regions=["us-east-1"]), "test")
    assert managed not in {r.id for r in everything.resources}  # RDS manages it, never deleted directly

    settings = DeletionSettings(confirm_delay=0.01, backoff=0.01)
    if model:
        settings.patience_scale = model.floor / 3
    started = time.monotonic()
    outcome = cleanup.execute(aws, plan, settings=settings)
    took = time.monotonic() - started
    assert outcome.ok, [(x.resource.key, x.error, x.blockers) for x in outcome.left]
    assert cleanup.build_plan(cleanup.discover_all(calm, ["us-east-1"], workers=8), only_ours, "test").resources == []
    if model:
        lingering = {"DependencyViolation", "InvalidNetworkInterface.InUse", "InvalidDBSubnetGroupStateFault"}
        assert lingering & set(model.refused), model.refused  # the waves waited for lingering ENIs
    figures.update(realism_cleanup_resources=len(plan.resources), realism_cleanup_wall=round(took, 2),
                   realism_cleanup_refused=dict(model.refused) if model else {})
