"""One answer per situation on the command line (issue 15, finding 11): an unknown stack gets the
same message and exit 2 from status, ssh, logs and down, cheaply; every spec problem is in one
report; every subcommand's --help says what it does, with an example."""

from __future__ import annotations

import pytest

from hostwiz import spec as specmod
from hostwiz.cli import COMMANDS, build_parser, main


def test_the_world_open_ssh_error_comes_with_the_others(spec_data):
    spec_data["name"] = "Bad Name"
    spec_data["runtime"]["app_port"] = 22
    spec_data["instance"]["ssh_cidr"] = "0.0.0.0/0"
    del spec_data["domain"]  # TLS without a domain: a whole-model check too
    with pytest.raises(specmod.SpecError) as err:
        specmod.validate(spec_data)
    fields = {f for f, _ in err.value.problems}
    assert {"name", "runtime.app_port", "instance.ssh_cidr", "runtime.tls"} <= fields


def test_a_world_open_ssh_alone_is_reported_once(spec_data):
    spec_data["instance"]["ssh_cidr"] = "0.0.0.0/0"
    with pytest.raises(specmod.SpecError) as err:
        specmod.validate(spec_data)
    assert [f for f, _ in err.value.problems] == ["instance.ssh_cidr"]


@pytest.mark.parametrize("command", [c for c in COMMANDS])
def test_every_subcommand_help_says_what_it_does_with_an_example(command, capsys):
    with pytest.raises(SystemExit) as done:
        build_parser().parse_args([command, "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    usage_end = text.index("\n\n")
    description = text[usage_end:].strip().split("\n\n")[0]
    assert not description.startswith(("positional arguments", "options")), f"{command} --help has no description"
    assert "examples:" in text, f"{command} --help has no example"
    examples = text.split("examples:", 1)[1]
    assert f"hostwiz {command}" in examples or f"hostwiz --sandbox {command}" in examples


UNKNOWN = [["status", "nosuch"], ["ssh", "nosuch", "--", "true"], ["logs", "nosuch"], ["down", "nosuch", "--yes"]]


@pytest.mark.parametrize("argv", UNKNOWN, ids=[a[0] for a in UNKNOWN])
def test_an_unknown_stack_gets_one_answer_everywhere(argv, moto, tmp_path, capsys, monkeypatch):
    from hostwiz.provisioners.aws import Aws

    calls: list[str] = []
    real = Aws.client

    def counted(self, service, region=None):
        calls.append(service)
        return real(self, service, region)

    monkeypatch.setattr(Aws, "client", counted)
    code = main([*argv, "--state-dir", str(tmp_path / "state")])
    err = capsys.readouterr().err
    assert code == 2
    assert "hostwiz: no stack named 'nosuch'" in err and "'hostwiz status' lists the stacks" in err
    # status and down look once at the tags (a stack may be known only there); ssh and logs need the
    # ledger, so they answer without any AWS call
    assert set(calls) <= ({"sts", "resourcegroupstaggingapi"} if argv[0] in ("status", "down") else set())
