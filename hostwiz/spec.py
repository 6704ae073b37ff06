"""The stack spec: the TOML contract of PRODUCT.md, and the model the wizard fills.

Everything here is offline: it names the field and the fix, and never calls AWS.
Checks that need AWS (instance type offered in the region, hosted zone exists) live in
`hostwiz.provisioners.preflight` and run before any create call.
"""

from __future__ import annotations

import ipaddress
import re
import tomllib
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

NAME_RE = re.compile(r"^[a-z][a-z0-9-]{2,31}$")
REGION_RE = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
LABEL_RE = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
DB_CLASS_RE = re.compile(r"^db\.[a-z0-9]+\.[a-z0-9]+$")
INSTANCE_TYPE_RE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9]+$")
VOLUME_GB = (8, 16384)  # EBS gp3 root volume sizes hostwiz accepts
APP_PORT = (1, 65535)


class OS(str, Enum):
    ubuntu_24_04 = "ubuntu-24.04"
    ubuntu_22_04 = "ubuntu-22.04"
    amazon_linux_2023 = "amazon-linux-2023"

    @property
    def ssh_user(self) -> str:
        return "ec2-user" if self is OS.amazon_linux_2023 else "ubuntu"


class RuntimeKind(str, Enum):
    docker = "docker"
    nodejs = "nodejs"
    python = "python"
    php = "php"
    ruby = "ruby"
    static = "static"


class Engine(str, Enum):
    mysql = "mysql"
    postgres = "postgres"
    mariadb = "mariadb"

    @property
    def port(self) -> int:
        return 5432 if self is Engine.postgres else 3306


class FieldProblem(ValueError):
    """A problem a model-level check finds in one field (`field` is relative to the model)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False, use_enum_values=False)


def _whole_number(v: Any) -> Any:
    """true/false is not a number (pydantic would take true as 1): reported as a wrong type."""
    if isinstance(v, bool):
        raise PydanticCustomError("int_type", "not a whole number")
    return v


def normalise_domain(value: str) -> str:
    """Lowercase, drop one trailing dot, IDN to punycode; raise ValueError with the fix."""
    if not isinstance(value, str):
        raise ValueError(f"{_shown(value)} is not text; write the name in quotes, like \"blog.example.com\"")
    if not value.strip():
        raise ValueError("is empty; write a name like blog.example.com")
    name = value.strip().lower()
    if name.endswith("."):
        name = name[:-1]
    if not name.isascii():
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError:
            raise ValueError(
                f"{value!r} is an internationalised name that cannot be converted to punycode; "
                "write its xn-- form"
            ) from None
    if len(name) > 253:
        raise ValueError(f"is {len(name)} characters long; a domain name has at most 253: use a shorter one")
    labels = name.split(".")
    if len(labels) < 2:
        raise ValueError(f"{name!r} has no dot; write the full name like {name}.example.com")
    for label in labels:
        if not label:
            raise ValueError(f"{name!r} has an empty label (two dots in a row, or a leading dot)")
        if len(label) > 63:
            raise ValueError(f"label {label[:20]!r}... is {len(label)} characters; a label has at most 63")
        if not LABEL_RE.match(label):
            raise ValueError(
                f"label {label!r} may use only letters, digits and inner hyphens"
            )
    if labels[-1].isdigit():
        raise ValueError(f"{name!r} ends in a numeric label; that is an IP address, not a domain")
    return name


class DomainSpec(_Model):
    name: str
    hosted_zone: str | None = None
    www: bool = False

    @field_validator("name", "hosted_zone", mode="before")
    @classmethod
    def _domain(cls, v: Any) -> Any:
        return None if v is None else normalise_domain(v)

    @model_validator(mode="after")
    def _zone_is_suffix(self) -> "DomainSpec":
        zone = self.hosted_zone
        if zone and not (self.name == zone or self.name.endswith("." + zone)):
            raise FieldProblem(
                "hosted_zone", f"{zone!r} is not a suffix of {self.name!r}; "
                "use the zone that contains the name, or leave hosted_zone out"
            )
        return self

    @property
    def record_names(self) -> list[str]:
        return [self.name] + ([f"www.{self.name}"] if self.www else [])


def parse_cidr(value: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    text = value.strip()
    try:
        if "/" not in text:
            ip = ipaddress.ip_address(text)
            return ipaddress.ip_network(f"{ip}/{ip.max_prefixlen}")
        return ipaddress.ip_network(text, strict=True)
    except ValueError as err:
        if "host bits set" in str(err):
            loose = ipaddress.ip_network(text, strict=False)
            addr = text.split("/")[0]
            raise ValueError(
                f"{text!r} has host bits set; write {loose} for the network or {addr}/{loose.max_prefixlen} for one address"
            ) from None
        raise ValueError(f"{text!r} is not an IP network; write one like 203.0.113.7/32") from None


def world_open(net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    """A range so wide it is the internet for SSH purposes: IPv4 /8 or shorter, IPv6 /16 or shorter."""
    return net.prefixlen <= (8 if net.version == 4 else 16)


def check_ssh_cidr(value: str, *, allow_world: bool = False,
                   wider: str | None = "or set allow_world_ssh = true if you really mean it") -> str:
    """An SSH source range, normalised; a ValueError saying what to write for a bad or world-open one
    (`wider`: how the caller lets a range that wide in, if it does)."""
    net = parse_cidr(value)
    if world_open(net) and not allow_world:
        reach = "a whole private range (your networks and any peered with them)" if net.is_private \
            else "(nearly) the whole internet"
        raise ValueError(f"{net} opens SSH to {reach}; use your address as /32" + (f", {wider}" if wider else ""))
    return str(net)


class InstanceSpec(_Model):
    type: str = "t3.micro"
    os: OS = OS.ubuntu_24_04
    volume_gb: int = Field(20, ge=VOLUME_GB[0], le=VOLUME_GB[1])
    ssh_cidr: str | None = None
    allow_world_ssh: bool = False

    _volume = field_validator("volume_gb", mode="before")(_whole_number)

    @field_validator("type")
    @classmethod
    def _type(cls, v: str) -> str:
        v = v.strip().lower()
        if not INSTANCE_TYPE_RE.match(v):
            raise ValueError(f"{v!r} is not an instance type; write one like t3.micro")
        return v

    @field_validator("ssh_cidr")
    @classmethod
    def _cidr(cls, v: str | None) -> str | None:
        return None if v is None else str(parse_cidr(v))

    @model_validator(mode="after")
    def _world(self) -> "InstanceSpec":
        if self.ssh_cidr:
            try:
                check_ssh_cidr(self.ssh_cidr, allow_world=self.allow_world_ssh)
            except ValueError as err:
                raise FieldProblem("ssh_cidr", str(err)) from None
        return self


class RuntimeSpec(_Model):
    kind: RuntimeKind = RuntimeKind.docker
    app_port: int = Field(3000, ge=APP_PORT[0], le=APP_PORT[1])
    tls: bool = False

    _port_number = field_validator("app_port", mode="before")(_whole_number)

    @field_validator("app_port")
    @classmethod
    def _port(cls, v: int) -> int:
        if v in (22, 80, 443):
            raise ValueError(f"{v} is taken on the instance (22 is SSH, 80/443 are nginx); pick another, e.g. 3000")
        return v


STORAGE_BOUNDS = {Engine.postgres: (20, 65536), Engine.mysql: (20, 65536), Engine.mariadb: (20, 65536)}


class DatabaseSpec(_Model):
    engine: Engine = Engine.postgres
    instance_class: str = "db.t3.micro"
    storage_gb: int = 20
    db_name: str = "app"
    username: str = "hostwiz"
    # A new stack's database restored from this manual snapshot (`hostwiz snapshot NAME --all` lists
    # them, final snapshots of torn-down stacks included) instead of an empty one.
    from_snapshot: str | None = None
    # ...or restored from another database's automated backups to a point in time (RDS point-in-time
    # restore): `from_database` names the source database, `restore_time` the moment (ISO 8601, UTC)
    # or "latest" (the default: the newest restorable time, usually within 5 minutes).
    from_database: str | None = None
    restore_time: str | None = None

    _storage_number = field_validator("storage_gb", mode="before")(_whole_number)

    @field_validator("from_snapshot")
    @classmethod
    def _snapshot(cls, v: str | None) -> str | None:
        if v is None:
            return None
        v = v.strip()
        if not re.match(r"^(arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:snapshot:)?[A-Za-z][A-Za-z0-9-]{0,254}$", v):
            raise ValueError(f"{_shown(v)} is not an RDS snapshot identifier (a letter, then letters, digits and "
                             "hyphens); use one that 'hostwiz snapshot NAME --all' lists")
        return v

    @field_validator("from_database")
    @classmethod
    def _source(cls, v: str | None) -> str | None:
        if v is None:
            return None
        problem = rds_identifier_problem(v.strip())
        if problem:
            raise ValueError(f"{v!r} is not a database identifier: it {problem}")
        return v.strip()

    @field_validator("restore_time")
    @classmethod
    def _when(cls, v: str | None) -> str | None:
        if v is None or v.strip().lower() == "latest":
            return None if v is None else "latest"
        from datetime import datetime, timezone

        try:
            t = datetime.fromisoformat(v.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{v!r} is not a time; write one like 2026-11-30T10:00:00Z, or \"latest\"") from None
        t = t if t.tzinfo else t.replace(tzinfo=timezone.utc)
        if t > datetime.now(timezone.utc):
            raise ValueError(f"{v} is in the future")
        return t.astimezone(timezone.utc).isoformat()

    @field_validator("instance_class")
    @classmethod
    def _class(cls, v: str) -> str:
        v = v.strip().lower()
        if not DB_CLASS_RE.match(v):
            raise ValueError(f"{v!r} is not an RDS instance class; write one like db.t3.micro")
        return v

    @field_validator("db_name", "username")
    @classmethod
    def _ident(cls, v: str) -> str:
        if not re.match(r"^[A-Za-z][A-Za-z0-9_]{0,15}$", v):
            raise ValueError("must start with a letter and use at most 16 letters, digits or underscores")
        return v

    @model_validator(mode="after")
    def _storage(self) -> "DatabaseSpec":
        low, high = STORAGE_BOUNDS[self.engine]
        if not low <= self.storage_gb <= high:
            raise FieldProblem("storage_gb", f"{self.storage_gb} is out of range for {self.engine.value}: use {low}-{high}")
        if self.from_snapshot and self.from_database:
            raise FieldProblem("from_database", "give from_snapshot or from_database, not both")
        if self.restore_time and not self.from_database:
            raise FieldProblem("restore_time", "needs from_database (the database to restore from)")
        if self.username.lower() in {"admin", "root", "postgres", "rdsadmin", "mysql"}:
            raise FieldProblem("username", f"{self.username!r} is reserved by RDS; keep the default 'hostwiz'")
        return self


SETTING_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
SECRET_WORDS = ("PASSWORD", "PASSWD", "SECRET", "TOKEN", "PRIVATE", "CREDENTIAL", "API_KEY")
IMAGE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:@-]{0,254}$")


class AppSpec(_Model):
    """The operator's own app, deployed by `up` once the bootstrap succeeds (and by `hostwiz deploy`).
    One source: a directory (`source`, relative to the spec file), `git` (+ `ref`), or `image`."""

    source: str | None = None
    git: str | None = None
    ref: str | None = None
    image: str | None = None
    start: str | None = None
    health: str = "/health"
    env: dict[str, str] = Field(default_factory=dict)

    @field_validator("source", "start", "ref")
    @classmethod
    def _one_line(cls, v: str | None) -> str | None:
        if v is None:
            return None
        if not v.strip() or "\n" in v:
            raise ValueError("must be one non-empty line")
        return v.strip()

    @field_validator("git")
    @classmethod
    def _git(cls, v: str | None) -> str | None:
        if v is None:
            return None
        v = v.strip()
        from urllib.parse import urlsplit

        try:
            parts = urlsplit(v)
        except ValueError:
            raise ValueError(f"{v!r} is not a git URL") from None
        userinfo = parts.netloc.split("@")[0] if "@" in parts.netloc else None
        if userinfo is not None and (parts.scheme in ("http", "https") or ":" in userinfo):
            raise ValueError("holds a password or token: the spec is stored in the ledger. Write the URL without "
                             "it; git's own credential helper or SSH key is used when cloning")
        if not (parts.scheme in ("http", "https", "ssh", "git", "file") or re.match(r"^[\w.-]+@[\w.-]+:", v)):
            raise ValueError(f"{v!r} is not a git URL; write one like https://github.com/me/app.git")
        return v

    @field_validator("image")
    @classmethod
    def _image(cls, v: str | None) -> str | None:
        if v is not None and not IMAGE_RE.match(v.strip()):
            raise ValueError(f"{v!r} is not an image reference; write one like nginx:1.27 or "
                             "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v2")
        return None if v is None else v.strip()

    @field_validator("health")
    @classmethod
    def _health(cls, v: str) -> str:
        if not v.startswith("/") or any(c.isspace() for c in v):
            raise ValueError(f"{v!r} is not a path; write one like /health")
        return v

    @field_validator("env")
    @classmethod
    def _env(cls, v: dict[str, str]) -> dict[str, str]:
        for key, value in v.items():
            if not SETTING_KEY_RE.match(key):
                raise ValueError(f"{key!r} is not a setting name: letters, digits and _, not starting with a digit")
            if key in ("PORT", "HOSTWIZ_RELEASE", "HOSTWIZ_INSTANCE"):
                raise ValueError(f"{key} is set by hostwiz for each release; leave it out")
            if any(word in key.upper() for word in SECRET_WORDS):
                raise ValueError(f"{key} looks like a secret, and the spec is not the place for one: "
                                 f"run 'hostwiz env NAME set {key}=... --secret' instead")
            if not isinstance(value, str) or "\n" in value:
                raise ValueError(f"{key}: a value is one line of text (quote numbers: {key} = \"1\")")
        return v

    @model_validator(mode="after")
    def _one_source(self) -> "AppSpec":
        given = [n for n in ("source", "git", "image") if getattr(self, n)]
        if len(given) > 1:
            raise FieldProblem(given[1], f"give one source: {' or '.join(given)}, not both")
        if self.ref and not self.git:
            raise FieldProblem("ref", "goes with git = \"URL\"")
        return self


class MonitoringSpec(_Model):
    # CloudWatch alarms: EC2's recover action on a failed system status check, CPU credits low
    # (burstable types), database storage low. Also `hostwiz alarms NAME on|off`.
    alarms: bool = False


def rds_identifier_problem(ident: str) -> str | None:
    if not 1 <= len(ident) <= 63:
        return "must be 1-63 characters"
    if not re.match(r"^[a-z][a-z0-9-]*$", ident):
        return "must start with a letter and use only letters, digits and hyphens"
    if ident.endswith("-") or "--" in ident:
        return "must not end with a hyphen or contain two hyphens in a row"
    return None


class StackSpec(_Model):
    name: str
    region: str = "us-east-1"
    domain: DomainSpec | None = None
    instance: InstanceSpec = Field(default_factory=InstanceSpec)
    runtime: RuntimeSpec = Field(default_factory=RuntimeSpec)
    database: DatabaseSpec | None = None
    app: AppSpec | None = None
    monitoring: MonitoringSpec | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not NAME_RE.match(v):
            raise ValueError(
                "must be 3-32 characters of lowercase letters, digits and hyphens, starting with a letter (e.g. 'blog')"
            )
        problem = rds_identifier_problem(f"{v}-db")
        if problem:
            raise ValueError(f"gives the database identifier {v}-db, which {problem}; drop trailing or doubled hyphens")
        return v

    @field_validator("region")
    @classmethod
    def _region(cls, v: str) -> str:
        v = v.strip().lower()
        if not REGION_RE.match(v):
            raise ValueError(f"{v!r} is not an AWS region name; write one like us-east-1")
        return v

    @model_validator(mode="after")
    def _tls_needs_domain(self) -> "StackSpec":
        if self.runtime.tls and self.domain is None:
            raise FieldProblem("runtime.tls", "needs a [domain] section: a certificate is issued for a name")
        return self

    # Derived names -------------------------------------------------------------
    @property
    def db_identifier(self) -> str:
        return f"{self.name}-db"

    def to_toml_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


# Errors ------------------------------------------------------------------------

class SpecError(Exception):
    """Every problem of a spec, each as (field, message)."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{f}: {m}" for f, m in problems))

    def render(self) -> str:
        lines = [f"The spec has {len(self.problems)} problem(s); nothing was created:"]
        lines += [f"  {field}: {message}" for field, message in self.problems]
        return "\n".join(lines)


# What each field holds, in the operator's words: (what it is, its shape or range, an example line).
# Pydantic's own checks (type, range, required) are reported through these, never in its wording.
FIELD_HELP: dict[str, tuple[str, str, str]] = {
    "name": ("the stack name", "3-32 lowercase letters, digits and hyphens, starting with a letter",
             'name = "blog"'),
    "region": ("the AWS region", "a region name", 'region = "us-east-1"'),
    "domain.name": ("the domain name", "a full name in quotes", 'name = "blog.example.com"'),
    "domain.hosted_zone": ("the hosted zone", "a Route53 zone name that contains the domain",
                           'hosted_zone = "example.com"'),
    "domain.www": ("www", "true or false", "www = true"),
    "instance.type": ("the instance type", "an EC2 type offered in the region", 'type = "t3.micro"'),
    "instance.os": ("the OS", "one of " + ", ".join(o.value for o in OS), 'os = "ubuntu-24.04"'),
    "instance.volume_gb": ("the disk size", f"a whole number of GB from {VOLUME_GB[0]} to {VOLUME_GB[1]}",
                           "volume_gb = 20"),
    "instance.ssh_cidr": ("the SSH source", "an IP address or network in quotes", 'ssh_cidr = "203.0.113.7/32"'),
    "instance.allow_world_ssh": ("allow_world_ssh", "true or false", "allow_world_ssh = false"),
    "runtime.kind": ("the runtime", "one of " + ", ".join(k.value for k in RuntimeKind), 'kind = "docker"'),
    "runtime.app_port": ("the app port", f"a whole number from {APP_PORT[0]} to {APP_PORT[1]}, not 22, 80 or 443",
                         "app_port = 3000"),
    "runtime.tls": ("tls", "true or false", "tls = true"),
    "database.engine": ("the database engine", "one of " + ", ".join(e.value for e in Engine), 'engine = "postgres"'),
    "database.instance_class": ("the database class", "an RDS instance class", 'instance_class = "db.t3.micro"'),
    "database.storage_gb": ("the database storage", "a whole number of GB from {} to {}".format(
        min(lo for lo, _ in STORAGE_BOUNDS.values()), max(hi for _, hi in STORAGE_BOUNDS.values())), "storage_gb = 20"),
    "database.db_name": ("the database name", "at most 16 letters, digits or underscores, starting with a letter",
                         'db_name = "app"'),
    "database.username": ("the database user", "at most 16 letters, digits or underscores, starting with a letter",
                          'username = "hostwiz"'),
    "database.from_snapshot": ("the snapshot to restore", "an RDS snapshot identifier in quotes",
                               'from_snapshot = "blog-final-20261130"'),
    "database.from_database": ("the database to restore from", "an RDS database identifier in quotes",
                               'from_database = "blog-db"'),
    "database.restore_time": ("the time to restore to", 'an ISO 8601 time (UTC) or "latest"',
                              'restore_time = "2026-11-30T10:00:00Z"'),
    "app.source": ("the app's directory", "a path in quotes, relative to the spec file", 'source = "."'),
    "app.git": ("the app's git repository", "a URL in quotes", 'git = "https://github.com/me/app.git"'),
    "app.ref": ("the git ref", "a branch, tag or commit in quotes", 'ref = "main"'),
    "app.image": ("the app's image", "a container image reference in quotes", 'image = "nginx:1.27"'),
    "app.start": ("the start command", "one line in quotes", 'start = "gunicorn app:app"'),
    "app.health": ("the health path", "a path starting with /", 'health = "/health"'),
    "app.env": ("the app's settings", "a table of NAME = \"value\" lines", 'env = { LOG_LEVEL = "info" }'),
    "app.env.*": ("a setting's value", "one line of text in quotes", 'LOG_LEVEL = "info"'),
    "monitoring.alarms": ("alarms", "true or false", "alarms = true"),
}
SECTIONS = ("domain", "instance", "runtime", "database", "app", "monitoring")


def _help(field: str) -> tuple[str, str, str] | None:
    if field in FIELD_HELP:
        return FIELD_HELP[field]
    parent = field.rsplit(".", 1)[0]
    return FIELD_HELP.get(parent + ".*") if "." in field else None


def _shown(value: Any) -> str:
    """A value as the operator wrote it (true, not True), cut short."""
    text = str(value).lower() if isinstance(value, bool) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _pydantic_message(field: str, kind: str, value: Any) -> str:
    """One of pydantic's own checks (wrong type, out of range, required, not a table) in hostwiz's
    words: what was given, what the field holds, and what to write."""
    if field in SECTIONS or kind in ("model_type", "model_attributes_type", "dict_type") and _help(field) is None:
        return (f"must be the [{field}] section (a table of key = value lines), not {_shown(value)}; "
                "see examples/ for one")
    if field == "spec":
        return "the spec must be a table of key = value lines; see examples/ for one"
    what, shape, example = _help(field) or (field.rsplit(".", 1)[-1], "a value of the kind examples/ shows",
                                            "see examples/")
    fix = f"{what} is {shape}; write e.g. {example}"
    if kind == "missing":
        return f"is missing: {fix}"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):  # the wizard's too: a value
        return f"{_shown(value)} is out of range: {what} is {shape}; use e.g. {example.split(' = ', 1)[-1]}"
    if kind in ("int_type", "int_parsing", "int_from_float", "int_parsing_size"):
        return f"{_shown(value)} is not a whole number: {fix}"
    if kind in ("bool_type", "bool_parsing"):
        key = example.split(" =")[0]
        return f"{_shown(value)} is not true or false: write {key} = true or {key} = false (no quotes)"
    if kind in ("string_type", "string_unicode"):
        return f"{_shown(value)} is not text: {fix}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"{_shown(value)} is not a table: {fix}"
    return f"{_shown(value)} is not valid here: {fix}"


def _problems(err: ValidationError) -> list[tuple[str, str]]:
    out = []
    for e in err.errors():
        loc = [str(p) for p in e["loc"]]
        cause = (e.get("ctx") or {}).get("error")
        if isinstance(cause, FieldProblem):  # a model-level check that knows which field is wrong
            loc.append(cause.field)
        field = ".".join(loc) or "spec"
        if e["type"] == "extra_forbidden":
            msg = "is not a known field; check the spelling (see examples/)"
        elif e["type"] == "enum":
            example = (_help(field) or ("", "", "see examples/"))[2]
            msg = f"{_shown(e.get('input'))} is not one of: {e['ctx']['expected']}; write e.g. {example}"
        elif e["type"] == "value_error":  # hostwiz's own checks: their message names the fix
            msg = e["msg"].removeprefix("Value error, ")
        else:
            msg = _pydantic_message(field, e["type"], e.get("input"))
        out.append((field, msg))
    return out


def _whole_model_checks(data: Any) -> list[tuple[str, str]]:
    """The checks that span fields (pydantic runs them only once every field of their model is
    valid), made again on the raw data, so that one report lists every problem at once."""
    out: list[tuple[str, str]] = []
    if not isinstance(data, dict):
        return out
    inst = data.get("instance")
    if isinstance(inst, dict) and isinstance(inst.get("ssh_cidr"), str):
        try:
            check_ssh_cidr(inst["ssh_cidr"], allow_world=inst.get("allow_world_ssh") is True)
        except ValueError as err:
            out.append(("instance.ssh_cidr", str(err)))
    runtime = data.get("runtime")
    if isinstance(runtime, dict) and runtime.get("tls") is True and data.get("domain") is None:
        out.append(("runtime.tls", "needs a [domain] section: a certificate is issued for a name"))
    db = data.get("database")
    if isinstance(db, dict):
        try:
            engine = Engine(db.get("engine", Engine.postgres.value))
            storage = int(_whole_number(db.get("storage_gb", 20)))
        except (ValueError, TypeError):
            pass
        else:
            low, high = STORAGE_BOUNDS[engine]
            if not low <= storage <= high:
                out.append(("database.storage_gb", f"{storage} is out of range for {engine.value}: use {low}-{high}"))
    return out


def validate(data: dict[str, Any]) -> StackSpec:
    try:
        return StackSpec.model_validate(data)
    except ValidationError as err:
        problems = _problems(err)
        known = {f for f, _ in problems}
        problems += [p for p in _whole_model_checks(data) if p[0] not in known]
        raise SpecError(problems) from None


MAX_SPEC_BYTES = 1024 * 1024  # a spec is a page of TOML; anything near this is not one


def read_limited(path: Path, limit: int, what: str = "the file") -> str:
    """A regular file's text, as UTF-8, at most `limit` bytes; ValueError saying why not.

    Never reads a device, FIFO or anything a symlink points at that is not a regular file (a spec
    linked to /dev/zero would be read forever), and never more than `limit` bytes."""
    import os
    import stat

    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ValueError(f"{path} is not a regular file; {what} must be a file")
        if st.st_size > limit:
            raise ValueError(f"{path} is {st.st_size // 1024} KiB; {what} may be at most {limit // 1024} KiB")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            raw = fh.read(limit + 1)
    finally:
        os.close(fd)
    if len(raw) > limit:
        raise ValueError(f"{path} is larger than {limit // 1024} KiB; {what} may not be")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"{path} is not UTF-8 text (byte {err.start} is not valid); save it as UTF-8") from None


def load(path: str | Path) -> StackSpec:
    path = Path(path)
    try:
        text = read_limited(path, MAX_SPEC_BYTES, "a spec")
    except OSError as err:
        raise SpecError([("file", f"cannot read {path}: {err.strerror}")]) from None
    except ValueError as err:
        raise SpecError([("file", str(err))]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise SpecError([("file", f"{path} is not valid TOML: {err}")]) from None
    except RecursionError:
        raise SpecError([("file", f"{path} nests tables or arrays too deeply to be a spec")]) from None
    try:
        return validate(data)
    except RecursionError:
        raise SpecError([("file", f"{path} nests tables or arrays too deeply to be a spec")]) from None


def dumps(spec: StackSpec) -> str:
    """The spec as TOML (the wizard's export)."""
    import tomli_w

    return tomli_w.dumps(spec.to_toml_dict())
