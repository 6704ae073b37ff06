"""The "DNS ready" check: does each name of the stack point at its Elastic IP?

Two views, per name:
- Route53: `TestDNSAnswer` (the zone's own name servers answer); where that call is not
  available (moto, credentials without route53:TestDNSAnswer) the record set is read instead.
- public: what a resolver answers now (`hostwiz.dnscheck`), which lags behind Route53 by
  the TTL of any cached answer, and is "unknown" offline. The sandbox passes `public=False`
  (its names are not real and it touches no outside network).
"""

from __future__ import annotations

from dataclasses import dataclass

from hostwiz.dnscheck import PublicAnswer, Resolver, resolve, system_resolver
from hostwiz.ledger import CREATED, Ledger

from .aws import Aws, error_code
from .kinds.route53_record import bare_zone_id, choose_zone, current_record

FALLBACK_CODES = ("404", "AccessDenied", "AccessDeniedException", "InvalidInput", "NotImplemented")


@dataclass(frozen=True)
class NameStatus:
    name: str
    expected: str
    route53: tuple[str, ...]  # the A values Route53 holds / answers
    source: str  # "test-dns-answer" | "record-set"
    public: PublicAnswer | None = None

    @property
    def in_route53(self) -> bool:
        return self.expected in self.route53

    @property
    def ready(self) -> bool:
        """Route53 has it and a public resolver already answers with it."""
        return self.in_route53 and self.public is not None and self.public.points_at(self.expected)

    @property
    def summary(self) -> str:
        if not self.in_route53:
            found = ", ".join(self.route53) or "no A record"
            return f"{self.name}: Route53 has {found}, not {self.expected}"
        if self.public is None:
            return f"{self.name}: in Route53 -> {self.expected}"
        if self.public.points_at(self.expected):
            return f"{self.name}: ready -> {self.expected}"
        if self.public.addresses is None:
            return f"{self.name}: in Route53 -> {self.expected}; public check unavailable ({self.public.error})"
        seen = ", ".join(self.public.addresses) or "nothing"
        return f"{self.name}: in Route53 -> {self.expected}; resolvers still answer {seen} (wait for the TTL)"


def route53_answers(aws: Aws, zone: str, name: str) -> tuple[tuple[str, ...], str]:
    """The A values for `name` from the zone's name servers, else from its record set."""
    r53 = aws.client("route53")
    try:
        resp = r53.test_dns_answer(HostedZoneId=zone, RecordName=name, RecordType="A")
        return tuple(sorted(resp.get("RecordData", []))), "test-dns-answer"
    except Exception as err:
        if error_code(err) not in FALLBACK_CODES:
            raise
    rec = current_record(aws, zone, name, "A") or {}
    return tuple(sorted(r["Value"] for r in rec.get("ResourceRecords", []))), "record-set"


def check(aws: Aws, names: list[str], ip: str, *, zone_id: str | None = None, hosted_zone: str | None = None,
          public: bool = True, resolver: Resolver = system_resolver, timeout: float = 3.0) -> list[NameStatus]:
    """Each name's status. The zone is `zone_id`, else chosen like provisioning chooses it."""
    if zone_id is None:
        zone = choose_zone(aws, names[0], hosted_zone)
        if zone is None:
            return [NameStatus(n, ip, (), "record-set") for n in names]
        zone_id = bare_zone_id(zone)
    answers = resolve(names, resolver, timeout) if public else [None] * len(names)
    out = []
    for name, answer in zip(names, answers):
        values, source = route53_answers(aws, bare_zone_id(zone_id), name)
        out.append(NameStatus(name, ip, values, source, answer))
    return out


def stack_check(aws: Aws, ledger: Ledger, **kwargs) -> list[NameStatus]:
    """The check for a stack from its ledger: the records hostwiz made and the value it set."""
    out = []
    for entry in ledger.entries():
        if entry.kind == "route53-record" and entry.state == CREATED and entry.data:
            d = entry.data
            out += check(aws, [d["record"]], d["value"], zone_id=d["zone_id"], **kwargs)
    return out
