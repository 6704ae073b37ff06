"""A stack spec turned into a graph of steps.

Every create is preceded by a ledger intent and followed by the result; every resource is
tagged on create with `hostwiz:stack`, `hostwiz:run`, `hostwiz:role` (the step) and `Name`.
Each step first looks for what an earlier, interrupted run already made (ledger, then tags)
and adopts it, so running `up` again resumes and never makes a second copy.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from hostwiz import plan, secrets
from hostwiz.ledger import CREATED, Ledger, new_stack_id
from hostwiz.spec import StackSpec

from . import ami
from .account import account_plan
from .aws import Aws, error_code, tags
from .collisions import refuse_if_taken
from .engine import Step, StepContext, StepResult
from .ownership import ID_TAG, Identity, now_text, owned
from .registry import Resource, kind
from .waiting import fixed, poll

ROLE_TAG = "hostwiz:role"
# RunInstances errors that are about the zone, not the request: try the next zone (AWS's own advice)
CAPACITY_CODES = ("InsufficientInstanceCapacity", "Unsupported", "InsufficientHostCapacity")


def _zones_offering(ec2: Any, instance_type: str) -> set[str]:
    resp = ec2.describe_instance_type_offerings(LocationType="availability-zone",
                                                Filters=[{"Name": "instance-type", "Values": [instance_type]}])
    return {o["Location"] for o in resp["InstanceTypeOfferings"]}


@dataclass
class Timing:
    """Poll delays and timeouts; the sandbox and tests shrink them."""

    # `up` waits for "running" and "available" with a fixed interval (`waiting.fixed`): a check at once
    # only for a resumed run's resource (one made a moment ago is not ready), the next that many intervals
    # in, then every interval: a ready instance is noticed within 3 s from 9 s on (EC2 reports "running"
    # 10-60 s after RunInstances; the realism model's boot is 30 s), a database within 15 s from 4 minutes
    # on (RDS takes 4-12 minutes; the realism model's create is 5). Calls per minute: bench/waits.py.
    instance_delay: float = 3.0
    instance_first_polls: int = 3
    instance_timeout: float = 600.0
    db_delay: float = 15.0
    db_first_polls: int = 16
    db_timeout: float = 3600.0
    # Check what `up` has just made at once too: an emulator at --endpoint-url (moto, LocalStack)
    # answers "running" / "available" at once, and would otherwise wait 9 s / 240 s for nothing.
    fresh_at_once: bool = False
    iam_retry_delay: float = 3.0  # also the first delay of every "not visible yet" retry (eventual consistency)


@dataclass
class Env:
    aws: Aws
    ledger: Ledger
    spec: StackSpec
    run_id: str
    state_dir: Path
    ssh_cidr: str
    timing: Timing = field(default_factory=Timing)
    user_data: Callable[[StackSpec], str] | None = None


class StackBuilder:
    """Knows how to make each resource of one stack; `steps()` is the graph."""

    def __init__(self, env: Env):
        self.env = env
        self.spec = env.spec
        self.name = env.spec.name
        self.lock = threading.Lock()
        if not env.ledger.get("stack_id"):  # services.up gives it; a bare builder (bench, tests) makes one
            env.ledger.update(stack_id=new_stack_id(), since=now_text())
        self.stack_id = env.ledger.get("stack_id")

    # helpers -------------------------------------------------------------------
    def tags(self, role: str, name: str | None = None) -> list[dict[str, str]]:
        return tags(self.name, self.env.run_id, name or f"{self.name}-{role}",
                    **{ROLE_TAG: role, ID_TAG: self.stack_id})

    @property
    def identity(self) -> Identity | None:
        return Identity.of_ledger(self.env.ledger)

    def taken(self, kind_name: str, name: str, vpc_id: str | None = None) -> Resource | None:
        """The stack's own resource holding `name`, None when free; a Collision when it is someone else's."""
        return refuse_if_taken(self.env.aws, self.spec, self.identity, kind_name, name, vpc_id)

    def adopt(self, step: str, kind_name: str) -> Resource | None:
        """What an earlier run made for `step`: by ledger id if it still exists, else by tags; only
        resources the stack owns (`ownership.owned`), never a look-alike."""
        k = kind(kind_name)
        entry = self.env.ledger.entry(step)
        ident = self.identity
        found = [r for r in k.find_stack(self.env.aws, self.name) if r.tags.get(ROLE_TAG) == step and owned(r, ident)]
        same = [r for r in found if entry and r.id == entry.id]
        res = (same or found or [None])[0]
        if res is not None and not (entry and entry.state == CREATED and entry.id == res.id):
            # found by tags (an earlier run crashed before recording it): the ledger learns it now
            self.record(step, kind_name, res.id,
                        **{k: v for k, v in res.data.items() if isinstance(v, (str, int, bool))})
        return res

    def record(self, step: str, kind_name: str, rid: str, **data: Any) -> None:
        self.env.ledger.created(step, kind_name, rid, **data)

    # lookups -------------------------------------------------------------------
    def network(self, ctx: StepContext) -> StepResult:
        ec2 = self.env.aws.client("ec2")
        vpcs = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
        if not vpcs:
            raise RuntimeError(f"region {self.spec.region} has no default VPC; create one with "
                               "'aws ec2 create-default-vpc' and run again")
        vpc_id = vpcs[0]["VpcId"]
        subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                                {"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
        if not subnets:
            raise RuntimeError(f"the default VPC {vpc_id} in {self.spec.region} has no default subnets; create one "
                               f"per zone with 'aws ec2 create-default-subnet --availability-zone ZONE' and run again")
        subnets.sort(key=lambda s: s["AvailabilityZone"])
        # zones that offer the instance type first (AWS: "Unsupported" in the others)
        offered = _zones_offering(ec2, self.spec.instance.type)
        subnets.sort(key=lambda s: s["AvailabilityZone"] not in offered if offered else False)
        return StepResult({"vpc_id": vpc_id, "subnet_ids": [s["SubnetId"] for s in subnets],
                           "azs": [s["AvailabilityZone"] for s in subnets]}, vpc_id)

    def image(self, ctx: StepContext) -> StepResult:
        img = ami.resolve(self.env.aws, self.spec.instance.os.value, arch=ami.arch_of(self.spec.instance.type))
        return StepResult(dict(img), img["image_id"])

    # security groups -----------------------------------------------------------
    def app_sg(self, ctx: StepContext) -> StepResult:
        sg = kind("security-group")
        found = self.adopt("app-sg", "security-group")
        if found:
            gid = found.id
        else:
            self.taken("security-group", f"hostwiz-{self.name}-app", ctx.out("network")["vpc_id"])
            self.env.ledger.intent("app-sg", sg.name)
            gid = sg.create(self.env.aws, group_name=f"hostwiz-{self.name}-app", vpc_id=ctx.out("network")["vpc_id"],
                            description=f"hostwiz {self.name}: SSH from the operator, web from anywhere",
                            tags=self.tags("app-sg"))
            self.record("app-sg", sg.name, gid)
        cidr = self.env.ssh_cidr
        ssh_range = {"CidrIpv6": cidr, "Description": "SSH"} if ":" in cidr else {"CidrIp": cidr, "Description": "SSH"}
        ssh_key = "Ipv6Ranges" if ":" in cidr else "IpRanges"
        sg.allow(self.env.aws, gid, delay=self.env.timing.iam_retry_delay, cancel=ctx.cancel,
                 progress=ctx.progress, permissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, ssh_key: [ssh_range]},
            {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
             "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
             "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
        ])
        return StepResult({"group_id": gid}, gid + (" (resumed)" if found else ""))

    def db_sg(self, ctx: StepContext) -> StepResult:
        sg = kind("security-group")
        found = self.adopt("db-sg", "security-group")
        if found:
            gid = found.id
        else:
            self.taken("security-group", f"hostwiz-{self.name}-db", ctx.out("network")["vpc_id"])
            self.env.ledger.intent("db-sg", sg.name)
            gid = sg.create(self.env.aws, group_name=f"hostwiz-{self.name}-db", vpc_id=ctx.out("network")["vpc_id"],
                            description=f"hostwiz {self.name}: database port from the app only",
                            tags=self.tags("db-sg"))
            self.record("db-sg", sg.name, gid)
        return StepResult({"group_id": gid}, gid + (" (resumed)" if found else ""))

    def db_sg_rule(self, ctx: StepContext) -> StepResult:
        """A step of its own, so the database create need not wait for the app's group."""
        port = self.spec.database.engine.port
        app = ctx.out("app-sg")["group_id"]
        kind("security-group").allow(self.env.aws, ctx.out("db-sg")["group_id"], [
            {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "UserIdGroupPairs": [{"GroupId": app}]}],
            delay=self.env.timing.iam_retry_delay, cancel=ctx.cancel, progress=ctx.progress)
        return StepResult({}, f"port {port} from {app}")

    # key pair ------------------------------------------------------------------
    def key_pair(self, ctx: StepContext) -> StepResult:
        kp = kind("key-pair")
        path = secrets.key_path(self.env.state_dir, self.name)
        key_name = f"hostwiz-{self.name}"
        found = self.adopt("key-pair", "key-pair")
        if found and path.exists():
            return StepResult({"key_name": found.name, "key_file": str(path)}, f"{found.name} (resumed)")
        if found:  # the public half exists but this machine lost the private half: replace it
            kp.delete(self.env.aws, found)
        else:
            self.taken("key-pair", key_name)
        pair = secrets.generate_ed25519(f"hostwiz-{self.name}")
        secrets.write_private_file(path, pair.private_openssh)
        secrets.store(secrets.ssh_key_account(self.name), pair.private_openssh.reveal())
        self.env.ledger.intent("key-pair", kp.name, key_name=key_name, fingerprint=pair.fingerprint)
        kid = kp.create(self.env.aws, key_name=key_name, public_key=pair.public_openssh, tags=self.tags("key-pair"))
        self.record("key-pair", kp.name, kid, key_name=key_name, key_file=str(path), fingerprint=pair.fingerprint)
        return StepResult({"key_name": key_name, "key_file": str(path)}, f"{key_name} {pair.fingerprint}")

    # IAM (only with a database: the instance reads its connection string from SSM) --------
    def instance_role(self, ctx: StepContext) -> StepResult:
        role_name = profile_name = f"hostwiz-{self.name}-instance"
        ident = self.env.aws.identity()
        partition = ident["arn"].split(":")[1]  # aws, aws-us-gov, aws-cn: never assumed
        param_arn = f"arn:{partition}:ssm:{self.spec.region}:{ident['account']}:parameter/hostwiz/{self.name}/*"
        policy = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["ssm:GetParameter", "ssm:GetParameters"], "Resource": param_arn}]}
        self.taken("iam-role", role_name)
        self.taken("instance-profile", profile_name)
        self.env.ledger.intent("instance-role", "iam-role", name=role_name)
        kind("iam-role").create(self.env.aws, role_name=role_name, path="/hostwiz/", policy_name="read-database-url",
                                policy=policy, tags=self.tags("instance-role", role_name))
        self.record("instance-role", "iam-role", role_name)
        self.env.ledger.intent("instance-profile", "instance-profile", name=profile_name)
        arn = kind("instance-profile").create(self.env.aws, profile_name=profile_name, path="/hostwiz/",
                                              role_name=role_name, tags=self.tags("instance-profile", profile_name),
                                              delay=self.env.timing.iam_retry_delay, cancel=ctx.cancel,
                                              progress=ctx.progress)
        self.record("instance-profile", "instance-profile", profile_name, arn=arn)
        return StepResult({"profile_name": profile_name, "profile_arn": arn}, profile_name)

    # instance ------------------------------------------------------------------
    def instance(self, ctx: StepContext) -> StepResult:
        inst = kind("ec2-instance")
        found = self.adopt("instance", "ec2-instance")
        if found:
            return StepResult({"instance_id": found.id}, f"{found.id} (resumed)")
        img = ctx.out("image")
        network = ctx.out("network")
        user_data = self.env.user_data(self.spec) if self.env.user_data else ""
        params: dict[str, Any] = {
            "ImageId": img["image_id"],
            "InstanceType": self.spec.instance.type,
            "KeyName": ctx.out("key-pair")["key_name"],
            "SecurityGroupIds": [ctx.out("app-sg")["group_id"]],
            "SubnetId": network["subnet_ids"][0],
            "UserData": user_data,
            "BlockDeviceMappings": [{"DeviceName": img.get("root_device", "/dev/sda1"), "Ebs": {
                "VolumeSize": self.spec.instance.volume_gb, "VolumeType": "gp3", "Encrypted": True,
                "DeleteOnTermination": True}}],
            "MetadataOptions": {"HttpTokens": "required", "HttpEndpoint": "enabled"},
            "TagSpecifications": [{"ResourceType": "instance", "Tags": self.tags("instance", self.name)},
                                  {"ResourceType": "volume", "Tags": self.tags("instance", f"{self.name}-root")}],
        }
        if "instance-role" in ctx.outputs:
            params["IamInstanceProfile"] = {"Arn": ctx.out("instance-role")["profile_arn"]}
        token = self._fresh_token()
        zones = list(zip(network["subnet_ids"], network["azs"]))
        tried: list[str] = []
        for subnet_id, zone in zones:
            params["SubnetId"] = subnet_id
            self.env.ledger.intent("instance", inst.name, client_token=token, zone=zone)
            try:
                data = self._launch(ctx, params, token)
            except Exception as err:
                if error_code(err) not in CAPACITY_CODES or (subnet_id, zone) == zones[-1]:
                    raise
                tried.append(zone)
                ctx.progress(f"{zone} cannot run {self.spec.instance.type} now ({error_code(err)}); "
                             f"trying the next zone")
                token = self.env.ledger.rotate_token("instance")  # nothing was made with the old one
                continue
            iid = data["InstanceId"]
            zone = (data.get("Placement") or {}).get("AvailabilityZone") or zone
            self.record("instance", inst.name, iid, client_token=token, zone=zone)
            note = f" in {zone}" + (f" ({', '.join(tried)} had no capacity)" if tried else "")
            return StepResult({"instance_id": iid, "zone": zone, "fresh": True}, iid + note)
        raise RuntimeError("the default VPC has no subnets")  # unreachable: `network` refuses that

    def _fresh_token(self) -> str:
        """The RunInstances ClientToken: the persisted one (a retried or resumed launch gets the same
        instance), unless the instance it made is gone; then a new one (EC2 keeps a token >= 24 h and
        would hand back the terminated instance)."""
        inst = kind("ec2-instance")
        entry = self.env.ledger.entry("instance")
        token = self.env.ledger.token("instance")
        made = inst.by_token(self.env.aws, token, self.name, live=False)
        if (entry and entry.state == "deleted") or (made and all(
                i["State"]["Name"] in ("terminated", "shutting-down") for i in made)):
            token = self.env.ledger.rotate_token("instance")
        return token

    def _launch(self, ctx: StepContext, params: dict[str, Any], token: str) -> dict:
        """RunInstances, retried while AWS does not yet see what it names: a just-made security group
        (InvalidGroup.NotFound) or key pair (InvalidKeyPair.NotFound), or instance profile
        (InvalidParameterValue about the IAM profile). Bounded; other errors raise at once."""
        inst = kind("ec2-instance")

        def launch() -> dict | None:
            try:
                return inst.create(self.env.aws, params=params, client_token=token)
            except Exception as err:
                code = error_code(err)
                if code == "InvalidParameterValue" and "iam" in str(err).lower():
                    ctx.progress("waiting for the instance profile to reach EC2")
                    return None
                if code in ("InvalidGroup.NotFound", "InvalidKeyPair.NotFound"):
                    ctx.progress(f"waiting for EC2 to see the new {'key pair' if 'Key' in code else 'security group'}")
                    return None
                raise

        return poll(launch, what="EC2 to see the new security group, key pair and instance profile", timeout=180,
                    delay=self.env.timing.iam_retry_delay, cancel=ctx.cancel)

    def instance_running(self, ctx: StepContext) -> StepResult:
        iid = ctx.out("instance")["instance_id"]
        t = self.env.timing
        data = kind("ec2-instance").wait_state(self.env.aws, iid, "running", timeout=t.instance_timeout,
                                               cancel=ctx.cancel, progress=ctx.progress,
                                               **fixed(t.instance_delay, t.instance_first_polls,
                                                       at_once=t.fresh_at_once or not ctx.out("instance").get("fresh")))
        return StepResult({"private_ip": data.get("PrivateIpAddress")}, "running")

    # Elastic IP ----------------------------------------------------------------
    def eip(self, ctx: StepContext) -> StepResult:
        from .kinds.route53_record import dns_tags

        k = kind("elastic-ip")
        found = self.adopt("eip", "elastic-ip")
        if found:
            return StepResult({"allocation_id": found.id, "public_ip": found.data["public_ip"]},
                              f"{found.data['public_ip']} (resumed)")
        self.env.ledger.intent("eip", k.name)
        # no DNS records yet (`dns` names them here before it writes them): adopt reads them by these names
        resp = k.allocate(self.env.aws, tags=self.tags("eip") + dns_tags([]))
        self.record("eip", k.name, resp["AllocationId"], public_ip=resp["PublicIp"])
        return StepResult({"allocation_id": resp["AllocationId"], "public_ip": resp["PublicIp"]}, resp["PublicIp"])

    def eip_associate(self, ctx: StepContext) -> StepResult:
        alloc = ctx.out("eip")["allocation_id"]
        iid = ctx.out("instance")["instance_id"]
        current = self.env.aws.client("ec2").describe_addresses(AllocationIds=[alloc])["Addresses"][0]
        if current.get("InstanceId") == iid:
            return StepResult({"association_id": current.get("AssociationId")}, "already associated")
        # still pointing at the stack's terminated instance (its replacement is this one): move it
        old = current.get("InstanceId")
        gone = bool(old) and not kind("ec2-instance").exists(self.env.aws, Resource("ec2-instance", old, ""))
        assoc = kind("elastic-ip").associate(self.env.aws, alloc, iid, reassociate=gone)
        return StepResult({"association_id": assoc}, f"{ctx.out('eip')['public_ip']} -> {iid}")

    # Database ------------------------------------------------------------------
    def db_subnet_group(self, ctx: StepContext) -> StepResult:
        net = ctx.out("network")
        if len(set(net["azs"])) < 2:
            raise RuntimeError("RDS needs subnets in two availability zones; the default VPC has "
                               f"{len(set(net['azs']))}")
        name = f"hostwiz-{self.name}"
        self.taken("db-subnet-group", name)
        self.env.ledger.intent("db-subnet-group", "db-subnet-group", name=name)
        kind("db-subnet-group").create(self.env.aws, group_name=name, subnet_ids=net["subnet_ids"],
                                       tags=self.tags("db-subnet-group", name))
        self.record("db-subnet-group", "db-subnet-group", name)
        return StepResult({"name": name}, name)

    def database(self, ctx: StepContext) -> StepResult:
        db = self.spec.database
        rds = kind("rds-instance")
        ident = self.spec.db_identifier
        existing = self.taken("rds-instance", ident) and rds.describe(self.env.aws, ident)  # never someone else's
        account = secrets.db_password_account(self.name)
        if existing:
            if existing.get("DBInstanceStatus") == "deleting":
                raise RuntimeError(f"database {ident} is still being deleted; wait for it and run again")
            password = secrets.fetch(account)
            self.record("database", rds.name, ident)
            if password is None:  # the keyring lost it (or has none): set a fresh one
                password = secrets.generate_password()
                secrets.store(account, password.reveal())
                self.env.aws.client("rds").modify_db_instance(DBInstanceIdentifier=ident, ApplyImmediately=True,
                                                               MasterUserPassword=password.reveal())
            return StepResult({"identifier": ident, "password": password}, f"{ident} (resumed)")
        password = secrets.generate_password()
        secrets.store(account, password.reveal())
        params = {
            "DBInstanceIdentifier": ident,
            "Engine": db.engine.value,
            "DBInstanceClass": db.instance_class,
            "AllocatedStorage": db.storage_gb,
            "StorageType": "gp3",
            "MasterUsername": db.username,
            "MasterUserPassword": password.reveal(),  # a Secret would serialise as ***
            "DBName": db.db_name,
            "VpcSecurityGroupIds": [ctx.out("db-sg")["group_id"]],
            "DBSubnetGroupName": ctx.out("db-subnet-group")["name"],
            "StorageEncrypted": True,
            # the account's plan: AWS's free plan refuses more than one day (FreeTierRestrictionError)
            "BackupRetentionPeriod": account_plan(self.env.aws).backup_retention,
            "PubliclyAccessible": False,
            "MultiAZ": False,
            "CopyTagsToSnapshot": True,
            "DeletionProtection": False,
            "Tags": self.tags("database", ident),
        }
        zone = ctx.out("instance").get("zone")
        if zone:  # beside the instance: no cross-zone traffic, and one zone's outage is one outage
            params["AvailabilityZone"] = zone
        self.env.ledger.intent("database", rds.name, identifier=ident)
        if db.from_snapshot or db.from_database:  # the source brings engine, name, user and rows; the password
            restore = {k: v for k, v in params.items() if k not in (  # is reset once it is available
                "Engine", "MasterUsername", "MasterUserPassword", "DBName", "BackupRetentionPeriod", "StorageEncrypted",
                "DBInstanceIdentifier")}
            if db.from_snapshot:
                made = self.env.aws.client("rds").restore_db_instance_from_db_snapshot(
                    DBInstanceIdentifier=ident, DBSnapshotIdentifier=db.from_snapshot, **restore)
            else:
                when = {"UseLatestRestorableTime": True} if db.restore_time in (None, "latest") else \
                    {"RestoreTime": db.restore_time}
                made = self.env.aws.client("rds").restore_db_instance_to_point_in_time(
                    SourceDBInstanceIdentifier=db.from_database, TargetDBInstanceIdentifier=ident, **when, **restore)
            made = made.get("DBInstance", {})
        else:
            made = rds.create(self.env.aws, params=params)
        self.record("database", rds.name, ident, uid=made.get("DbiResourceId") or "")
        # handed to database-url in memory: a headless machine has no keyring to fetch it from
        return StepResult({"identifier": ident, "password": password, "fresh": True}, ident)

    def database_available(self, ctx: StepContext) -> StepResult:
        t = self.env.timing
        data = kind("rds-instance").wait_available(self.env.aws, ctx.out("database")["identifier"],
                                                   timeout=t.db_timeout, cancel=ctx.cancel, progress=ctx.progress,
                                                   **fixed(t.db_delay, t.db_first_polls,
                                                           at_once=t.fresh_at_once or not ctx.out("database").get("fresh")))
        if self.spec.database.from_snapshot or self.spec.database.from_database:  # the source's password: reset it
            self.env.aws.client("rds").modify_db_instance(
                DBInstanceIdentifier=ctx.out("database")["identifier"], ApplyImmediately=True,
                MasterUserPassword=ctx.out("database")["password"].reveal())
            data = kind("rds-instance").wait_available(self.env.aws, ctx.out("database")["identifier"],
                                                       timeout=t.db_timeout, delay=t.db_delay,
                                                       cancel=ctx.cancel, progress=ctx.progress)
        ep = data.get("Endpoint") or {}
        if data.get("InstanceCreateTime"):  # its birth: a database re-created under this identifier has another
            self.record("database", "rds-instance", data["DBInstanceIdentifier"], born=str(data["InstanceCreateTime"]))
        return StepResult({"endpoint": ep.get("Address"), "port": ep.get("Port")}, ep.get("Address", ""))

    def database_url(self, ctx: StepContext) -> StepResult:
        db = self.spec.database
        password = ctx.out("database")["password"]
        scheme = {"postgres": "postgresql", "mysql": "mysql", "mariadb": "mysql"}[db.engine.value]
        avail = ctx.out("database-available")
        url = secrets.Secret(f"{scheme}://{db.username}:{password.reveal()}@{avail['endpoint']}:{avail['port']}/{db.db_name}")
        secrets.register(url.reveal())
        name = f"/hostwiz/{self.name}/database-url"
        self.taken("ssm-parameter", name)
        self.env.ledger.intent("database-url", "ssm-parameter", name=name)
        kind("ssm-parameter").put_secure(self.env.aws, name=name, value=url.reveal(),
                                            tags=self.tags("database-url"))
        self.record("database-url", "ssm-parameter", name)
        return StepResult({"parameter": name}, name)

    # DNS -----------------------------------------------------------------------
    def dns(self, ctx: StepContext) -> StepResult:
        from .kinds.route53_record import choose_zone, tag_records

        dom = self.spec.domain
        zone = choose_zone(self.env.aws, dom.name, dom.hosted_zone)
        if zone is None:
            raise RuntimeError(f"no public hosted zone in this account contains {dom.name}")
        ip = ctx.out("eip")["public_ip"]
        zid = zone["Id"].split("/")[-1]
        for rec in dom.record_names:
            self.env.ledger.intent(f"dns:{rec}", "route53-record", zone_id=zid, record=rec, value=ip)
        tag_records(self.env.aws, ctx.out("eip")["allocation_id"], [f"{zid}/{rec}" for rec in dom.record_names])
        kind("route53-record").upsert(self.env.aws, zone_id=zid, names=dom.record_names, value=ip,
                                      stack=self.name, run_id=self.env.run_id, stack_id=self.stack_id)
        for rec in dom.record_names:
            self.record(f"dns:{rec}", "route53-record", f"{zid}/{rec}", zone_id=zid, record=rec, value=ip)
        return StepResult({"zone_id": zid, "records": dom.record_names}, ", ".join(dom.record_names) + f" -> {ip}")

    # the graph -----------------------------------------------------------------
    def steps(self) -> list[Step]:
        """The plan's graph (`hostwiz.plan.graph`), each step bound to the method that makes it."""
        return [Step(info.name, info.label, getattr(self, info.name.replace("-", "_")), info.deps, info.estimate)
                for info in plan.graph(self.spec)]
