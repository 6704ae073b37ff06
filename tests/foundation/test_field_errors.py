"""Every spec field, fed a bad value of each kind (wrong type, out of range, empty, a table where a
value goes and a value where a table goes), is refused in hostwiz's words: the field named, what it
holds and what to write; never pydantic's own wording ("Input should be greater than or equal to
8", found by an attack on volume_gb and app_port)."""

from __future__ import annotations

import copy
import re
from typing import Any, get_args

import pytest
from pydantic import BaseModel

from hostwiz import spec as specmod

RAW = ("Input should", "validation error", "type=", "Field required", "Value error", "pydantic", "For further")
FULL = {
    "name": "blog", "region": "us-east-1",
    "domain": {"name": "blog.example.com", "hosted_zone": "example.com", "www": True},
    "instance": {"type": "t3.micro", "os": "ubuntu-24.04", "volume_gb": 20, "ssh_cidr": "203.0.113.7/32",
                 "allow_world_ssh": False},
    "runtime": {"kind": "docker", "app_port": 3000, "tls": True},
    "database": {"engine": "postgres", "instance_class": "db.t3.micro", "storage_gb": 20, "db_name": "app",
                 "username": "hostwiz"},
    "app": {"source": ".", "start": "gunicorn app:app", "health": "/health", "env": {"LOG_LEVEL": "info"}},
    "monitoring": {"alarms": True},
}


def _model_of(annotation: Any) -> type[BaseModel] | None:
    for t in (annotation, *get_args(annotation)):
        if isinstance(t, type) and issubclass(t, BaseModel):
            return t
    return None


def fields(model: type[BaseModel] = specmod.StackSpec, prefix: tuple[str, ...] = ()):
    """(path, annotation, is a section) of every field of the spec, sections included."""
    for name, info in model.model_fields.items():
        sub = _model_of(info.annotation)
        yield prefix + (name,), info.annotation, sub is not None
        if sub is not None:
            yield from fields(sub, prefix + (name,))


def bad_values(annotation: Any, section: bool) -> list[Any]:
    """Wrong type, out of range and empty, for what the field holds."""
    if section:
        return ["", 5, True, ["a"], "text"]
    kinds = (annotation, *get_args(annotation))
    if bool in kinds:
        return ["", "maybe", 7, 2.5, [], {}]
    if int in kinds:
        return ["", "big", 2.5, True, [], {}, -1, 0, 7, 10**9, 70000]
    if dict in kinds or any(getattr(k, "__origin__", None) is dict for k in kinds):
        return ["", 5, True, [], {"KEY": 5}, {"KEY": ""}, {"KEY": ["x"]}]
    return ["", "   ", 5, 2.5, True, [], {}, {"a": 1}, "x" * 300]


CASES = [(".".join(path), value) for path, ann, section in fields() for value in bad_values(ann, section)]


def test_every_field_is_covered():
    covered = {path for path, _ in CASES}
    assert {"instance.volume_gb", "runtime.app_port", "database.storage_gb", "app.env", "domain", "name"} <= covered
    assert len(covered) >= 35 and len(CASES) >= 250


def with_value(path: str, value: Any) -> dict:
    data = copy.deepcopy(FULL)
    *parents, leaf = path.split(".")
    node = data
    for p in parents:
        node = node[p]
    node[leaf] = value
    return data


@pytest.mark.parametrize("path, value", CASES, ids=[f"{p}={v!r}"[:60] for p, v in CASES])
def test_a_bad_value_is_refused_in_hostwiz_words(path, value):
    try:
        specmod.validate(with_value(path, value))
    except specmod.SpecError as err:
        problems = err.problems
    else:
        return  # accepted (an empty optional text, a value the field can take): nothing to word
    assert problems
    for field, message in problems:
        assert not any(raw in message for raw in RAW), (field, message)
        assert message and not re.search(r"\b(True|False|None)\b", message), (field, message)  # TOML words
    mine = [m for f, m in problems if f == path or f.startswith(path + ".")]
    assert mine or path == "domain" or path.startswith("domain.") or path in ("runtime.tls",), problems
    for message in mine:  # the fix: what to write, what to use, or what the field may be
        assert any(w in message for w in ("write", "use ", "one of", "e.g.", "must", "give", "leave", "run ", "goes with",
                                          "needs", "quote", "keep", "pick")), (path, message)


@pytest.mark.parametrize("path, value, says", [
    ("instance.volume_gb", 7, ["from 8 to 16384", "e.g. 20", "out of range"]),
    ("instance.volume_gb", 16385, ["from 8 to 16384"]),
    ("instance.volume_gb", "big", ["not a whole number", "from 8 to 16384"]),
    ("instance.volume_gb", True, ["not a whole number"]),
    ("runtime.app_port", 0, ["from 1 to 65535", "e.g. 3000", "out of range"]),
    ("runtime.app_port", 70000, ["from 1 to 65535"]),
    ("runtime.app_port", True, ["not a whole number"]),
    ("database.storage_gb", "x", ["from 20 to 65536"]),
    ("domain.www", "maybe", ["www = true or www = false"]),
    ("app.env", {"KEY": 5}, ["app.env.KEY", "one line of text in quotes"]),
    ("instance", 5, ["[instance] section"]),
])
def test_the_disk_size_and_the_port_name_their_range_and_the_fix(path, value, says):
    with pytest.raises(specmod.SpecError) as caught:
        specmod.validate(with_value(path, value))
    text = caught.value.render()
    assert path.split(".")[0] in text
    for words in says:
        assert words in text, text


def test_a_missing_required_field_says_what_to_write():
    data = copy.deepcopy(FULL)
    del data["name"], data["domain"]["name"]
    with pytest.raises(specmod.SpecError) as caught:
        specmod.validate(data)
    problems = dict(caught.value.problems)
    assert problems["name"].startswith("is missing") and 'name = "blog"' in problems["name"]
    assert problems["domain.name"].startswith("is missing") and "blog.example.com" in problems["domain.name"]
