"""A full `up` (domain + www, TLS, database): every property the foundation promises, read back from AWS.

Where moto does not keep a parameter, hostwiz's own call parameters are asserted (recorded by a
`provide-client-params` hook on `session.aws.hooks`).
"""

from __future__ import annotations

from hwtest import inventory, tags_of

from hostwiz.ledger import Ledger

RESOURCE_KINDS = ("instance", "volume", "security-group", "key-pair", "eip", "rds", "db-subnet-group",
                  "iam-role", "instance-profile", "ssm-parameter")


def test_every_resource_exists_once_and_carries_stack_run_and_name(stack_up, session):
    run_id = Ledger(session.state_dir, "blog").get("run_id")
    inv = inventory("blog")
    for kind in RESOURCE_KINDS:
        assert len(inv[kind]) == (2 if kind == "security-group" else 1), kind
        for res in inv[kind]:
            tags = tags_of(res.get("Tags") or res.get("TagList"))
            if kind in ("db-subnet-group", "iam-role", "instance-profile", "ssm-parameter"):
                tags = tagged(kind, res)
            assert tags.get("hostwiz:stack") == "blog", (kind, tags)
            assert tags.get("hostwiz:run") == run_id, (kind, tags)
            assert tags.get("Name"), (kind, tags)


def tagged(kind: str, res: dict) -> dict[str, str]:
    from hwtest import client

    if kind == "db-subnet-group":
        return tags_of(client("rds").list_tags_for_resource(ResourceName=res["DBSubnetGroupArn"])["TagList"])
    if kind == "iam-role":
        return tags_of(client("iam").list_role_tags(RoleName=res["RoleName"])["Tags"])
    if kind == "instance-profile":
        return tags_of(client("iam").get_instance_profile(
            InstanceProfileName=res["InstanceProfileName"])["InstanceProfile"]["Tags"])
    return tags_of(client("ssm").list_tags_for_resource(ResourceType="Parameter", ResourceId=res["Name"])["TagList"])


def rules(group: dict) -> dict[int, dict]:
    return {p["FromPort"]: p for p in group["IpPermissions"]}


def test_security_groups_open_only_what_they_must(stack_up):
    groups = {tags_of(g["Tags"])["hostwiz:role"]: g for g in inventory("blog")["security-group"]}
    app, db = rules(groups["app-sg"]), rules(groups["db-sg"])
    assert sorted(app) == [22, 80, 443]
    assert [r["CidrIp"] for r in app[22]["IpRanges"]] == ["203.0.113.7/32"]
    assert not app[22]["Ipv6Ranges"] and not app[22]["UserIdGroupPairs"]
    for port in (80, 443):
        assert [r["CidrIp"] for r in app[port]["IpRanges"]] == ["0.0.0.0/0"]
    assert list(db) == [5432] and db[5432]["ToPort"] == 5432
    assert [p["GroupId"] for p in db[5432]["UserIdGroupPairs"]] == [groups["app-sg"]["GroupId"]]
    assert not db[5432]["IpRanges"] and not db[5432]["Ipv6Ranges"]


def test_database_is_encrypted_backed_up_and_private(stack_up, recorder):
    db = inventory("blog")["rds"][0]
    assert db["StorageEncrypted"] is True
    assert db["BackupRetentionPeriod"] == 7
    assert db["PubliclyAccessible"] is False
    assert db["DBSubnetGroup"]["DBSubnetGroupName"] == "hostwiz-blog"
    assert [g["VpcSecurityGroupId"] for g in db["VpcSecurityGroups"]] == \
        [g["GroupId"] for g in inventory("blog")["security-group"] if tags_of(g["Tags"])["hostwiz:role"] == "db-sg"]
    (params,) = recorder.params("CreateDBInstance")
    assert params["StorageEncrypted"] is True and params["BackupRetentionPeriod"] == 7
    assert params["PubliclyAccessible"] is False


def test_eip_is_associated_and_dns_points_at_it(stack_up):
    inv = inventory("blog")
    (eip,) = inv["eip"]
    (instance,) = inv["instance"]
    assert eip["InstanceId"] == instance["InstanceId"] and eip["AssociationId"]
    a_records = {r["Name"].rstrip("."): r for r in inv["dns-record"] if r["Type"] == "A"}
    assert sorted(a_records) == ["blog.example.com", "www.blog.example.com"]
    for rec in a_records.values():
        assert [v["Value"] for v in rec["ResourceRecords"]] == [eip["PublicIp"]]
    assert stack_up.outputs["public_ip"] == eip["PublicIp"]
    assert stack_up.outputs["url"] == "https://blog.example.com/"


def test_instance_has_a_persisted_client_token_imdsv2_and_an_encrypted_root(stack_up, recorder, session):
    (instance,) = inventory("blog")["instance"]
    (params,) = recorder.params("RunInstances")
    token = params["ClientToken"]
    assert token and instance["ClientToken"] == token
    ledger = Ledger(session.state_dir, "blog")
    assert ledger.get("tokens")["instance"] == token
    assert ledger.entry("instance").data["client_token"] == token
    assert ledger.entry("instance").id == instance["InstanceId"]
    assert params["MetadataOptions"]["HttpTokens"] == "required"
    assert instance["MetadataOptions"]["HttpTokens"] == "required"
    (volume,) = inventory("blog")["volume"]
    assert volume["Attachments"][0]["InstanceId"] == instance["InstanceId"]
    assert volume["Encrypted"] is True and volume["Size"] == 20
    (ebs,) = [m["Ebs"] for m in params["BlockDeviceMappings"]]
    assert ebs["Encrypted"] is True and ebs["VolumeSize"] == 20
    assert instance["IamInstanceProfile"]["Arn"].endswith("/hostwiz-blog-instance")
    assert instance["KeyName"] == "hostwiz-blog"


def test_every_tag_specification_and_tag_list_names_the_stack(stack_up, recorder, session):
    """Tag on create: each create call carries the tags itself (no separate tagging step to fail)."""
    run_id = Ledger(session.state_dir, "blog").get("run_id")
    creates = {"RunInstances", "CreateSecurityGroup", "ImportKeyPair", "AllocateAddress", "CreateDBInstance",
               "CreateDBSubnetGroup", "CreateRole", "CreateInstanceProfile", "PutParameter"}
    seen = set()
    for _, op, params in recorder.calls:
        if op not in creates or params.get("Overwrite"):
            continue
        seen.add(op)
        lists = [spec["Tags"] for spec in params.get("TagSpecifications", [])] or [params["Tags"]]
        for tag_list in lists:
            tags = tags_of(tag_list)
            assert tags["hostwiz:stack"] == "blog" and tags["hostwiz:run"] == run_id and tags["Name"], (op, tags)
    assert seen == creates
    (run,) = recorder.params("RunInstances")
    assert {s["ResourceType"] for s in run["TagSpecifications"]} == {"instance", "volume"}


def test_ledger_records_intent_before_each_create_and_the_id_after(session, recorder, full_spec, monkeypatch):
    """At the moment of every create call the ledger on disk already holds that step's intent."""
    import json

    from hostwiz.services import stacks as operations

    path = session.state_dir / "stacks" / "blog.json"
    step_of = {"RunInstances": "instance", "CreateSecurityGroup": None, "ImportKeyPair": "key-pair",
               "AllocateAddress": "eip", "CreateDBInstance": "database", "CreateDBSubnetGroup": "db-subnet-group",
               "CreateRole": "instance-role", "PutParameter": "database-url"}
    on_disk: dict[str, dict] = {}

    def before(model, **_):
        if model.name in step_of:
            doc = json.loads(path.read_text())
            on_disk.setdefault(model.name, doc["resources"])

    session.aws.hooks.append(("before-call", before))
    assert operations.up(session, full_spec, full_spec.instance.ssh_cidr).ok
    for op, step in step_of.items():
        if step:
            assert on_disk[op][step]["state"] == "intent", op
    assert "app-sg" in on_disk["CreateSecurityGroup"] or "db-sg" in on_disk["CreateSecurityGroup"]
    final = Ledger(session.state_dir, "blog")
    assert final.get("status") == "ready"
    assert all(e.state == "created" and e.id for e in final.entries())


def test_the_database_create_waits_only_for_what_it_needs(session, full_spec):
    """The RDS wait is the long pole: its create waits for RunInstances (it goes in the instance's zone,
    known seconds after the launch), never for the instance to boot, its address or DNS."""
    from hostwiz.provisioners.stack import Env, StackBuilder

    steps = {s.name: s for s in StackBuilder(Env(session.aws, Ledger(session.state_dir, "blog"), full_spec,
                                                 "run", session.state_dir, "203.0.113.7/32")).steps()}

    def needs(name: str) -> set[str]:
        return {d for dep in steps[name].deps for d in {dep} | needs(dep)}

    assert needs("database") >= {"network", "db-sg", "db-subnet-group", "instance"}
    assert not needs("database") & {"instance-running", "eip", "eip-associate", "dns"}
    assert needs("db-sg-rule") >= {"db-sg", "app-sg"}


def test_user_data_carries_no_secret(stack_up, recorder):
    import base64

    from hostwiz import secrets

    (params,) = recorder.params("RunInstances")
    user_data = params["UserData"]
    text = user_data if user_data.startswith("#!") else base64.b64decode(user_data).decode()
    assert text.startswith("#!/bin/bash")
    password = secrets.fetch(secrets.db_password_account("blog")).reveal()
    private_key = secrets.fetch(secrets.ssh_key_account("blog")).reveal()
    assert password not in text and private_key.splitlines()[1] not in text
