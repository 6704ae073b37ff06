"""App settings of a stack as SSM parameters under /hostwiz/<stack>/env/<KEY>.

Secrets are SecureString (the account's default `aws/ssm` key), other values String; every
parameter is tagged with the stack's tags (aws.tags()) when created, and one that exists without
the stack's tags is someone else's: never overwritten or deleted. Values are never logged; a list
masks secret values unless asked to reveal them. The instance reads the same path through its role
when a release starts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from hostwiz import secrets

from .aws import Aws, error_code, tag_dict

KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
MASK = "••••••"
MAX_VALUE = 4096  # standard tier


class SettingsError(Exception):
    pass


@dataclass(frozen=True)
class Setting:
    key: str
    value: str  # MASK for a secret unless revealed
    secret: bool


def path(stack: str, key: str = "") -> str:
    return f"/hostwiz/{stack}/env/{key}"


def _check_key(key: str) -> None:
    if not KEY_RE.match(key):
        raise SettingsError(f"{key!r} is not a setting name: letters, digits and _, not starting with a digit")


def _owned(ssm: Any, name: str, tags: list[dict[str, str]]) -> bool:
    want = {k: v for k, v in tag_dict(tags).items() if k.startswith("hostwiz:")}
    have = tag_dict(ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=name).get("TagList"))
    return all(have.get(k) == v for k, v in want.items())


def set_settings(aws: Aws, stack: str, values: dict[str, str], tags: list[dict[str, str]],
                 secret: bool = False) -> list[str]:
    """Create or overwrite settings; returns the keys written. `tags`: the stack's tags (aws.tags())."""
    for key, value in values.items():
        _check_key(key)
        if len(value.encode()) > MAX_VALUE:
            raise SettingsError(f"{key}: values are at most {MAX_VALUE} bytes")
        if "\n" in value:
            raise SettingsError(f"{key}: a value is one line")
    for value in values.values():  # redacted from every log line from now on (botocore DEBUG logs bodies)
        secrets.register(value)
    ssm = aws.client("ssm")
    kind = "SecureString" if secret else "String"
    written = []
    for key, value in values.items():
        name = path(stack, key)
        try:
            ssm.put_parameter(Name=name, Value=value, Type=kind, Tags=tags)
        except Exception as err:  # botocore's ClientError, matched by code (botocore stays lazy)
            if error_code(err) != "ParameterAlreadyExists":
                raise
            if not _owned(ssm, name, tags):
                raise SettingsError(f"{name} exists and is not this stack's (its tags say otherwise); "
                                    "left untouched") from None
            ssm.put_parameter(Name=name, Value=value, Type=kind, Overwrite=True)  # tags stay
        written.append(key)
    return written


def list_settings(aws: Aws, stack: str, reveal: bool = False) -> list[Setting]:
    """The stack's settings by key; secret values masked unless `reveal`."""
    ssm = aws.client("ssm")
    out = []
    for page in ssm.get_paginator("get_parameters_by_path").paginate(Path=path(stack), Recursive=False,
                                                                    WithDecryption=reveal):
        for p in page["Parameters"]:
            secret = p["Type"] == "SecureString"
            if reveal or not secret:
                secrets.register(p["Value"])  # before anything could log it (response bodies at DEBUG)
            out.append(Setting(p["Name"].rsplit("/", 1)[1], p["Value"] if (reveal or not secret) else MASK, secret))
    return sorted(out, key=lambda s: s.key)


def unset_settings(aws: Aws, stack: str, keys: list[str], tags: list[dict[str, str]]) -> tuple[list[str], list[str]]:
    """Delete settings; returns (deleted, not found). A parameter without the stack's tags stays."""
    ssm = aws.client("ssm")
    deleted, missing = [], []
    for key in keys:
        _check_key(key)
        name = path(stack, key)
        try:
            if not _owned(ssm, name, tags):
                raise SettingsError(f"{name} is not this stack's (its tags say otherwise); left untouched")
            ssm.delete_parameter(Name=name)
            deleted.append(key)
        except Exception as err:
            if error_code(err) not in ("ParameterNotFound", "InvalidResourceId"):
                raise
            missing.append(key)
    return deleted, missing


def env_lines(aws: Aws, stack: str) -> str:
    """KEY=VALUE lines with decrypted values, for an environment file written 0600 on the instance.
    The caller must never log or print this text."""
    return "".join(f"{s.key}={s.value}\n" for s in list_settings(aws, stack, reveal=True))
