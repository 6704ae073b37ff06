"""Bad specs: each names the right field, and through the CLI exits 2 having made no AWS call."""

from __future__ import annotations

import json

import pytest
import tomli_w
from hwtest import DROP, leftovers, mutated, run_cli

from hostwiz import spec as specmod

LONG_LABEL = "a" * 64
LONG_NAME = ".".join(["a" * 60] * 4) + ".example.com"  # labels fine, 255 characters in all

# (path in the spec, value (DROP removes it), the field the problem must name)
BAD = [
    ("name", "ab", "name"),
    ("name", "Blog", "name"),
    ("name", "1blog", "name"),
    ("name", "b" * 33, "name"),
    ("name", "blog_x", "name"),
    ("name", "blog-", "name"),  # the derived RDS identifier blog--db would be invalid
    ("name", "bl--og", "name"),
    ("name", DROP, "name"),
    ("region", "useast1", "region"),
    ("region", "us-east", "region"),
    ("region", "", "region"),
    ("region", 5, "region"),
    ("domain.name", "blog", "domain.name"),
    ("domain.name", "bl_og.example.com", "domain.name"),
    ("domain.name", "-blog.example.com", "domain.name"),
    ("domain.name", f"{LONG_LABEL}.example.com", "domain.name"),
    ("domain.name", LONG_NAME, "domain.name"),
    ("domain.name", "blog..example.com", "domain.name"),
    ("domain.name", "10.0.0.1", "domain.name"),
    ("domain.name", "a\ufffdb.example.com", "domain.name"),  # an IDN that has no punycode form
    ("domain.name", "", "domain.name"),
    ("domain.hosted_zone", "example.org", "domain.hosted_zone"),
    ("domain.hosted_zone", "log.example.com", "domain.hosted_zone"),  # a string suffix, not a label suffix
    ("instance.type", "t3micro", "instance.type"),
    ("instance.type", "t3.micro.large", "instance.type"),
    ("instance.type", "", "instance.type"),
    ("instance.os", "ubuntu-20.04", "instance.os"),
    ("instance.os", "windows", "instance.os"),
    ("runtime.kind", "java", "runtime.kind"),
    ("instance.volume_gb", 7, "instance.volume_gb"),
    ("instance.volume_gb", 16385, "instance.volume_gb"),
    ("instance.volume_gb", "big", "instance.volume_gb"),
    ("instance.ssh_cidr", "not-an-ip", "instance.ssh_cidr"),
    ("instance.ssh_cidr", "203.0.113.7/24", "instance.ssh_cidr"),
    ("instance.ssh_cidr", "10.0.0.0/33", "instance.ssh_cidr"),
    ("instance.ssh_cidr", "0.0.0.0/0", "instance.ssh_cidr"),
    ("instance.ssh_cidr", "::/0", "instance.ssh_cidr"),
    ("runtime.app_port", 0, "runtime.app_port"),
    ("runtime.app_port", 22, "runtime.app_port"),
    ("runtime.app_port", 70000, "runtime.app_port"),
    ("domain", DROP, "runtime.tls"),  # tls = true stays: it needs a domain
    ("database.engine", "oracle", "database.engine"),
    ("database.instance_class", "t3.micro", "database.instance_class"),
    ("database.storage_gb", 10, "database.storage_gb"),
    ("database.storage_gb", 70000, "database.storage_gb"),
    ("database.username", "admin", "database.username"),
    ("database.username", "1user", "database.username"),
    ("database.username", "u" * 17, "database.username"),
    ("database.db_name", "my-db", "database.db_name"),
    ("colour", "blue", "colour"),
    ("instance.typo", 1, "instance.typo"),
    ("database", "yes", "database"),
]


def test_the_table_is_big_enough():
    assert len(BAD) >= 40


@pytest.mark.parametrize(("path", "value", "field"), BAD, ids=[f"{p}={v!r}"[:40] for p, v, _ in BAD])
def test_bad_spec_names_its_field_and_the_cli_exits_2_without_aws(path, value, field, spec_data, tmp_path, no_aws):
    data = mutated(spec_data, path, value)
    with pytest.raises(specmod.SpecError) as caught:
        specmod.validate(data)
    fields = [f for f, _ in caught.value.problems]
    assert field in fields, caught.value.problems
    assert all(message for _, message in caught.value.problems)

    spec_file = tmp_path / "bad.toml"
    spec_file.write_text(tomli_w.dumps(data))
    code, out, err = run_cli(["up", str(spec_file), "--yes", "--state-dir", str(tmp_path / "state"),
                              "--endpoint-url", "http://127.0.0.1:9"])
    assert code == 2
    assert f"  {field}: " in err and "nothing was created" in err
    assert no_aws == []
    assert not (tmp_path / "state" / "stacks").exists()


def test_json_mode_lists_every_problem_by_field(spec_data, tmp_path, no_aws):
    data = mutated(mutated(mutated(spec_data, "name", "X"), "runtime.app_port", 22), "instance.os", "dos")
    spec_file = tmp_path / "bad.toml"
    spec_file.write_text(tomli_w.dumps(data))
    code, out, _ = run_cli(["up", str(spec_file), "--json", "--state-dir", str(tmp_path)])
    assert code == 2
    doc = json.loads(out)
    assert doc["kind"] == "invalid"
    assert {p["field"] for p in doc["problems"]} == {"name", "runtime.app_port", "instance.os"}
    assert no_aws == []


@pytest.mark.parametrize("text", ["name = ", "name = 'blog'\n[instance\ntype = 't3.micro'", "name = 'blog'\nname = 'x'"])
def test_bad_toml_is_a_file_problem(text, tmp_path, no_aws):
    spec_file = tmp_path / "bad.toml"
    spec_file.write_text(text)
    code, _, err = run_cli(["up", str(spec_file), "--state-dir", str(tmp_path)])
    assert code == 2 and "  file: " in err and "not valid TOML" in err
    assert no_aws == []


def test_missing_spec_file_is_bad_input(tmp_path, no_aws):
    code, _, err = run_cli(["up", str(tmp_path / "nope.toml"), "--state-dir", str(tmp_path)])
    assert code == 2 and "cannot read" in err
    assert no_aws == []


@pytest.mark.parametrize(("given", "normalised"), [
    ("Blog.Example.COM", "blog.example.com"),
    ("blog.example.com.", "blog.example.com"),
    ("bücher.example.com", "xn--bcher-kva.example.com"),
    (f"{'a' * 63}.example.com", f"{'a' * 63}.example.com"),
])
def test_good_domains_are_normalised(given, normalised, spec_data):
    data = mutated(mutated(spec_data, "domain.name", given), "domain.hosted_zone", "example.com.")
    spec = specmod.validate(data)
    assert spec.domain.name == normalised and spec.domain.hosted_zone == "example.com"


def test_world_ssh_is_accepted_only_when_asked_for(spec_data):
    data = mutated(spec_data, "instance.ssh_cidr", "0.0.0.0/0")
    data["instance"]["allow_world_ssh"] = True
    assert specmod.validate(data).instance.ssh_cidr == "0.0.0.0/0"


def test_preflight_refuses_an_instance_type_not_offered(session, spec_data, tmp_path, state_dir):
    """Well-formed but not offered in the region: field instance.type, exit 2, nothing created."""
    data = mutated(spec_data, "instance.type", "t3.gigantic")
    spec_file = tmp_path / "spec.toml"
    spec_file.write_text(tomli_w.dumps(data))
    code, out, err = run_cli(["up", str(spec_file), "--yes", "--state-dir", str(state_dir)])
    assert code == 2
    assert "  instance.type: t3.gigantic is not offered in us-east-1" in err
    assert leftovers("blog") == {}
    assert not (state_dir / "stacks" / "blog.json").exists()
    assert not (state_dir / "keys" / "blog.pem").exists()


def test_no_ssh_cidr_and_no_public_ip_fails_clearly_and_never_opens_ssh(session, spec_data, tmp_path, state_dir,
                                                                          monkeypatch):
    from hostwiz import netinfo
    from hostwiz.cli import common, up

    def offline(*_a, **_k):
        raise netinfo.NoPublicIp("could not ask https://checkip.amazonaws.com/ (URLError: offline)")

    monkeypatch.setattr(netinfo, "detect_public_ip", offline)
    for module in (common, up):  # no terminal to ask in
        monkeypatch.setattr(module, "is_interactive", lambda: False)
    data = mutated(spec_data, "instance.ssh_cidr", DROP)
    spec_file = tmp_path / "spec.toml"
    spec_file.write_text(tomli_w.dumps(data))
    code, _, err = run_cli(["up", str(spec_file), "--yes", "--state-dir", str(state_dir)])
    assert code == 2 and "instance.ssh_cidr: could not detect your address (could not ask" in err and "your address as /32" in err
    # asked in a terminal, the whole internet is still refused
    monkeypatch.setattr(common, "is_interactive", lambda: True)
    monkeypatch.setattr(up, "is_interactive", lambda: True)
    monkeypatch.setattr("builtins.input", lambda _prompt="": "0.0.0.0/0")
    code, _, err = run_cli(["up", str(spec_file), "--yes", "--state-dir", str(state_dir)])
    assert code == 2 and "opens SSH to (nearly) the whole internet" in err
    assert leftovers("blog") == {}
