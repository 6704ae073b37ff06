"""A crowded account on moto (issue 18): other hostwiz stacks beside the one being read.

`add_stacks(aws, names)` makes, for each name, what `hostwiz up` makes for a stack with a database
and a domain, named and tagged as hostwiz names and tags them (`hostwiz:stack`, `hostwiz:id`,
`hostwiz:run`, `hostwiz:role`, `Name`): two security groups, a key pair, an instance, an Elastic IP,
an IAM role and instance profile under /hostwiz/, a DB subnet group, a database, the database-URL
parameter and two DNS records with their markers in the seeded zone. Made with plain boto3 calls
(about 15 a stack), not through `up`, so a hundred stacks take seconds. `Calls` counts every AWS
call a session makes (a `provide-client-params` hook given to `quick_session`).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from hostwiz.provisioners.aws import Aws

TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
PUBLIC_KEY = ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBw8hYHbVrYdMdMfFxuQ3Fb0gq3EJ3Ml5Xm3bEoC1q2w "
              "hostwiz-bench")


@dataclass
class Calls:
    """Every API call through the `Aws` it is given to, by operation."""

    ops: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    record_reads: list[dict] = field(default_factory=list)  # ListResourceRecordSets' parameters

    def hook(self, model: Any, params: Any = None, **_: Any) -> None:
        with self.lock:
            self.ops[model.name] += 1
            if model.name == "ListResourceRecordSets":
                self.record_reads.append(dict(params or {}))

    def reset(self) -> None:
        with self.lock:
            self.ops.clear()
            self.record_reads.clear()

    @property
    def total(self) -> int:
        return sum(self.ops.values())


def _tags(stack: str, sid: str, role: str, name: str) -> list[dict[str, str]]:
    pairs = {"hostwiz:stack": stack, "hostwiz:id": sid, "hostwiz:run": "r-bench", "hostwiz:role": role, "Name": name}
    return [{"Key": k, "Value": v} for k, v in pairs.items()]


def add_stacks(aws: Aws, names: list[str], zone: str = "example.com", *, alarms: bool = False) -> None:
    """`alarms`: each stack also gets the three alarms hostwiz names `hostwiz-NAME-...`, tagged for it."""
    ec2, iam, rds, ssm, r53 = (aws.client(s) for s in ("ec2", "iam", "rds", "ssm", "route53"))
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnets = [s["SubnetId"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]]
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    zone_id = next(z["Id"].split("/")[-1] for z in r53.list_hosted_zones()["HostedZones"]
                   if z["Name"].rstrip(".") == zone)
    for n in names:
        sid = f"st-{uuid.uuid4().hex[:12]}"
        spec = lambda kind, role, name: [{"ResourceType": kind, "Tags": _tags(n, sid, role, name)}]  # noqa: E731
        app = ec2.create_security_group(GroupName=f"hostwiz-{n}-app", Description="x", VpcId=vpc,
                                        TagSpecifications=spec("security-group", "app-sg", f"{n}-app-sg"))["GroupId"]
        db_sg = ec2.create_security_group(GroupName=f"hostwiz-{n}-db", Description="x", VpcId=vpc,
                                          TagSpecifications=spec("security-group", "db-sg", f"{n}-db-sg"))["GroupId"]
        ec2.import_key_pair(KeyName=f"hostwiz-{n}", PublicKeyMaterial=PUBLIC_KEY.encode(),
                            TagSpecifications=spec("key-pair", "key-pair", f"{n}-key-pair"))
        ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro", SubnetId=subnets[0],
                          SecurityGroupIds=[app], ClientToken=f"tok-{sid}",
                          TagSpecifications=spec("instance", "instance", n))
        ec2.allocate_address(Domain="vpc", TagSpecifications=spec("elastic-ip", "eip", f"{n}-eip"))
        role = f"hostwiz-{n}-instance"
        iam.create_role(RoleName=role, Path="/hostwiz/", AssumeRolePolicyDocument=json.dumps(TRUST),
                        Tags=_tags(n, sid, "instance-role", role))
        iam.create_instance_profile(InstanceProfileName=role, Path="/hostwiz/",
                                    Tags=_tags(n, sid, "instance-profile", role))
        iam.add_role_to_instance_profile(InstanceProfileName=role, RoleName=role)
        rds.create_db_subnet_group(DBSubnetGroupName=f"hostwiz-{n}", DBSubnetGroupDescription="x", SubnetIds=subnets,
                                   Tags=_tags(n, sid, "db-subnet-group", f"hostwiz-{n}"))
        rds.create_db_instance(DBInstanceIdentifier=f"{n}-db", Engine="postgres", DBInstanceClass="db.t3.micro",
                               AllocatedStorage=20, MasterUsername="app", MasterUserPassword="bench-password-1",
                               DBSubnetGroupName=f"hostwiz-{n}", VpcSecurityGroupIds=[db_sg],
                               Tags=_tags(n, sid, "database", f"{n}-db"))
        ssm.put_parameter(Name=f"/hostwiz/{n}/database-url", Value="postgresql://x", Type="SecureString",
                          Tags=_tags(n, sid, "database-url", f"{n}-database-url"))
        changes = []
        for rec in (f"{n}.{zone}", f"www.{n}.{zone}"):
            changes += [{"Action": "UPSERT", "ResourceRecordSet": {"Name": rec, "Type": "A", "TTL": 60,
                                                                   "ResourceRecords": [{"Value": "192.0.2.1"}]}},
                        {"Action": "UPSERT", "ResourceRecordSet": {
                            "Name": f"_hostwiz.{rec}", "Type": "TXT", "TTL": 60, "ResourceRecords": [
                                {"Value": f'"hostwiz:stack={n} hostwiz:run=r-bench hostwiz:id={sid} value=192.0.2.1"'}]}}]
        r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": changes})
        if alarms:
            cw = aws.client("cloudwatch")
            for key in ("instance-recover", "cpu-credits-low", "db-storage-low"):
                cw.put_metric_alarm(AlarmName=f"hostwiz-{n}-{key}", MetricName="CPUUtilization", Namespace="AWS/EC2",
                                    Statistic="Average", Period=60, EvaluationPeriods=1, Threshold=1,
                                    ComparisonOperator="GreaterThanThreshold",
                                    Tags=_tags(n, sid, f"alarm-{key}", f"hostwiz-{n}-{key}"))


def add_records(aws: Aws, count: int, zone: str = "example.com", prefix: str = "host") -> None:
    """`count` plain A records (someone else's hosts) in `zone`, 500 a change batch."""
    r53 = aws.client("route53")
    zone_id = next(z["Id"].split("/")[-1] for z in r53.list_hosted_zones()["HostedZones"]
                   if z["Name"].rstrip(".") == zone)
    names = [f"{prefix}{i:05d}.{zone}" for i in range(count)]
    for i in range(0, count, 500):
        r53.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [
            {"Action": "UPSERT", "ResourceRecordSet": {"Name": n, "Type": "A", "TTL": 60,
                                                       "ResourceRecords": [{"Value": "192.0.2.9"}]}}
            for n in names[i:i + 500]]})
