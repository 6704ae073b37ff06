"""A spec as a plan: the step graph (names, dependencies, labels, typical durations) and the list
of what `up` will make. Pure data, no AWS: the review screen, the progress screen, `hostwiz up`'s
confirmation and the engine all read it (the provisioners attach a function to each step).

    spec -> plan (this module) -> engine (provisioners) -> events -> screen / CLI lines
"""

from __future__ import annotations

from dataclasses import dataclass

from hostwiz.spec import StackSpec


@dataclass(frozen=True)
class StepInfo:
    name: str
    label: str
    deps: tuple[str, ...] = ()
    estimate: float = 1.0  # typical seconds on AWS, for the ETA and the critical path


def graph(spec: StackSpec) -> list[StepInfo]:
    """The steps of creating `spec`'s stack. Independent steps run at the same time; the RDS create
    needs its security group, its subnet group and the instance's zone (RunInstances, not the boot), so
    its long wait starts early."""
    db = spec.database is not None
    steps = [
        StepInfo("network", "Default VPC and subnets", (), 1),
        StepInfo("image", "Machine image (AMI)", (), 1),
        StepInfo("app-sg", "App security group", ("network",), 2),
        StepInfo("key-pair", "SSH key pair (ED25519)", (), 1),
        StepInfo("instance", "EC2 instance", ("image", "app-sg", "key-pair") + (("instance-role",) if db else ()), 3),
        StepInfo("instance-running", "Instance running", ("instance",), 40),
        StepInfo("eip", "Elastic IP", (), 1),
        StepInfo("eip-associate", "Elastic IP association", ("eip", "instance-running"), 1),
    ]
    if db:
        steps += [
            StepInfo("db-sg", "Database security group", ("network",), 2),
            StepInfo("db-sg-rule", "Database port open to the app", ("db-sg", "app-sg"), 1),
            StepInfo("instance-role", "Instance role (reads the DB URL)", (), 3),
            StepInfo("db-subnet-group", "DB subnet group", ("network",), 1),
            # in the instance's zone, so it waits for RunInstances (seconds), not for the boot
            StepInfo("database", "RDS database", ("db-sg", "db-subnet-group", "instance"), 3),
            StepInfo("database-available", "Database available", ("database",), 420),
            StepInfo("database-url", "DB URL in SSM (SecureString)", ("database-available", "instance-role"), 1),
        ]
    if spec.domain:
        steps.append(StepInfo("dns", "DNS records", ("eip",), 2))
    return steps


def estimates(spec: StackSpec) -> dict[str, float]:
    """Each step's typical seconds on AWS (the progress bar and its ETA move by these)."""
    return {s.name: s.estimate for s in graph(spec)}


def resources(spec: StackSpec, ssh_cidr: str | None = None) -> list[tuple[str, str]]:
    """(what, detail) for everything `up` will make, as the review screen and `hostwiz up` show it."""
    n = spec.name
    cidr = ssh_cidr or spec.instance.ssh_cidr or "your address"
    out = [("Security group", f"hostwiz-{n}-app: SSH from {cidr}, HTTP/HTTPS from anywhere"),
           ("Key pair", f"hostwiz-{n} (ED25519; the private half stays on this machine, 0600)"),
           ("EC2 instance", f"{spec.instance.type}, {spec.instance.os.value}, {spec.instance.volume_gb} GB gp3 "
                            f"(encrypted); {spec.runtime.kind.value} on port {spec.runtime.app_port} behind nginx"),
           ("Elastic IP", "a fixed public address for the instance")]
    if spec.database:
        d = spec.database
        out += [("DB security group", f"hostwiz-{n}-db: port {d.engine.port} from the app only"),
                ("DB subnet group", f"hostwiz-{n}"),
                ("RDS database", f"{spec.db_identifier}: {d.engine.value}, {d.instance_class}, {d.storage_gb} GB, "
                                 "encrypted, private"),
                ("IAM role + profile", f"hostwiz-{n}-instance: reads /hostwiz/{n}/* from SSM"),
                ("SSM parameter", f"/hostwiz/{n}/database-url (SecureString)")]
    if spec.domain:
        out.append(("DNS records", ", ".join(spec.domain.record_names) + " → the Elastic IP"))
    return out
