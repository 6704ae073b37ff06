"""What SSH needs from AWS: the console output (for host keys) and EC2 Instance Connect.

boto3 only, through the one client factory, so hooks (sandbox, tests) see every call.
"""

from __future__ import annotations

import threading
from typing import Any, Callable

from .aws import Aws, error_code
from .waiting import WaitTimeout, poll


# Answers to Latest=True from instance types that are not built on Nitro (the docs: "supported on
# instance types that use the Nitro hypervisor"): ask again for the buffered output.
LATEST_REFUSED = ("UnsupportedOperation", "InvalidParameterValue", "InvalidParameterCombination",
                  "InvalidParameter", "UnsupportedInstanceAttribute")
_no_latest: set[str] = set()


def console_output(aws: Aws, instance_id: str) -> str:
    """The console output as EC2 returns it (base64 on real EC2), or '' when there is none yet.
    The latest output where the instance type offers it, else the buffered one."""
    ec2 = aws.client("ec2")
    if instance_id not in _no_latest:
        try:
            return ec2.get_console_output(InstanceId=instance_id, Latest=True).get("Output") or ""
        except Exception as err:
            if error_code(err) not in LATEST_REFUSED:
                raise
            _no_latest.add(instance_id)
    return ec2.get_console_output(InstanceId=instance_id).get("Output") or ""


def wait_console_output(aws: Aws, instance_id: str, parse: Callable[[str], list[str]], *,
                        timeout: float = 180.0, delay: float = 2.0, max_delay: float = 20.0,
                        progress: Callable[[str], None] | None = None,
                        cancel: threading.Event | None = None) -> list[str]:
    """Poll GetConsoleOutput with backoff until `parse` finds something; [] on timeout.

    EC2 publishes console output a few minutes after boot; hostwiz's bootstrap prints the host keys
    first thing (cloud-init only near the end of its first boot, after the bootstrap), so an empty
    answer means "not yet", not "never".
    """
    def check() -> list[str] | None:
        return parse(console_output(aws, instance_id)) or None

    try:
        return poll(check, what=f"the SSH host keys in {instance_id}'s console output", timeout=timeout,
                    delay=delay, max_delay=max_delay, progress=progress, cancel=cancel)
    except WaitTimeout:
        return []


def send_ssh_public_key(aws: Aws, instance_id: str, os_user: str, public_key: str,
                        availability_zone: str | None = None) -> None:
    """Push a public key the instance accepts for 60 seconds (EC2 Instance Connect)."""
    params: dict[str, Any] = {"InstanceId": instance_id, "InstanceOSUser": os_user, "SSHPublicKey": public_key}
    if availability_zone:
        params["AvailabilityZone"] = availability_zone
    resp = aws.client("ec2-instance-connect").send_ssh_public_key(**params)
    if resp.get("Success") is False:
        raise RuntimeError(f"EC2 Instance Connect did not accept the key for {instance_id}")


def instance_address(aws: Aws, instance_id: str) -> dict[str, Any]:
    """Public/private IP and availability zone of a running instance (for bastions given by ID)."""
    resp = aws.client("ec2").describe_instances(InstanceIds=[instance_id])
    for r in resp["Reservations"]:
        for i in r["Instances"]:
            return {"public_ip": i.get("PublicIpAddress"), "private_ip": i.get("PrivateIpAddress"),
                    "availability_zone": i.get("Placement", {}).get("AvailabilityZone"),
                    "state": i.get("State", {}).get("Name")}
    raise LookupError(f"instance {instance_id} was not found")
