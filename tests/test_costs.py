"""Cost estimates: figures hand-computed from the bundled table, and the cleanup pricers."""

from __future__ import annotations

import json
import os

import pytest

from hostwiz import costs, spec as specmod


@pytest.fixture(autouse=True)
def _own_state_dir(tmp_path, monkeypatch):
    """No refreshed table from a developer's real state dir leaks into these figures."""
    monkeypatch.setenv("HOSTWIZ_STATE_DIR", str(tmp_path / "state"))


def test_bundled_table_is_dated_and_covers_common_regions():
    t = costs.table()
    assert t["as_of"] and "Price List" in t["source"] and t["hours_per_month"] == 730
    for region in ("us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1"):
        r = t["regions"][region]
        for itype in ("t3.micro", "t3a.small", "t4g.medium", "m5.large", "m6i.xlarge", "m7g.large", "c6i.large"):
            assert r["ec2_hourly"][itype] > 0, (region, itype)
        for engine in ("postgres", "mysql", "mariadb"):
            assert r["rds_hourly"][engine]["db.t3.micro"] > 0
        assert r["public_ipv4_hourly"] == 0.005


def test_estimate_of_full_spec_matches_hand_computed_figure(spec_data):
    est = costs.estimate(specmod.validate(spec_data))
    # us-east-1, 730 h: t3.micro 0.0104/h, 20 GB gp3 at 0.08, IPv4 0.005/h, postgres db.t3.micro 0.018/h,
    # RDS gp3 20 GB at 0.115, backups within the free allowance, hosted zone 0.50.
    hand = 0.0104 * 730 + 20 * 0.08 + 0.005 * 730 + 0.018 * 730 + 20 * 0.115 + 0 + 0.50
    assert est.total == pytest.approx(hand, abs=0.01)
    assert est.total == pytest.approx(28.78, abs=0.01)
    labels = dict(est.lines)
    assert labels["EC2 t3.micro (on-demand)"] == 7.59
    assert labels["Public IPv4 address (Elastic IP)"] == 3.65
    assert "us-east-1" in est.note and "730 h/month" in est.note and costs.table()["as_of"] in est.note
    assert not est.missing


def test_estimate_without_database_or_domain_and_other_region(spec_data):
    data = {**spec_data, "region": "eu-west-1", "runtime": {"kind": "docker"}}
    del data["database"], data["domain"]
    est = costs.estimate(specmod.validate(data))
    hand = 0.0114 * 730 + 20 * 0.088 + 0.005 * 730
    assert est.total == pytest.approx(hand, abs=0.01)
    assert not any("RDS" in label for label, _ in est.lines)


def test_unknown_instance_type_is_named_not_guessed(spec_data):
    data = {**spec_data, "instance": {**spec_data["instance"], "type": "x9z.huge"}}
    est = costs.estimate(specmod.validate(data))
    assert est.missing == ["EC2 x9z.huge in us-east-1"]
    assert "no price for EC2 x9z.huge" in est.note
    assert not any(label.startswith("EC2") for label, _ in est.lines)


def test_point_lookups():
    assert costs.instance_monthly("us-east-1", "t3.micro") == pytest.approx(7.592)
    assert costs.instance_monthly("us-east-1", "nope.large") is None
    assert costs.instance_monthly("mars-north-1", "t3.micro") is None
    assert costs.db_monthly("us-east-1", "db.t3.micro", "mysql", 20) == pytest.approx(0.017 * 730 + 20 * 0.115)
    assert costs.db_monthly("us-east-1", "db.t3.micro", "aurora-postgresql", 20) == pytest.approx(0.018 * 730 + 2.3)
    assert costs.db_monthly("us-east-1", "db.x99.huge", "postgres", 20) is None


@pytest.mark.parametrize("kind,data,expected", [
    ("ec2-instance", {"type": "m5.large"}, 0.096 * 730),
    ("ebs-volume", {"size": 100, "type": "gp2"}, 10.0),
    ("ebs-volume", {"size": 50}, 4.0),
    ("ebs-snapshot", {"size": 30}, 1.5),
    ("elastic-ip", {}, 3.65),
    ("nat-gateway", {}, 0.045 * 730),
    ("load-balancer", {"type": "application"}, 0.0225 * 730),
    ("load-balancer", {"type": "gateway"}, 0.0125 * 730),
    ("load-balancer", {}, 0.0225 * 730),
    ("ebs-volume", {"size_gb": 500, "type": "st1"}, 22.5),
    ("vpc-endpoint", {"type": "Interface"}, 0.01 * 730),
    ("vpc-endpoint", {"type": "Gateway"}, 0.0),
    ("db-snapshot", {"size_gb": 100}, 9.5),
    ("rds-cluster", {"storage_gb": 50}, 5.0),
    ("secret", {}, 0.40),
    ("log-group", {"stored_bytes": 10 * 1024 ** 3}, 0.30),
    ("ami", {"size_gb": 8}, 0.0),
    ("rds-instance", {"class": "db.t3.micro", "engine": "postgres", "storage_gb": 20}, 0.018 * 730 + 2.3),
    ("rds-snapshot", {"size_gb": 20}, 1.9),
    ("route53-zone", {}, 0.5),
    ("security-group", {}, 0.0),
    ("ec2-instance", {"type": "unknown.type"}, 0.0),
    ("ebs-volume", {"size": "garbage"}, 0.0),
])
def test_resource_monthly(kind, data, expected):
    assert costs.resource_monthly(kind, "us-east-1", data) == pytest.approx(expected)


def test_refreshed_table_in_state_dir_wins(tmp_path, monkeypatch, spec_data):
    t = json.loads(json.dumps(costs.table()))
    t["as_of"] = "2099-01"
    t["regions"]["us-east-1"]["ec2_hourly"]["t3.micro"] = 1.0
    (tmp_path / "prices.json").write_text(json.dumps(t))
    monkeypatch.setenv("HOSTWIZ_STATE_DIR", str(tmp_path))
    assert costs.instance_monthly("us-east-1", "t3.micro") == 730.0
    assert "2099-01" in costs.estimate(specmod.validate(spec_data)).note
    (tmp_path / "prices.json").write_text("{broken")
    os.utime(tmp_path / "prices.json", (1, 1))
    assert costs.instance_monthly("us-east-1", "t3.micro") == pytest.approx(7.592)


def _product(attr_type: str, price: str) -> str:
    return json.dumps({"product": {"attributes": {"instanceType": attr_type}},
                       "terms": {"OnDemand": {"X.Y": {"priceDimensions": {"X.Y.Z": {
                           "unit": "Hrs", "pricePerUnit": {"USD": price}}}}}}})


def test_refresh_from_price_list_api(tmp_path, monkeypatch):
    import boto3
    from botocore.stub import ANY, Stubber

    from hostwiz.provisioners import pricing
    from hostwiz.provisioners.aws import Aws

    client = boto3.client("pricing", region_name="us-east-1")
    with Stubber(client) as stub:
        stub.add_response("get_products", {"PriceList": [_product("t3.micro", "0.0111"),
                                                         _product("x1e.32xlarge", "26.688")]},
                          {"ServiceCode": "AmazonEC2", "Filters": ANY})
        stub.add_response("get_products", {"PriceList": [_product("db.t3.micro", "0.0170")]},
                          {"ServiceCode": "AmazonRDS", "Filters": ANY})  # mysql
        stub.add_response("get_products", {"PriceList": []}, {"ServiceCode": "AmazonRDS", "Filters": ANY})
        stub.add_response("get_products", {"PriceList": [_product("db.t3.micro", "0.0199")]},
                          {"ServiceCode": "AmazonRDS", "Filters": ANY})  # postgres
        pricing.refresh(Aws(region="us-east-1"), ["us-east-1"], tmp_path, client=client)
        stub.assert_no_pending_responses()
    saved = json.loads((tmp_path / "prices.json").read_text())
    assert saved["regions"]["us-east-1"]["ec2_hourly"]["t3.micro"] == 0.0111
    assert "x1e.32xlarge" not in saved["regions"]["us-east-1"]["ec2_hourly"]  # only types the table knows
    assert saved["regions"]["us-east-1"]["rds_hourly"]["postgres"]["db.t3.micro"] == 0.0199
    assert saved["regions"]["us-east-1"]["rds_hourly"]["mariadb"]["db.t3.micro"] == 0.017  # kept
    assert "Price List API" in saved["source"]
    monkeypatch.setenv("HOSTWIZ_STATE_DIR", str(tmp_path))
    assert costs.instance_monthly("us-east-1", "t3.micro") == pytest.approx(0.0111 * 730)


def test_prices_command_names_the_table_in_force(tmp_path, capsys, monkeypatch):
    from hostwiz.cli import main

    state = tmp_path / "state"
    assert main(["prices", "--json", "--state-dir", str(state)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["file"] == "bundled" and info["as_of"] == costs.table()["as_of"] and "eu-west-1" in info["regions"]
    state.mkdir(exist_ok=True)
    t = json.loads(json.dumps(costs.table()))
    t["as_of"] = "2099-01"
    (state / "prices.json").write_text(json.dumps(t))
    assert main(["prices", "--json", "--state-dir", str(state)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["file"] == str(state / "prices.json") and info["as_of"] == "2099-01"


def test_prices_refresh_refused_is_a_clear_message_and_nothing_written(tmp_path, capsys, moto):
    """moto has no Price List API: the refusal must read as a message, not a stack trace."""
    from hostwiz.cli import main

    state = tmp_path / "state"
    assert main(["prices", "--refresh", "--state-dir", str(state), "--region", "us-east-1"]) == 1
    err = capsys.readouterr().err
    assert "Price List API refused" in err and "Traceback" not in err and costs.table()["as_of"] in err
    assert not (state / "prices.json").exists()
    assert main(["prices", "--refresh", "--sandbox", "--state-dir", str(state)]) == 2
