"""Bad input, generated: malformed spec values (hypothesis, field by field) and malformed command
lines. Every one is refused with a message naming its field or argument, exit 2, no AWS client made,
nothing written. Builds on the foundation's hand-written table (tests/foundation/test_validation.py).
"""

from __future__ import annotations

import string
import tempfile
from pathlib import Path

import pytest
import tomli_w
from hwtest import mutated, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostwiz import spec as specmod

EXAMPLES = 14  # per field: 14 x 13 fields = 182 generated specs
INT64 = 2**63 - 1  # TOML integers are 64-bit


def regex(pattern: str) -> st.SearchStrategy[str]:
    return st.from_regex(pattern, fullmatch=True)


def not_in(values) -> st.SearchStrategy[str]:
    return st.text(max_size=20).filter(lambda s: s not in values and "\x00" not in s)


def outside(low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(-INT64, low - 1) | st.integers(high + 1, INT64)


LETTERS = string.ascii_lowercase
# A field (the dotted path the problem must name) -> values that are wrong for it, by construction.
BAD_VALUES: dict[str, st.SearchStrategy] = {
    "name": regex(r"[A-Z0-9_-][a-z0-9-]{2,20}") | st.text(LETTERS, min_size=33, max_size=60)
            | regex(r"[a-z]{1,8}--[a-z]{1,8}") | regex(r"[a-z]{2,20}-") | st.text(LETTERS, max_size=2)
            | st.integers(),
    "region": regex(r"[a-z]{1,12}") | regex(r"[a-z]{2}-[a-z]{2,9}") | regex(r"[a-z]{2}-[a-z]{2,9}-[a-z]")
              | st.booleans(),
    "domain.name": regex(r"[a-z]{64,70}\.example\.com") | regex(r"[a-z0-9]{1,20}")
                   | regex(r"[a-z]{1,8}_[a-z]{1,8}\.example\.com") | regex(r"[a-z]{1,8}\.\.example\.com")
                   | regex(r"[a-z]{1,8}\.[0-9]{1,3}") | regex(r"-[a-z]{1,8}\.example\.com"),
    "domain.hosted_zone": regex(r"[a-z]{1,10}\.(org|net|io)") | regex(r"x[a-z]{0,5}example\.com"),
    "instance.type": regex(r"[a-z]{1,10}") | regex(r"[0-9][a-z0-9]{0,4}\.[a-z]{1,6}")
                     | regex(r"[a-z]{1,3}\.[a-z]{1,3}\.[a-z]{1,3}"),
    "instance.os": not_in({"ubuntu-24.04", "ubuntu-22.04", "amazon-linux-2023"}),
    "instance.volume_gb": outside(8, 16384) | st.text(LETTERS, min_size=1, max_size=8),
    "instance.ssh_cidr": regex(r"[a-z]{1,12}")  # and host bits set under the prefix, and prefixes over 32:
                         | st.builds("203.0.113.{}/{}".format, st.integers(1, 255).map(lambda n: n | 1), st.integers(1, 31))
                         | st.builds("10.0.0.0/{}".format, st.integers(33, 999)),
    "runtime.kind": not_in({"docker", "nodejs", "python", "php", "ruby", "static"}),
    "runtime.app_port": outside(1, 65535) | st.sampled_from([22, 80, 443]),
    "database.engine": not_in({"mysql", "postgres", "mariadb"}),
    "database.storage_gb": outside(20, 65536),
    "database.username": regex(r"[0-9_][a-z0-9_]{0,10}") | st.text(LETTERS, min_size=17, max_size=30)
                         | st.sampled_from(["admin", "root", "postgres", "rdsadmin", "mysql", "Admin"]),
}
seen: dict[str, int] = {}


def refused_everywhere(data: dict, field: str, no_aws: list) -> None:
    """validate() names `field`; `hostwiz up` exits 2 naming it, with no AWS client and no state."""
    with pytest.raises(specmod.SpecError) as caught:
        specmod.validate(data)
    assert field in [f for f, _ in caught.value.problems], caught.value.problems
    with tempfile.TemporaryDirectory() as tmp:
        spec_file = Path(tmp) / "bad.toml"
        spec_file.write_text(tomli_w.dumps(data))
        code, out, err = run_cli(["up", str(spec_file), "--yes", "--state-dir", f"{tmp}/state"])
        assert code == 2, out + err
        assert f"  {field}: " in err and "nothing was created" in err, err
        assert not Path(tmp, "state", "stacks").exists()
    assert no_aws == []


@pytest.mark.parametrize("field", sorted(BAD_VALUES))
@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_generated_bad_spec_values_are_refused_by_field(field, data, spec_data, no_aws, figures):
    value = data.draw(BAD_VALUES[field], label=field)
    refused_everywhere(mutated(spec_data, field, value), field, no_aws)
    seen[field] = seen.get(field, 0) + 1
    figures.update(field=field, examples=seen[field])


@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=regex(r"[a-z][a-z_]{2,12}").filter(lambda k: k not in specmod.StackSpec.model_fields))
def test_generated_unknown_keys_are_refused_by_name(key, spec_data, no_aws, figures):
    refused_everywhere({**spec_data, key: "x"}, key, no_aws)
    seen["unknown key"] = seen.get("unknown key", 0) + 1
    figures.update(field="unknown key", examples=seen["unknown key"])


SPEC = "examples/blog.toml"
# (arguments, what stderr must name): argparse refuses each before any command runs.
BAD_ARGS = [
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["up"], "the following arguments are required: spec"),
    (["up", SPEC, "--colour"], "unrecognized arguments: --colour"),
    (["up", SPEC, "--yes", "--region"], "argument --region: expected one argument"),
    (["up", SPEC, "--yes", "--region", "moon-1"], "argument --region: 'moon-1'"),
    (["up", SPEC, "--yes", "--region", "US EAST 1"], "argument --region: 'us east 1'"),
    (["up", SPEC, "--yes", "--region", ""], "argument --region: ''"),
    (["--region", "eu-west", "up", SPEC, "--yes"], "argument --region: 'eu-west'"),
    (["up", SPEC, "--yes", "--profile"], "argument --profile: expected one argument"),
    (["up", SPEC, "--yes", "--endpoint-url"], "argument --endpoint-url: expected one argument"),
    (["up", SPEC, "--yes", "--state-dir"], "argument --state-dir: expected one argument"),
    (["up", SPEC, "--yes", "extra"], "unrecognized arguments: extra"),
    (["up", SPEC, "--keep-on-failure=yes"], "argument --keep-on-failure: ignored explicit argument 'yes'"),
    (["down"], "the following arguments are required: name"),
    (["down", "Bad_Name", "--yes"], "argument name: 'Bad_Name'"),
    (["down", "../../etc/passwd", "--yes"], "argument name: '../../etc/passwd'"),
    (["down", "blog--x", "--yes"], "argument name: 'blog--x'"),
    (["down", "ab", "--yes"], "argument name: 'ab'"),
    (["down", "b" * 40, "--yes"], "argument name: 'bbbb"),
    (["down", "blog", "--yes", "--skip-snapshot"], "unrecognized arguments: --skip-snapshot"),
    (["down", "blog", "other", "--yes"], "unrecognized arguments: other"),
    (["down", "blog", "--yes", "--region", "mars-north-1x"], "argument --region: 'mars-north-1x'"),
    (["status", "Blog"], "argument name: 'Blog'"),
    (["status", "blog;rm -rf /"], "argument name: 'blog;rm -rf /'"),
    (["status", "blog", "--jsonn"], "unrecognized arguments: --jsonn"),
    (["status", "--region", "1"], "argument --region: '1'"),
    (["prices", "--bogus"], "unrecognized arguments: --bogus"),
    (["prices", "--region", "nowhere"], "argument --region: 'nowhere'"),
    (["--sandbox=1", "status"], "argument --sandbox: ignored explicit argument '1'"),
    (["--frob"], "unrecognized arguments: --frob"),
]


@pytest.mark.parametrize(("argv", "named"), BAD_ARGS, ids=[" ".join(a)[:40] for a, _ in BAD_ARGS])
def test_bad_command_lines_exit_2_naming_the_argument(argv, named, tmp_path, no_aws, monkeypatch):
    monkeypatch.setenv("HOSTWIZ_STATE_DIR", str(tmp_path / "state"))
    code, out, err = run_cli(argv)
    assert code == 2, out + err
    assert named in err, err
    assert "Traceback" not in err
    assert no_aws == [] and not (tmp_path / "state").exists()


def test_the_generated_and_listed_cases_number_at_least_150():
    assert EXAMPLES * (len(BAD_VALUES) + 1) + len(BAD_ARGS) >= 150
