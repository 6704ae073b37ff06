"""Is this resource the stack's? The one function every path asks: resume/adopt, rollback,
`down`, status, the TUI, preflight and cleanup.

A stack has an identity: an ID given at its creation (`hostwiz:id`), recorded in the ledger with
the account, region and the time of its first intent, and carried as a tag on everything hostwiz
makes. A resource is the stack's only when

- its tags carry the stack's name and that ID (a name, or `hostwiz:stack` alone, proves nothing);
- where AWS gives a creation time, it is not older than the stack's first intent (a look-alike
  made before the stack, its tags copied onto it);
- where the ledger recorded which resource fills a role (the instance, the database...), it is
  that one: a copy launched "like this" carries the same tags but another ID, client token or
  AWS-internal resource ID (a database re-created under the same identifier has a new one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

from .registry import RUN_TAG, STACK_TAG, Resource

ID_TAG = "hostwiz:id"
ROLE_TAG = "hostwiz:role"
# Local clock against AWS's: a resource may look created this much before the intent written just before it.
CLOCK_SKEW = timedelta(minutes=10)


@dataclass(frozen=True)
class Identity:
    stack: str
    id: str
    account: str | None = None
    region: str | None = None
    since: datetime | None = None  # when the stack's first intent was written
    claims: dict[str, tuple[str, str]] = field(default_factory=dict)  # role (ledger step) -> (kind, id) made
    uids: dict[str, str] = field(default_factory=dict)  # "kind/id" -> AWS-internal id; "kind/id@born" -> creation time
    tokens: dict[str, str] = field(default_factory=dict)  # the ledger's idempotency tokens (RunInstances)

    @classmethod
    def of_ledger(cls, ledger: Any) -> "Identity | None":
        """The identity a ledger records (None for a ledger without one)."""
        ident = ledger.identity
        if not ident.get("stack_id"):
            return None
        claims, uids = {}, {}
        for e in ledger.entries():
            if e.state == "created" and e.id:
                claims[e.step] = (e.kind, e.id)
                if (e.data or {}).get("uid"):
                    uids[f"{e.kind}/{e.id}"] = e.data["uid"]
                if (e.data or {}).get("born"):
                    uids[f"{e.kind}/{e.id}@born"] = e.data["born"]
        return cls(ledger.name, ident["stack_id"], ident.get("account"), ident.get("region"),
                   parse_time(ident.get("since")), claims, uids, dict(ledger.get("tokens") or {}))


def parse_time(text: Any) -> datetime | None:
    if isinstance(text, datetime):
        when = text
    else:
        text = str(text or "").strip()
        if not text:
            return None
        try:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def now_text() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def why_not_owned(r: Resource, ident: Identity | None) -> str | None:
    """None when `r` is the stack's; else why not, in the operator's words."""
    if ident is None or not ident.id:
        return "no stack identity to check it against"
    if r.tags.get(STACK_TAG) != ident.stack:
        return f"not tagged {STACK_TAG}={ident.stack}"
    tag = r.tags.get(ID_TAG)
    if not tag:
        return f"carries {STACK_TAG}={ident.stack} but no {ID_TAG} tag: hostwiz did not make it for this stack"
    if tag != ident.id:
        return f"its {ID_TAG} is {tag}, not this stack's {ident.id}: another stack of the same name made it"
    born = parse_time(r.data.get("created"))
    if born is not None and ident.since is not None and born < ident.since - CLOCK_SKEW:
        return f"created {born:%Y-%m-%d %H:%M} UTC, before this stack existed: its tags were copied"
    role = r.tags.get(ROLE_TAG)
    kind, claimed = ident.claims.get(role or "", ("", ""))
    if claimed and kind == r.kind and claimed not in (r.id, r.name):
        return f"the ledger records {claimed} as this stack's {role}: this one is a copy with its tags"
    token = ident.tokens.get("instance")
    if r.kind == "ec2-instance" and token and r.data.get("client_token") and r.data["client_token"] != token:
        return "launched with another client token than this stack's: a copy with its tags"
    uid = ident.uids.get(f"{r.kind}/{r.id}")
    if uid and r.data.get("uid") and r.data["uid"] != uid:
        return f"re-created under the same name since this stack made it (now {r.data['uid']}, was {uid})"
    born = ident.uids.get(f"{r.kind}/{r.id}@born")
    if born and r.data.get("created") and r.data["created"] != born:
        return f"re-created under the same name since this stack made it (created {r.data['created']}, not {born})"
    return None


def owned(r: Resource, ident: Identity | None) -> bool:
    """The one ownership test: is `r` the stack's (see the module docstring)?"""
    return why_not_owned(r, ident) is None


def split(resources: Iterable[Resource], ident: Identity | None) -> tuple[list[Resource], list[tuple[Resource, str]]]:
    """(owned, [(not owned, why)])."""
    mine, others = [], []
    for r in resources:
        why = why_not_owned(r, ident)
        (mine.append(r) if why is None else others.append((r, why)))
    return mine, others


def ids_in_tags(resources: Iterable[Resource], stack: str) -> dict[str, list[Resource]]:
    """Stack IDs found in the tags of resources named for `stack` (no ledger: what the tags say)."""
    out: dict[str, list[Resource]] = {}
    for r in resources:
        if r.tags.get(STACK_TAG) == stack and r.tags.get(ID_TAG):
            out.setdefault(r.tags[ID_TAG], []).append(r)
    return out


def tag_identity(stack: str, stack_id: str) -> Identity:
    """An identity known only from the tags (no local ledger): no creation time, no claims."""
    return Identity(stack, stack_id)


__all__ = ["CLOCK_SKEW", "ID_TAG", "Identity", "ROLE_TAG", "RUN_TAG", "ids_in_tags", "now_text", "owned",
           "parse_time", "split", "tag_identity", "why_not_owned"]
