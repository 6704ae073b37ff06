"""Refresh the price table from the AWS Price List API (optional; the bundled table is enough).

`refresh(aws, regions, state_dir)` asks the `pricing` API (served from us-east-1) for the
on-demand hourly price of every EC2 instance type and RDS instance class the bundled table
lists for those regions, and saves the result as `<state dir>/prices.json`, which
`hostwiz.costs` then prefers. Prices the API does not return keep their bundled value.
Credentials without `pricing:GetProducts` get a clear error; nothing is written then.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from hostwiz import costs
from hostwiz.ledger import atomic_write

from .aws import Aws

RDS_ENGINES = {"postgres": "PostgreSQL", "mysql": "MySQL", "mariadb": "MariaDB"}


def _filters(**fields: str) -> list[dict[str, str]]:
    return [{"Type": "TERM_MATCH", "Field": k, "Value": v} for k, v in fields.items()]


def _on_demand_usd(product: dict[str, Any]) -> float | None:
    for term in product.get("terms", {}).get("OnDemand", {}).values():
        for dim in term.get("priceDimensions", {}).values():
            usd = dim.get("pricePerUnit", {}).get("USD")
            if usd is not None and float(usd) > 0:
                return float(usd)
    return None


def _products(client: Any, service: str, filters: list[dict[str, str]]) -> Iterable[dict[str, Any]]:
    for page in client.get_paginator("get_products").paginate(ServiceCode=service, Filters=filters):
        for item in page["PriceList"]:
            yield json.loads(item) if isinstance(item, str) else item


def hourly_by_type(client: Any, service: str, filters: list[dict[str, str]]) -> dict[str, float]:
    """{instance type or DB class: on-demand USD per hour} for the products matching `filters`."""
    out = {}
    for product in _products(client, service, filters):
        itype = product.get("product", {}).get("attributes", {}).get("instanceType")
        price = _on_demand_usd(product)
        if itype and price:
            out[itype] = price
    return out


def ec2_prices(client: Any, region: str) -> dict[str, float]:
    return hourly_by_type(client, "AmazonEC2", _filters(
        regionCode=region, operatingSystem="Linux", tenancy="Shared", preInstalledSw="NA",
        capacitystatus="Used", licenseModel="No License required"))


def rds_prices(client: Any, region: str, engine: str) -> dict[str, float]:
    return hourly_by_type(client, "AmazonRDS", _filters(
        regionCode=region, databaseEngine=RDS_ENGINES[engine], deploymentOption="Single-AZ"))


def refresh(aws: Aws, regions: list[str], state_dir: Path, client: Any = None) -> dict[str, Any]:
    """Refresh EC2 and RDS hourly prices for `regions`; returns the table it saved."""
    client = client or aws.with_region("us-east-1").client("pricing")
    table = copy.deepcopy(costs.table(Path(state_dir)))
    for region in regions:
        section = table["regions"].get(region)
        if section is None:
            continue
        fresh = ec2_prices(client, region)
        section["ec2_hourly"].update({k: v for k, v in fresh.items() if k in section["ec2_hourly"]})
        for engine, classes in section["rds_hourly"].items():
            fresh = rds_prices(client, region, engine)
            classes.update({k: v for k, v in fresh.items() if k in classes})
    now = datetime.now(timezone.utc)
    table["as_of"] = now.strftime("%Y-%m")
    table["source"] = (f"AWS Price List API (EC2, RDS for {', '.join(regions)}) on {now:%Y-%m-%d}; "
                       "everything else from the bundled table")
    atomic_write(Path(state_dir) / costs.REFRESHED_NAME, json.dumps(table, indent=1), mode=0o644)
    return table
