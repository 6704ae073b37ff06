"""A realism model of AWS for moto: botocore hooks that make it as slow, eventually consistent and
picky as AWS is. moto answers at once and consistently; AWS does not, and code that only ever met
moto breaks on its first real run. Every behaviour here has its source in docs/aws-behaviour.md.

    model = Realism(scale=0.001)            # every window in seconds x scale (tests: fractions of a second)
    aws.hooks.extend(model.hooks())          # before any client exists
    Realism(off={"capacity"})                # each behaviour can be switched off by name

Behaviours (`BEHAVIOURS`), each with its window in AWS-like seconds (x `scale`):

- `latency`: every call waits `per_call` seconds (not scaled).
- `boot`: a new instance reports `pending` (no public IP) for `instance_boot` s.
- `visibility`: right after a create, the new thing is not found for `visibility` s (IAM:
  `iam_visibility`): DescribeInstances/TerminateInstances by ID answer InvalidInstanceID.NotFound and
  listings leave the instance out; AuthorizeSecurityGroupIngress, DescribeSecurityGroups by ID and
  DeleteSecurityGroup answer InvalidGroup.NotFound; RunInstances naming a just-made group answers
  InvalidGroup.NotFound, a just-made key pair InvalidKeyPair.NotFound, a just-made instance profile
  InvalidParameterValue ("Invalid IAM Instance Profile"); AddRoleToInstanceProfile with a just-made
  role NoSuchEntity.
- `creating`: a new database is `creating` for `db_create` s and DeleteDBInstance answers
  InvalidDBInstanceState meanwhile; a new DynamoDB table is CREATING for `table_create` s and
  DeleteTable answers ResourceInUseException.
- `linger`: when an instance, load balancer, Lambda function, NAT gateway or database goes, its
  network interfaces stay for `eni_linger` s: deleting its security groups, subnets or VPC answers
  DependencyViolation, deleting an interface in those subnets InvalidNetworkInterface.InUse, and the
  database's subnet group InvalidDBSubnetGroupStateFault.
- `capacity`: RunInstances in a zone of `short_zones` answers that zone's error
  (InsufficientInstanceCapacity, or Unsupported, which also drops the zone from the zone-level
  DescribeInstanceTypeOfferings).
- `console`: GetConsoleOutput is empty until `console_delay` s after launch (when the bootstrap has
  printed the host keys), and cloud-init's own host key block (the last one) appears only
  `bootstrap_runtime` s after launch; `Latest=True` is refused on non-Nitro types (`NON_NITRO`).
- `tagging`: GetResources keeps listing a resource it listed before for `tagging_ghost` s after the
  resource is gone.
- `idempotency`: RunInstances with a ClientToken already used returns the instance of that token
  (even terminated), as EC2 does for at least 24 hours.
- `free-plan` (off unless `free_plan=True`): freetier GetAccountPlanState says FREE, and AWS refuses
  what a free plan cannot have: a backup retention over 1 day or a DB class beyond micro
  (FreeTierRestrictionError), an instance type that is not free-tier eligible.

Some rules need to know more than the call says (an instance's groups before it is terminated, a
subnet's zone): the model asks moto through plain clients of its own (`peek`), never through the
hooked ones.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

BEHAVIOURS = ("latency", "boot", "visibility", "creating", "linger", "capacity", "console", "tagging",
              "idempotency", "free-plan")
NON_NITRO = ("t2.", "m4.", "c4.", "r4.", "m3.", "c3.", "r3.", "i3.", "x1.", "d2.", "p2.", "g3.")
FREE_DB_CLASSES = ("db.t3.micro", "db.t4g.micro")
FREE_RETENTION_DAYS = 1


class _Http:
    """The minimal HTTP response botocore needs for an answer given by a `before-call` hook."""

    def __init__(self, status: int):
        self.status_code = status
        self.headers: dict[str, str] = {}
        self.content = b""


def _error(code: str, message: str, status: int = 400) -> tuple[_Http, dict]:
    return _Http(status), {"Error": {"Code": code, "Message": message},
                           "ResponseMetadata": {"HTTPStatusCode": status, "RetryAttempts": 0}}


def _ok(body: dict) -> tuple[_Http, dict]:
    return _Http(200), {**body, "ResponseMetadata": {"HTTPStatusCode": 200, "RetryAttempts": 0}}


@dataclass
class Realism:
    scale: float = 1.0  # every window below is multiplied by this (0.04 in the sandbox, ~0.001 in tests)
    floor: float = 0.0  # a scaled window is never shorter than this (a visible blip even when scaled down)
    per_call: float = 0.0
    instance_boot: float = 30.0
    visibility: float = 3.0
    iam_visibility: float = 8.0
    db_create: float = 300.0
    table_create: float = 10.0
    eni_linger: float = 120.0
    console_delay: float = 30.0
    bootstrap_runtime: float = 900.0
    tagging_ghost: float = 300.0
    short_zones: dict[str, str] = field(default_factory=lambda: {"us-east-1a": "InsufficientInstanceCapacity",
                                                                  "us-east-1e": "Unsupported"})
    free_plan: bool = False
    off: set[str] = field(default_factory=set)
    endpoint_url: str | None = None  # where `peek` asks (None: boto3's default, moto's mock in tests)
    calls: Counter = field(default_factory=Counter)
    refused: Counter = field(default_factory=Counter)  # error code -> how often the model answered it

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str], Any] = {}  # the model's own plain clients, shared by threads
        self._born: dict[str, float] = {}  # "instance:i-1", "sg:sg-1", "key:name", "role:name", ... -> monotonic
        self._instances: dict[str, dict] = {}  # instance id -> type, subnet, groups (from RunInstances)
        self._tokens: dict[str, str] = {}  # client token -> instance id
        self._lingering: list[tuple[float, str, set[str], set[str], str | None, str | None]] = []
        self._ghosts: dict[str, tuple[dict, float | None]] = {}  # ARN -> (mapping, first seen missing)
        self._free_types: set[str] | None = None

    # Switches and windows ---------------------------------------------------------------
    def on(self, behaviour: str) -> bool:
        if behaviour == "free-plan":
            return self.free_plan and behaviour not in self.off
        return behaviour not in self.off

    def window(self, seconds: float) -> float:
        return max(seconds * self.scale, self.floor) if seconds > 0 else 0.0

    def _fresh(self, key: str, seconds: float) -> bool:
        born = self._born.get(key)
        return born is not None and time.monotonic() - born < self.window(seconds)

    def _note(self, key: str) -> None:
        with self._lock:
            self._born.setdefault(key, time.monotonic())

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    def hooks(self) -> list[tuple[str, Any]]:
        return [("provide-client-params", self._params), ("before-call", self._before),
                ("after-call", self._after)]

    # Plain clients of the model's own --------------------------------------------------
    def peek(self, service: str, region: str) -> Any:
        client = self._clients.get((service, region))
        if client is None:
            import boto3

            with self._lock:  # a boto3 session is not thread-safe; its clients are
                client = self._clients.get((service, region))
                if client is None:
                    session = self._clients.setdefault(("session", ""), boto3.session.Session())
                    client = self._clients[(service, region)] = session.client(
                        service, region_name=region, endpoint_url=self.endpoint_url)
        return client

    # Hooks ----------------------------------------------------------------------------------
    def _params(self, params: dict, context: dict, **_: Any) -> None:
        context["realism_params"] = dict(params)

    def _before(self, model: Any, context: dict, **_: Any) -> Any:
        op = model.name
        service = model.service_model.service_name
        with self._lock:
            self.calls[op] += 1
        if self.per_call and self.on("latency"):
            time.sleep(self.per_call)
        params = context.get("realism_params") or {}
        region = context.get("client_region") or "us-east-1"
        rule = getattr(self, f"_before_{service.replace('-', '_')}_{op}", None)
        answer = rule(params, region) if rule else None
        if answer is not None and answer[0].status_code >= 300:
            with self._lock:
                self.refused[answer[1]["Error"]["Code"]] += 1
        return answer

    def _after(self, model: Any, parsed: dict, context: dict, **_: Any) -> None:
        if "Error" in parsed:
            return
        service = model.service_model.service_name
        rule = getattr(self, f"_after_{service.replace('-', '_')}_{model.name}", None)
        if rule:
            rule(parsed, context.get("realism_params") or {}, context.get("client_region") or "us-east-1")

    # EC2 instances ------------------------------------------------------------------------
    def _before_ec2_RunInstances(self, p: dict, region: str) -> Any:
        token = p.get("ClientToken")
        if token and token in self._tokens and self.on("idempotency"):
            found = self.peek("ec2", region).describe_instances(InstanceIds=[self._tokens[token]])
            insts = [i for r in found["Reservations"] for i in r["Instances"]]
            if insts:
                return _ok({"Instances": insts, "ReservationId": found["Reservations"][0]["ReservationId"],
                            "OwnerId": found["Reservations"][0].get("OwnerId", "")})
        if self.on("visibility"):
            for gid in p.get("SecurityGroupIds", []):
                if self._fresh(f"sg:{gid}", self.visibility):
                    return _error("InvalidGroup.NotFound", f"The security group '{gid}' does not exist")
            key = p.get("KeyName")
            if key and self._fresh(f"key:{key}", self.visibility):
                return _error("InvalidKeyPair.NotFound", f"The key pair '{key}' does not exist")
            prof = (p.get("IamInstanceProfile") or {})
            name = prof.get("Name") or (prof.get("Arn") or "").rsplit("/", 1)[-1]
            if name and self._fresh(f"profile:{name}", self.iam_visibility):
                return _error("InvalidParameterValue", f"Value ({prof.get('Arn') or name}) for parameter "
                              "iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN")
        itype = p.get("InstanceType", "m1.small")
        if self.on("free-plan") and itype not in self._free_instance_types(region):
            return _error("InvalidParameterCombination", f"The specified instance type ({itype}) is not "
                          "eligible for Free Tier. For a list of Free Tier instance types, run "
                          "'describe-instance-types' with the filter 'free-tier-eligible=true'.")
        if self.on("capacity"):
            zone = self._zone_of(p, region)
            code = self.short_zones.get(zone or "")
            if code == "InsufficientInstanceCapacity":
                return _error(code, f"We currently do not have sufficient {itype} capacity in the Availability "
                              f"Zone you requested ({zone}). Our system will be working on provisioning "
                              "additional capacity. You can currently get capacity by not specifying an "
                              "Availability Zone in your request or choosing another zone.", 500)
            if code == "Unsupported":
                return _error(code, f"Your requested instance type ({itype}) is not supported in your requested "
                              f"Availability Zone ({zone}). Please retry your request by not specifying an "
                              "Availability Zone or choosing another zone.")
        return None

    def _zone_of(self, p: dict, region: str) -> str | None:
        zone = (p.get("Placement") or {}).get("AvailabilityZone")
        if zone or not p.get("SubnetId"):
            return zone
        subnets = self.peek("ec2", region).describe_subnets(SubnetIds=[p["SubnetId"]])["Subnets"]
        return subnets[0]["AvailabilityZone"] if subnets else None

    def _free_instance_types(self, region: str) -> set[str]:
        if self._free_types is None:
            pages = self.peek("ec2", region).get_paginator("describe_instance_types").paginate(
                Filters=[{"Name": "free-tier-eligible", "Values": ["true"]}])
            self._free_types = {t["InstanceType"] for page in pages for t in page["InstanceTypes"]}
        return self._free_types

    def _after_ec2_RunInstances(self, parsed: dict, p: dict, region: str) -> None:
        now = time.monotonic()
        with self._lock:
            for inst in parsed.get("Instances", []):
                iid = inst["InstanceId"]
                self._born.setdefault(f"instance:{iid}", now)
                self._instances.setdefault(iid, {
                    "type": inst.get("InstanceType"), "subnet": inst.get("SubnetId"), "vpc": inst.get("VpcId"),
                    "groups": {g["GroupId"] for g in inst.get("SecurityGroups", [])}})
                if p.get("ClientToken"):
                    self._tokens.setdefault(p["ClientToken"], iid)
                if self.on("boot") and self._fresh(f"instance:{iid}", self.instance_boot):
                    inst["State"] = {"Code": 0, "Name": "pending"}

    def _before_ec2_DescribeInstances(self, p: dict, region: str) -> Any:
        return self._hidden_instance(p.get("InstanceIds", []))

    def _before_ec2_TerminateInstances(self, p: dict, region: str) -> Any:
        hidden = self._hidden_instance(p.get("InstanceIds", []))
        if hidden is None and self.on("linger"):
            for iid in p.get("InstanceIds", []):
                info = self._instances.get(iid) or self._peek_instance(iid, region)
                if info:
                    self._linger(info["groups"], {info["subnet"]} if info.get("subnet") else set(), info.get("vpc"))
        return hidden

    def _peek_instance(self, iid: str, region: str) -> dict | None:
        try:
            resp = self.peek("ec2", region).describe_instances(InstanceIds=[iid])
        except Exception:
            return None
        for r in resp["Reservations"]:
            for i in r["Instances"]:
                if i["State"]["Name"] == "terminated":
                    return None
                return {"type": i.get("InstanceType"), "subnet": i.get("SubnetId"), "vpc": i.get("VpcId"),
                        "groups": {g["GroupId"] for g in i.get("SecurityGroups", [])}}
        return None

    def _hidden_instance(self, ids: list[str]) -> Any:
        if not self.on("visibility"):
            return None
        for iid in ids:
            if self._fresh(f"instance:{iid}", self.visibility):
                return _error("InvalidInstanceID.NotFound", f"The instance ID '{iid}' does not exist")
        return None

    def _after_ec2_DescribeInstances(self, parsed: dict, p: dict, region: str) -> None:
        for res in parsed.get("Reservations", []):
            if self.on("visibility") and not p.get("InstanceIds"):
                res["Instances"] = [i for i in res.get("Instances", [])
                                    if not self._fresh(f"instance:{i['InstanceId']}", self.visibility)]
            for inst in res.get("Instances", []):
                if (self.on("boot") and inst["State"]["Name"] == "running"
                        and self._fresh(f"instance:{inst['InstanceId']}", self.instance_boot)):
                    inst["State"] = {"Code": 0, "Name": "pending"}
                    inst.pop("PublicIpAddress", None)
        if self.on("visibility") and not p.get("InstanceIds"):
            parsed["Reservations"] = [r for r in parsed.get("Reservations", []) if r.get("Instances")]

    # Security groups, key pairs --------------------------------------------------------------
    def _after_ec2_CreateSecurityGroup(self, parsed: dict, p: dict, region: str) -> None:
        self._note(f"sg:{parsed.get('GroupId')}")

    def _after_ec2_ImportKeyPair(self, parsed: dict, p: dict, region: str) -> None:
        self._note(f"key:{parsed.get('KeyName')}")

    _after_ec2_CreateKeyPair = _after_ec2_ImportKeyPair

    def _fresh_group(self, gid: str | None) -> Any:
        if gid and self.on("visibility") and self._fresh(f"sg:{gid}", self.visibility):
            return _error("InvalidGroup.NotFound", f"The security group '{gid}' does not exist")
        return None

    def _before_ec2_AuthorizeSecurityGroupIngress(self, p: dict, region: str) -> Any:
        return self._fresh_group(p.get("GroupId"))

    def _before_ec2_DescribeSecurityGroups(self, p: dict, region: str) -> Any:
        for gid in p.get("GroupIds", []):
            if (answer := self._fresh_group(gid)) is not None:
                return answer
        return None

    def _before_ec2_DeleteSecurityGroup(self, p: dict, region: str) -> Any:
        gid = p.get("GroupId")
        if (answer := self._fresh_group(gid)) is not None:
            return answer
        if self.on("linger") and any(gid in groups for _, _, groups, _, _, _ in self._live_lingering()):
            return _error("DependencyViolation", f"resource {gid} has a dependent object")
        return None

    # Lingering network interfaces ---------------------------------------------------------
    def _linger(self, groups: set[str], subnets: set[str], vpc: str | None, subnet_group: str | None = None,
                what: str = "") -> None:
        with self._lock:
            self._lingering.append((time.monotonic(), what, set(groups), set(subnets), vpc, subnet_group))

    def _live_lingering(self) -> list:
        now = time.monotonic()
        with self._lock:
            self._lingering = [x for x in self._lingering if now - x[0] < self.window(self.eni_linger)]
            return [(t, w, g, s, v, sg) for t, w, g, s, v, sg in self._lingering]

    def _before_ec2_DeleteSubnet(self, p: dict, region: str) -> Any:
        sid = p.get("SubnetId")
        if self.on("linger") and any(sid in subnets for _, _, _, subnets, _, _ in self._live_lingering()):
            return _error("DependencyViolation", f"The subnet '{sid}' has dependencies and cannot be deleted.")
        return None

    def _before_ec2_DeleteVpc(self, p: dict, region: str) -> Any:
        vid = p.get("VpcId")
        if self.on("linger") and any(vid == vpc for _, _, _, _, vpc, _ in self._live_lingering()):
            return _error("DependencyViolation", f"The vpc '{vid}' has dependencies and cannot be deleted.")
        return None

    def _before_ec2_DeleteNetworkInterface(self, p: dict, region: str) -> Any:
        if not self.on("linger"):
            return None
        lingering = self._live_lingering()
        if not lingering:
            return None
        try:
            eni = self.peek("ec2", region).describe_network_interfaces(
                NetworkInterfaceIds=[p["NetworkInterfaceId"]])["NetworkInterfaces"][0]
        except Exception:
            return None
        if any(eni.get("SubnetId") in subnets for _, _, _, subnets, _, _ in lingering):
            return _error("InvalidNetworkInterface.InUse",
                          f"Interface: [{p['NetworkInterfaceId']}] in use.")
        return None

    def _before_elbv2_DeleteLoadBalancer(self, p: dict, region: str) -> Any:
        if self.on("linger"):
            try:
                lb = self.peek("elbv2", region).describe_load_balancers(
                    LoadBalancerArns=[p["LoadBalancerArn"]])["LoadBalancers"][0]
            except Exception:
                return None
            self._linger(set(lb.get("SecurityGroups", [])), {z["SubnetId"] for z in lb.get("AvailabilityZones", [])
                                                               if z.get("SubnetId")}, lb.get("VpcId"))
        return None

    def _before_lambda_DeleteFunction(self, p: dict, region: str) -> Any:
        if self.on("linger"):
            try:
                conf = self.peek("lambda", region).get_function_configuration(FunctionName=p["FunctionName"])
            except Exception:
                return None
            vpc = conf.get("VpcConfig") or {}
            if vpc.get("SubnetIds") or vpc.get("SecurityGroupIds"):
                self._linger(set(vpc.get("SecurityGroupIds", [])), set(vpc.get("SubnetIds", [])), vpc.get("VpcId"))
        return None

    def _before_ec2_DeleteNatGateway(self, p: dict, region: str) -> Any:
        if self.on("linger"):
            try:
                nat = self.peek("ec2", region).describe_nat_gateways(
                    NatGatewayIds=[p["NatGatewayId"]])["NatGateways"][0]
            except Exception:
                return None
            self._linger(set(), {nat["SubnetId"]} if nat.get("SubnetId") else set(), nat.get("VpcId"))
        return None

    # RDS ---------------------------------------------------------------------------------
    def _after_rds_CreateDBInstance(self, parsed: dict, p: dict, region: str) -> None:
        db = parsed.get("DBInstance", {})
        self._note(f"db:{db.get('DBInstanceIdentifier')}")
        if self.on("creating"):
            db["DBInstanceStatus"] = "creating"
            db.pop("Endpoint", None)

    def _before_rds_CreateDBInstance(self, p: dict, region: str) -> Any:
        if not self.on("free-plan"):
            return None
        if int(p.get("BackupRetentionPeriod") or 0) > FREE_RETENTION_DAYS:
            return _error("FreeTierRestrictionError", "The specified backup retention period exceeds the maximum "
                          "available to free tier customers. To remove all limitations, upgrade your account plan.")
        if p.get("DBInstanceClass") not in FREE_DB_CLASSES:
            return _error("FreeTierRestrictionError", "This instance size isn't available with free plan accounts.")
        return None

    def _after_rds_DescribeDBInstances(self, parsed: dict, p: dict, region: str) -> None:
        if not self.on("creating"):
            return
        for db in parsed.get("DBInstances", []):
            if db.get("DBInstanceStatus") == "available" and self._fresh(f"db:{db['DBInstanceIdentifier']}",
                                                                         self.db_create):
                db["DBInstanceStatus"] = "creating"
                db.pop("Endpoint", None)

    def _before_rds_DeleteDBInstance(self, p: dict, region: str) -> Any:
        ident = p.get("DBInstanceIdentifier", "")
        if self.on("creating") and self._fresh(f"db:{ident}", self.db_create):
            return _error("InvalidDBInstanceState", f"Instance {ident} is not in available state.")
        if self.on("linger"):
            try:
                db = self.peek("rds", region).describe_db_instances(DBInstanceIdentifier=ident)["DBInstances"][0]
            except Exception:
                return None
            group = db.get("DBSubnetGroup") or {}
            self._linger({g["VpcSecurityGroupId"] for g in db.get("VpcSecurityGroups", [])},
                         {s["SubnetIdentifier"] for s in group.get("Subnets", [])}, group.get("VpcId"),
                         group.get("DBSubnetGroupName"))
        return None

    def _before_rds_DeleteDBSubnetGroup(self, p: dict, region: str) -> Any:
        name = p.get("DBSubnetGroupName")
        if self.on("linger") and any(name == sg for _, _, _, _, _, sg in self._live_lingering()):
            return _error("InvalidDBSubnetGroupStateFault", f"Cannot delete the subnet group '{name}' because "
                          "at least one database instance is still using it.")
        return None

    # IAM --------------------------------------------------------------------------------------
    def _after_iam_CreateRole(self, parsed: dict, p: dict, region: str) -> None:
        self._note(f"role:{p.get('RoleName')}")

    def _after_iam_CreateInstanceProfile(self, parsed: dict, p: dict, region: str) -> None:
        self._note(f"profile:{p.get('InstanceProfileName')}")

    def _before_iam_AddRoleToInstanceProfile(self, p: dict, region: str) -> Any:
        role = p.get("RoleName")
        if self.on("visibility") and self._fresh(f"role:{role}", self.iam_visibility):
            return _error("NoSuchEntity", f"The role with name {role} cannot be found.", 404)
        return None

    # DynamoDB -------------------------------------------------------------------------------
    def _after_dynamodb_CreateTable(self, parsed: dict, p: dict, region: str) -> None:
        self._note(f"table:{p.get('TableName')}")

    def _before_dynamodb_DeleteTable(self, p: dict, region: str) -> Any:
        name = p.get("TableName")
        if self.on("creating") and self._fresh(f"table:{name}", self.table_create):
            return _error("ResourceInUseException", f"Attempt to change a resource which is still in use: "
                          f"Table is being created: {name}")
        return None

    # Instance capacity by zone -------------------------------------------------------------
    def _after_ec2_DescribeInstanceTypeOfferings(self, parsed: dict, p: dict, region: str) -> None:
        if self.on("capacity") and p.get("LocationType") == "availability-zone":
            parsed["InstanceTypeOfferings"] = [o for o in parsed.get("InstanceTypeOfferings", [])
                                               if self.short_zones.get(o.get("Location", "")) != "Unsupported"]

    # Console output ------------------------------------------------------------------------
    def _before_ec2_GetConsoleOutput(self, p: dict, region: str) -> Any:
        if not self.on("console") or not p.get("Latest"):
            return None
        info = self._instances.get(p.get("InstanceId", "")) or self._peek_instance(p.get("InstanceId", ""), region)
        if info and str(info.get("type") or "").startswith(NON_NITRO):
            return _error("UnsupportedOperation", "The instance type does not support retrieving the latest "
                          "console output. Retry without the Latest parameter.")
        return None

    def _after_ec2_GetConsoleOutput(self, parsed: dict, p: dict, region: str) -> None:
        if not self.on("console"):
            return
        key = f"instance:{p.get('InstanceId')}"
        if key not in self._born:
            return
        if self._fresh(key, self.console_delay):
            parsed.pop("Output", None)
            return
        if self._fresh(key, self.bootstrap_runtime) and parsed.get("Output"):
            parsed["Output"] = _until_first_block(parsed["Output"])

    # Tagging API ---------------------------------------------------------------------------
    def _after_resourcegroupstaggingapi_GetResources(self, parsed: dict, p: dict, region: str) -> None:
        if not self.on("tagging"):
            return
        now = time.monotonic()
        listed = {m["ResourceARN"] for m in parsed.get("ResourceTagMappingList", [])}
        with self._lock:
            for m in parsed.get("ResourceTagMappingList", []):
                self._ghosts[m["ResourceARN"]] = (m, None)
            for arn, (mapping, gone_at) in list(self._ghosts.items()):
                if arn in listed:
                    continue
                gone_at = gone_at if gone_at is not None else now
                if now - gone_at >= self.window(self.tagging_ghost):
                    del self._ghosts[arn]
                    continue
                self._ghosts[arn] = (mapping, gone_at)
                if _matches(mapping, p.get("TagFilters", [])) and not p.get("PaginationToken"):
                    parsed.setdefault("ResourceTagMappingList", []).append(mapping)

    # Free plan ---------------------------------------------------------------------------
    def _before_freetier_GetAccountPlanState(self, p: dict, region: str) -> Any:
        free = self.on("free-plan")
        return _ok({"accountId": "123456789012", "accountPlanType": "FREE" if free else "PAID",
                    "accountPlanStatus": "ACTIVE",
                    **({"accountPlanRemainingCredits": {"amount": 100.0, "unit": "USD"}} if free else {})})


def _until_first_block(output: str) -> str:
    """The console as it is while the bootstrap runs: up to the end of its own host key block."""
    import base64

    from hostwiz.ssh.hostkeys import END

    try:
        text = base64.b64decode(output, validate=True).decode("utf-8", "replace")
        encoded = True
    except Exception:
        text, encoded = output, False
    cut = text.find(END)
    if cut < 0:
        return output
    text = text[:cut + len(END)] + "\n"
    return base64.b64encode(text.encode()).decode() if encoded else text


def _matches(mapping: dict, filters: list[dict]) -> bool:
    tags = {t["Key"]: t["Value"] for t in mapping.get("Tags", [])}
    return all(f["Key"] in tags and (not f.get("Values") or tags[f["Key"]] in f["Values"]) for f in filters)


def for_tests(**overrides: Any) -> Realism:
    """The model as the test matrices run it: AWS's windows scaled to fractions of a second."""
    return Realism(**{"scale": 0.001, "floor": 0.05, **overrides})
