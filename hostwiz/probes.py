"""Is the site answering? Probes from the operator's side, the way a visitor's browser sees it.

- `probe_dns`: do the stack's names resolve to its address (resolver injectable)?
- `probe_delegation`: does the parent zone hand the domain to the stack's Route53 name servers?
- `probe_http`: status and latency of a URL (the health path and `/`, over HTTP and HTTPS),
  optionally dialling the stack's address directly with the site's name (curl --resolve), so a
  DNS problem and an app problem are told apart;
- `probe_tls`: the certificate's issuer, days until it expires, the names it covers, whether
  it matches the site's name and whether this machine's trust store accepts it;
- `probe_site`: all of them at once, in threads, each with its own timeout; never raises.

Every result carries `status` (ok / warning / problem / unknown), `summary` (what was found),
`diagnosis` (what is wrong, in plain words) and `advice` (what to do). Standard library plus
`cryptography` (certificate fields) and `dnspython` (NS records), both imported lazily.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable
from urllib.parse import urlsplit

from hostwiz.dnscheck import Resolver, resolve, system_resolver

OK, WARNING, PROBLEM, UNKNOWN = "ok", "warning", "problem", "unknown"
_RANK = {OK: 0, UNKNOWN: 1, WARNING: 2, PROBLEM: 3}
RENEW_WARN_DAYS = 21  # certbot renews at 30 days left: fewer than 21 means renewal is failing
NsLookup = Callable[[str, float], list[str]]


@dataclass(frozen=True)
class Result:
    check: str  # dns | delegation | http | https | tls
    target: str
    status: str
    summary: str
    diagnosis: str = ""
    advice: str = ""

    @property
    def ok(self) -> bool:
        return self.status == OK

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DnsResult(Result):
    expected: str = ""
    addresses: tuple[str, ...] | None = None


@dataclass(frozen=True)
class DelegationResult(Result):
    expected: tuple[str, ...] = ()
    found: tuple[str, ...] | None = None


@dataclass(frozen=True)
class HttpResult(Result):
    url: str = ""
    code: int | None = None
    latency_ms: float | None = None
    location: str = ""


@dataclass(frozen=True)
class TlsResult(Result):
    issuer: str = ""
    subject: str = ""
    names: tuple[str, ...] = ()
    not_after: str = ""
    days_left: float | None = None
    name_matches: bool | None = None
    trusted: bool | None = None
    self_signed: bool | None = None


@dataclass
class SiteReport:
    results: list[Result] = field(default_factory=list)

    @property
    def status(self) -> str:
        return max((r.status for r in self.results), key=_RANK.__getitem__, default=UNKNOWN)

    @property
    def problems(self) -> list[Result]:
        return [r for r in self.results if r.status in (PROBLEM, WARNING)]

    def of(self, check: str) -> list[Result]:
        return [r for r in self.results if r.check == check]

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "results": [r.as_dict() for r in self.results]}


# DNS ------------------------------------------------------------------------------------------


def probe_dns(names: list[str], expected_ip: str, *, resolver: Resolver = system_resolver,
              timeout: float = 3.0) -> list[DnsResult]:
    out = []
    for ans in resolve(names, resolver, timeout):
        kw = dict(check="dns", target=ans.name, expected=expected_ip, addresses=ans.addresses)
        if ans.addresses is None:
            out.append(DnsResult(status=UNKNOWN, summary=f"{ans.name}: could not ask ({ans.error})",
                                 diagnosis="this machine could not reach a DNS resolver",
                                 advice="check this machine's network; the site itself may be fine", **kw))
        elif not ans.addresses:
            out.append(DnsResult(status=PROBLEM, summary=f"{ans.name} does not resolve",
                                 diagnosis=f"{ans.name} has no address: the record is missing, or the zone "
                                           "is not delegated to Route53 yet",
                                 advice="check the delegation result; a new record can take a few minutes "
                                        "to appear (negative answers are cached up to the zone's SOA TTL)", **kw))
        elif ans.points_at(expected_ip) and len(ans.addresses) == 1:
            out.append(DnsResult(status=OK, summary=f"{ans.name} -> {expected_ip}", **kw))
        elif ans.points_at(expected_ip):
            others = ", ".join(a for a in ans.addresses if a != expected_ip)
            out.append(DnsResult(status=WARNING, summary=f"{ans.name} -> {', '.join(ans.addresses)}",
                                 diagnosis=f"{ans.name} also points at {others}: some visitors reach another server",
                                 advice=f"remove the extra A records so only {expected_ip} remains", **kw))
        else:
            out.append(DnsResult(status=PROBLEM, summary=f"{ans.name} -> {', '.join(ans.addresses)}",
                                 diagnosis=f"{ans.name} points at {', '.join(ans.addresses)}, not at the "
                                           f"stack's address {expected_ip}",
                                 advice="an old record (or another DNS provider) still answers; if Route53 has the "
                                        "right record, wait for the old TTL to pass or fix the delegation", **kw))
    return out


def dnspython_ns(zone: str, timeout: float) -> list[str]:
    """The zone's NS records as this machine's resolver answers them (dnspython)."""
    import dns.exception
    import dns.resolver

    try:
        answer = dns.resolver.resolve(zone, "NS", lifetime=timeout)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return []
    except dns.exception.Timeout:
        raise TimeoutError(f"no answer within {timeout:g} s") from None
    return [str(r.target) for r in answer]


def _norm(ns: str) -> str:
    return ns.lower().rstrip(".")


def probe_delegation(zone: str, expected_ns: list[str], *, ns_lookup: NsLookup = dnspython_ns,
                     timeout: float = 3.0) -> DelegationResult:
    expected = tuple(sorted(_norm(n) for n in expected_ns))
    kw: dict[str, Any] = dict(check="delegation", target=zone, expected=expected)
    try:
        found = tuple(sorted(_norm(n) for n in ns_lookup(zone, timeout)))
    except Exception as err:
        return DelegationResult(status=UNKNOWN, summary=f"{zone}: could not ask for its name servers ({err})",
                                diagnosis="this machine could not get an answer from DNS",
                                advice="check this machine's network and try again", found=None, **kw)
    kw["found"] = found
    if not found:
        return DelegationResult(status=PROBLEM, summary=f"{zone} has no name servers in public DNS",
                                diagnosis="the domain is not registered, or its registration lapsed",
                                advice=f"register {zone} (or renew it) and set its name servers to: "
                                       + ", ".join(expected), **kw)
    if set(found) == set(expected):
        return DelegationResult(status=OK, summary=f"{zone} is delegated to Route53", **kw)
    if set(found) & set(expected):
        return DelegationResult(status=WARNING, summary=f"{zone} -> {', '.join(found)}",
                                diagnosis="the registrar names some of Route53's name servers and some others: "
                                          "answers depend on which one a visitor asks",
                                advice="set exactly these name servers at your registrar: " + ", ".join(expected), **kw)
    return DelegationResult(status=PROBLEM, summary=f"{zone} -> {', '.join(found)}",
                            diagnosis="the zone is not delegated: your registrar still names other name servers "
                                      f"({', '.join(found)})",
                            advice="at your registrar, replace them with the hosted zone's: " + ", ".join(expected)
                                   + " (it can take up to 48 hours to be seen everywhere)", **kw)


# HTTP -----------------------------------------------------------------------------------------


def _open(url: str, address: str | None, timeout: float, context: ssl.SSLContext | None) -> tuple[Any, str]:
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    raw = socket.create_connection((address or host, port), timeout=timeout)
    if parts.scheme == "https":
        try:
            raw = (context or _unverified()).wrap_socket(raw, server_hostname=host)
        except BaseException:
            raw.close()
            raise
    conn_cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = conn_cls(host, port, timeout=timeout)
    conn.sock = raw  # dialled above (maybe at the stack's address): http.client sends on it as is
    return conn, (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _unverified() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the TLS probe judges the certificate; this one the app
    return ctx


def probe_http(url: str, *, address: str | None = None, timeout: float = 5.0,
               health: bool = False) -> HttpResult:
    """GET `url` (dialling `address` when given, with the URL's host as Host and SNI)."""
    parts = urlsplit(url)
    check = "https" if parts.scheme == "https" else "http"
    port = parts.port or (443 if check == "https" else 80)
    where = f"{address or parts.hostname}:{port}"
    kw: dict[str, Any] = dict(check=check, target=url, url=url)
    start = time.monotonic()
    conn = None
    try:
        conn, path = _open(url, address, timeout, None)
        conn.request("GET", path, headers={"User-Agent": "hostwiz-probe", "Accept": "*/*", "Connection": "close"})
        resp = conn.getresponse()
        resp.read(65536)
        code, location = resp.status, resp.getheader("Location") or ""
    except (socket.timeout, TimeoutError):
        return HttpResult(status=PROBLEM, summary=f"{url}: no answer within {timeout:g} s",
                          diagnosis=f"nothing answered on {where} in time: the instance is down or overloaded, "
                                    f"or a firewall drops port {port}",
                          advice=f"check that the instance runs and its security group allows port {port} "
                                 "from anywhere; then `hostwiz logs` for the web server", **kw)
    except ConnectionRefusedError:
        return HttpResult(status=PROBLEM, summary=f"{url}: connection refused",
                          diagnosis=f"the machine at {where} answers, but no web server listens on port {port}",
                          advice="the web server (nginx/caddy) is stopped or failed to start: "
                                 "`hostwiz ssh NAME -- sudo systemctl status nginx`, then `hostwiz logs`", **kw)
    except ssl.SSLError as err:
        return HttpResult(status=PROBLEM, summary=f"{url}: TLS handshake failed ({err.reason or err})",
                          diagnosis=f"port {port} answers but not with a usable TLS certificate",
                          advice="TLS is not set up on the server (yet): check certbot's log on the instance "
                                 "(/var/log/letsencrypt/letsencrypt.log)", **kw)
    except OSError as err:
        return HttpResult(status=PROBLEM, summary=f"{url}: {err.strerror or err}",
                          diagnosis=f"could not reach {where}: {err.strerror or err}",
                          advice="check the address, this machine's network, and the instance's state", **kw)
    except http.client.HTTPException as err:
        return HttpResult(status=PROBLEM, summary=f"{url}: not an HTTP answer ({err.__class__.__name__})",
                          diagnosis=f"something on {where} answered, but not HTTP",
                          advice="another program holds the port; check what listens there on the instance", **kw)
    finally:
        if conn is not None:
            conn.close()
    ms = (time.monotonic() - start) * 1000
    kw.update(code=code, latency_ms=round(ms, 1), location=location)
    text = f"{url}: {code} in {ms:.0f} ms"
    if 200 <= code < 300:
        return HttpResult(status=OK, summary=text, **kw)
    if 300 <= code < 400:
        if check == "http" and location.startswith("https://"):
            return HttpResult(status=OK, summary=f"{text}, redirects to HTTPS", **kw)
        return HttpResult(status=OK if not health else WARNING, summary=f"{text} -> {location}",
                          diagnosis="" if not health else "the health path redirects instead of answering",
                          advice="" if not health else "let the health path answer 200 directly", **kw)
    if code == 404 and health:
        return HttpResult(status=WARNING, summary=text, diagnosis="the site answers but has no such health path",
                          advice="add the path to the app, or set the stack's health path to one it serves", **kw)
    if code in (502, 504):
        return HttpResult(status=PROBLEM, summary=text,
                          diagnosis="the web server runs, but the app behind it does not answer "
                                    f"({'bad gateway' if code == 502 else 'gateway timeout'})",
                          advice="the app is stopped, crashed or listens on another port: `hostwiz logs` (app), "
                                 "and check the runtime's app port", **kw)
    if code == 503:
        return HttpResult(status=PROBLEM, summary=text, diagnosis="the app says it is unavailable (starting, or overloaded)",
                          advice="wait a minute; if it stays, look at `hostwiz logs` and the CPU and memory", **kw)
    if code >= 500:
        return HttpResult(status=PROBLEM, summary=text, diagnosis="the app answers with a server error",
                          advice="the app's own log says why: `hostwiz logs`", **kw)
    return HttpResult(status=WARNING, summary=text, diagnosis=f"the site answers {code} to a visitor",
                      advice="check the app's routes and access rules", **kw)


# TLS ------------------------------------------------------------------------------------------


def name_matches(hostname: str, names: tuple[str, ...] | list[str]) -> bool:
    """RFC 6125 matching: exact, or a wildcard as the whole left-most label."""
    host = hostname.lower().rstrip(".")
    for pattern in names:
        p = pattern.lower().rstrip(".")
        if p == host:
            return True
        if p.startswith("*.") and "." in host and host.split(".", 1)[1] == p[2:] and host.split(".", 1)[0]:
            return True
    return False


def _cert_fields(der: bytes) -> dict[str, Any]:
    from cryptography import x509
    from cryptography.x509.oid import ExtensionOID, NameOID

    cert = x509.load_der_x509_certificate(der)

    def label(name: x509.Name) -> str:
        for oid in (NameOID.ORGANIZATION_NAME, NameOID.COMMON_NAME):
            attrs = name.get_attributes_for_oid(oid)
            if attrs:
                parts = [str(a.value) for a in attrs]
                cn = name.get_attributes_for_oid(NameOID.COMMON_NAME)
                if oid == NameOID.ORGANIZATION_NAME and cn:
                    return f"{parts[0]} ({cn[0].value})"
                return parts[0]
        return name.rfc4514_string()

    try:
        san = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
        names = tuple(san.get_values_for_type(x509.DNSName))
    except x509.ExtensionNotFound:
        names = ()
    if not names:  # very old certificates: the subject's CN (browsers ignore it, but say what it is)
        names = tuple(str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME))
    return {"issuer": label(cert.issuer), "subject": label(cert.subject), "names": names,
            "not_after": cert.not_valid_after_utc, "not_before": cert.not_valid_before_utc,
            "self_signed": cert.issuer == cert.subject}


def probe_tls(hostname: str, *, address: str | None = None, port: int = 443, timeout: float = 5.0,
              cafile: str | None = None, now: datetime | None = None,
              warn_days: int = RENEW_WARN_DAYS) -> TlsResult:
    """The certificate `address or hostname`:`port` presents for `hostname` (SNI)."""
    target = f"{hostname}:{port}"
    kw: dict[str, Any] = dict(check="tls", target=target)
    try:
        with socket.create_connection((address or hostname, port), timeout=timeout) as raw:
            with _unverified().wrap_socket(raw, server_hostname=hostname) as tls:
                der = tls.getpeercert(binary_form=True)
    except (socket.timeout, TimeoutError):
        return TlsResult(status=PROBLEM, summary=f"{target}: no TLS answer within {timeout:g} s",
                         diagnosis=f"nothing answered on port {port} in time",
                         advice=f"check the instance and that its security group allows port {port}", **kw)
    except (OSError, ssl.SSLError) as err:
        return TlsResult(status=PROBLEM, summary=f"{target}: {getattr(err, 'strerror', None) or err}",
                         diagnosis=f"no certificate could be read on port {port}",
                         advice="TLS is not set up (yet): check certbot's log on the instance", **kw)
    if not der:
        return TlsResult(status=PROBLEM, summary=f"{target}: no certificate", diagnosis="the server sent no certificate",
                         advice="check the web server's TLS settings", **kw)
    f = _cert_fields(der)
    now = now or datetime.now(timezone.utc)
    days = (f["not_after"] - now).total_seconds() / 86400
    matches = name_matches(hostname, f["names"])
    trusted, why_untrusted = _verify(hostname, address, port, timeout, cafile)
    kw.update(issuer=f["issuer"], subject=f["subject"], names=f["names"], not_after=f["not_after"].isoformat(),
              days_left=round(days, 1), name_matches=matches, trusted=trusted, self_signed=f["self_signed"])
    summary = f"{target}: issued by {f['issuer']}, expires {f['not_after']:%Y-%m-%d} ({days:.0f} days)"
    problems: list[tuple[str, str, str]] = []  # (status, diagnosis, advice)
    if days < 0:
        problems.append((PROBLEM, f"the certificate expired {-days:.0f} days ago: browsers refuse the site",
                         "renew it on the instance: `sudo certbot renew`, then reload the web server"))
    elif days < warn_days:
        problems.append((WARNING, f"the certificate expires in {days:.0f} days and has not been renewed "
                                  "(certbot renews 30 days before)",
                         "renewal is failing: on the instance run `sudo certbot renew --dry-run` to see why "
                         "(port 80 must stay open for the HTTP challenge)"))
    if not matches:
        problems.append((PROBLEM, f"the certificate is for {', '.join(f['names']) or 'no name'}, not for {hostname}: "
                                  "browsers refuse it",
                         f"issue a certificate that covers {hostname} (certbot -d {hostname}), or point the name "
                         "at the server that has it"))
    if trusted is False and matches and days >= 0:
        problems.append((PROBLEM, f"browsers do not trust the certificate ({why_untrusted})",
                         "use a certificate from a public authority (Let's Encrypt via certbot), not a "
                         "self-signed one, and serve the full chain"))
    if not problems:
        return TlsResult(status=OK, summary=summary, **kw)
    worst = max(problems, key=lambda p: _RANK[p[0]])
    return TlsResult(status=worst[0], summary=summary, diagnosis="; ".join(p[1] for p in problems),
                     advice="; ".join(p[2] for p in problems), **kw)


def _verify(hostname: str, address: str | None, port: int, timeout: float, cafile: str | None) -> tuple[bool | None, str]:
    ctx = ssl.create_default_context(cafile=cafile)
    try:
        with socket.create_connection((address or hostname, port), timeout=timeout) as raw:
            with ctx.wrap_socket(raw, server_hostname=hostname):
                return True, ""
    except ssl.SSLCertVerificationError as err:
        return False, str(err.verify_message or err)
    except (OSError, ssl.SSLError) as err:
        return None, str(err)


# All at once ----------------------------------------------------------------------------------


def probe_site(names: list[str], address: str, *, health_path: str = "/", tls: bool = True,
               zone: str | None = None, expected_ns: list[str] | None = None,
               resolver: Resolver = system_resolver, ns_lookup: NsLookup = dnspython_ns,
               timeout: float = 5.0, http_port: int = 80, https_port: int = 443,
               cafile: str | None = None) -> SiteReport:
    """Every probe for one stack, concurrently. `names` empty: the site is reached by its address.
    HTTP(S) dial `address` with the first name as Host/SNI, so DNS trouble shows only in the DNS results."""
    host = names[0] if names else address
    paths = [health_path] if health_path in ("", "/") else [health_path, "/"]
    jobs: list[Callable[[], list[Result]]] = []
    if names:
        jobs.append(lambda: list(probe_dns(names, address, resolver=resolver, timeout=timeout)))
    if zone and expected_ns:
        jobs.append(lambda: [probe_delegation(zone, expected_ns, ns_lookup=ns_lookup, timeout=timeout)])
    schemes = [("http", http_port)] + ([("https", https_port)] if tls else [])
    for scheme, port in schemes:
        for path in paths:
            url = f"{scheme}://{host}{'' if port == (80 if scheme == 'http' else 443) else f':{port}'}{path or '/'}"
            jobs.append(lambda url=url, path=path: [probe_http(url, address=address, timeout=timeout,
                                                               health=path == health_path and path not in ("", "/"))])
    if tls:
        jobs.append(lambda: [probe_tls(host, address=address, port=https_port, timeout=timeout, cafile=cafile)])
    report = SiteReport()
    with ThreadPoolExecutor(max_workers=len(jobs), thread_name_prefix="hostwiz-probe") as pool:
        for results in pool.map(lambda job: _safe(job), jobs):
            report.results.extend(results)
    return report


def _safe(job: Callable[[], list[Result]]) -> list[Result]:
    try:
        return job()
    except Exception as err:  # a probe's own bug must not hide the other results
        return [Result(check="probe", target="", status=UNKNOWN, summary=f"a probe failed: {err!r}")]
