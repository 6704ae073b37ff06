"""Resource kinds: one small module each under `kinds/`, registered here.

A kind knows how to list its resources in a region (with their tags), delete one, tell
whether one still exists, and describe itself for a plan. `depends_on` names the kinds
that must be gone before a resource of this kind can be deleted (aws-nuke's DependsOn):
the deletion order comes from these declarations, never from a hand-kept list.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Iterable, Iterator

from .aws import Aws, error_code

STACK_TAG, RUN_TAG = "hostwiz:stack", "hostwiz:run"


@dataclass
class Resource:
    kind: str
    id: str
    region: str
    name: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    monthly_cost: float = 0.0
    reason: str = ""  # why it is in a plan
    waits_on: list[str] = field(default_factory=list)  # ids this one's deletion waits for

    @property
    def key(self) -> str:
        return f"{self.region}/{self.kind}/{self.id}"

    @property
    def stack(self) -> str | None:
        return self.tags.get(STACK_TAG)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "region": self.region, "name": self.name,
                "monthly_cost": round(self.monthly_cost, 2), "reason": self.reason,
                "waits_on": self.waits_on, "data": self.data}


class Kind:
    name: ClassVar[str]
    label: ClassVar[str]
    depends_on: ClassVar[tuple[str, ...]] = ()
    # Error codes that mean "not yet, something still uses it": retried with backoff.
    retry_codes: ClassVar[tuple[str, ...]] = ("DependencyViolation", "InvalidDBInstanceState",
                                             "InvalidDBSubnetGroupStateFault", "ResourceInUse",
                                             "DeleteConflict", "IncorrectState", "InvalidState",
                                             "InvalidNetworkInterface.InUse", "ResourceInUseException",
                                             "InvalidDBClusterStateFault")
    # Error codes that mean "already gone": deletion counts as done.
    gone_codes: ClassVar[tuple[str, ...]] = ()

    def list(self, aws: Aws) -> Iterable[Resource]:
        raise NotImplementedError

    def find_stack(self, aws: Aws, stack: str) -> list[Resource]:
        return [r for r in self.list(aws) if r.tags.get(STACK_TAG) == stack]

    def find_named(self, aws: Aws, stack: str, names: Iterable[str], *, ledger: bool) -> list[Resource] | None:
        """The resources of this kind tagged for `stack` among `names` (the names hostwiz gives the
        stack's resources and the IDs its ledger records), each read by its own lookup: what one
        stack costs to read whatever else the account holds (`teardown.plan`). None when this kind
        has no such lookup (then `find_stack` lists it, filtered by tag server-side where AWS can).
        `ledger`: a ledger gave `names` (it records everything it made, not just the usual names)."""
        return None

    def delete(self, aws: Aws, res: Resource) -> None:
        raise NotImplementedError

    def exists(self, aws: Aws, res: Resource) -> bool:
        """Still there (and not on its way out)? Used to confirm a deletion by listing again."""
        return any(r.id == res.id for r in self.list(aws))

    def blockers(self, aws: Aws, res: Resource) -> list[str]:
        """What keeps `res` from being deleted, in words (best effort)."""
        return []

    # "Already gone" handling the kinds share ----------------------------------------

    def gone(self, err: BaseException) -> bool:
        """Does this AWS error say the resource is already gone (one of `gone_codes`)?"""
        return error_code(err) in self.gone_codes

    @contextmanager
    def ignoring_gone(self) -> Iterator[None]:
        """Run the block; an "already gone" error from AWS ends it quietly (others raise)."""
        try:
            yield
        except Exception as err:
            if not self.gone(err):
                raise

    def unless_gone(self, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        """`fn(*args, **kw)`, or None when AWS answers that the resource is already gone."""
        with self.ignoring_gone():
            return fn(*args, **kw)
        return None

    def present(self, fn: Callable[..., Any], **kw: Any) -> bool:
        """Does a get/describe-by-ID call succeed? ("Already gone" counts as no; other errors raise.)"""
        return self.unless_gone(fn, **kw) is not None

    def listed(self, key: str, fn: Callable[..., Any], **kw: Any) -> bool:
        """Does a describe-by-ID call still list something under `key`? ("Already gone" counts as no.)"""
        return bool((self.unless_gone(fn, **kw) or {}).get(key))


KINDS: dict[str, Kind] = {}


def register(cls: type[Kind]) -> type[Kind]:
    if cls.name in KINDS:
        raise ValueError(f"resource kind {cls.name!r} is registered twice")
    KINDS[cls.name] = cls()
    return cls


def kind(name: str) -> Kind:
    load_all()
    return KINDS[name]


def load_all() -> dict[str, Kind]:
    from . import kinds  # noqa: F401  (importing the package registers every kind)

    return KINDS


def deletion_order(names: Iterable[str]) -> list[list[str]]:
    """Kinds grouped in waves: each wave only depends on kinds of earlier waves."""
    load_all()
    pending = set(names)
    waves: list[list[str]] = []
    while pending:
        wave = sorted(k for k in pending if not (set(KINDS[k].depends_on) & pending))
        if not wave:
            raise ValueError(f"resource kinds depend on each other in a cycle: {sorted(pending)}")
        waves.append(wave)
        pending -= set(wave)
    return waves
