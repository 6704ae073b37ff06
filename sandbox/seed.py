"""What the sandbox's moto needs beyond its defaults: a public hosted zone for the examples."""

from __future__ import annotations

from hostwiz.provisioners.aws import Aws


def seed(aws: Aws, zone: str) -> None:
    r53 = aws.client("route53")
    names = {z["Name"].rstrip(".") for z in r53.list_hosted_zones()["HostedZones"]}
    if zone not in names:
        r53.create_hosted_zone(Name=zone, CallerReference=f"hostwiz-sandbox-{zone}",
                               HostedZoneConfig={"Comment": "hostwiz sandbox", "PrivateZone": False})
