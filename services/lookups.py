"""Read-only lookups the wizard and the detail screen make: hosted zones, instance types offered in
a region and their sizes, and the plain names of resource kinds."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hostwiz.provisioners import catalog, preflight
from hostwiz.provisioners.catalog import InstanceType
from hostwiz.provisioners.kinds.route53_record import zones
from hostwiz.provisioners.registry import kind

from .session import Session

if TYPE_CHECKING:
    from hostwiz.provisioners.account import AccountPlan

__all__ = ["InstanceType", "public_zones", "offered_types", "instance_types", "kind_label", "account_plan",
           "launchable_types"]


def public_zones(session: Session) -> list[str]:
    """The account's public hosted zones, by name."""
    return sorted(z["Name"].rstrip(".") for z in zones(session.aws) if not z.get("Config", {}).get("PrivateZone"))


def offered_types(session: Session, region: str) -> list[str]:
    return preflight.offered_types(session.for_region(region).aws)


def account_plan(session: Session, region: str) -> "AccountPlan":
    """The account's AWS plan (free or paid) and why it matters, for the wizard to say."""
    from hostwiz.provisioners.account import account_plan as ask

    return ask(session.for_region(region).aws)


def launchable_types(session: Session, region: str) -> tuple[list[str], str]:
    """(instance types the wizard may offer, why the list is short or ""): on AWS's free plan only the
    free-tier eligible ones launch."""
    offered = offered_types(session, region)
    plan = account_plan(session, region)
    if not plan.free:
        return offered, ""
    return [t for t in offered if t in plan.free_instance_types], \
        f"{plan.why}: only free-tier eligible types launch, databases are micro with 1 day of backups"


def instance_types(session: Session, region: str, names: list[str]) -> dict[str, InstanceType]:
    return catalog.instance_types(session.for_region(region).aws, names)


def kind_label(kind_name: str) -> str:
    """A resource kind as the operator reads it ("Security group")."""
    label = kind(kind_name).label
    return label[:1].upper() + label[1:]


def refresh_prices(session: Session, regions: list[str]) -> None:
    """Re-read the price table from the AWS Price List API, or a UserError (the old table stays)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from hostwiz import costs
    from hostwiz.errors import UserError
    from hostwiz.provisioners import pricing

    try:
        pricing.refresh(session.aws, regions, session.state_dir)
    except (ClientError, BotoCoreError) as err:
        message = err.response["Error"].get("Message") if isinstance(err, ClientError) else str(err)
        raise UserError(f"the Price List API refused ({message}); estimates keep using the table of "
                        f"{costs.table(session.state_dir)['as_of']}") from None
