"""Probes against local HTTP and HTTPS servers on 127.0.0.1, with certificates made by the test:
a certificate expiring soon and one for another name are reported in plain words."""

from __future__ import annotations

import socket
import ssl
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from hostwiz import probes
from hostwiz.probes import OK, PROBLEM, UNKNOWN, WARNING

NAME = "blog.example.com"
NOW = datetime.now(timezone.utc)


def make_ca():
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test Authority"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "Test Root R1")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(NOW - timedelta(days=1))
            .not_valid_after(NOW + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    return key, cert


def make_leaf(tmp: Path, ca, names: list[str], days: float, tag: str) -> tuple[str, str]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    ca_key, ca_cert = ca
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(ca_cert.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(NOW - timedelta(days=60)).not_valid_after(NOW + timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    cert_file, key_file = tmp / f"{tag}.crt", tmp / f"{tag}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_file), str(key_file)


class Handler(BaseHTTPRequestHandler):
    routes = {"/": (200, b"hello"), "/health": (200, b"ok"), "/broken": (502, b"bad gateway")}

    hosts: list[str] = []

    def do_GET(self):
        host = self.headers.get("Host", "")
        Handler.hosts.append(host)
        if self.path == "/" and not isinstance(self.connection, ssl.SSLSocket) and self.server.redirect:
            self.send_response(301)
            self.send_header("Location", f"https://{host}/")
            self.end_headers()
            return
        code, body = self.routes.get(self.path, (404, b"not found"))
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def serve():
    started = []
    Handler.hosts.clear()

    def start(cert: tuple[str, str] | None = None, redirect: bool = False) -> int:
        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.redirect = redirect
        if cert:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(*cert)
            server.socket = ctx.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
        started.append(server)
        return server.server_address[1]

    yield start
    for s in started:
        s.shutdown()
        s.server_close()


@pytest.fixture
def ca(tmp_path):
    ca = make_ca()
    from cryptography.hazmat.primitives import serialization

    (tmp_path / "ca.pem").write_bytes(ca[1].public_bytes(serialization.Encoding.PEM))
    return ca


def test_a_healthy_https_site(serve, ca, tmp_path):
    port = serve(make_leaf(tmp_path, ca, [NAME, f"www.{NAME}"], 80, "good"))
    tls = probes.probe_tls(NAME, address="127.0.0.1", port=port, cafile=str(tmp_path / "ca.pem"))
    assert tls.status == OK, tls.diagnosis
    assert tls.issuer == "Test Authority (Test Root R1)" and tls.trusted and tls.name_matches
    assert 79 < tls.days_left <= 80 and tls.names == (NAME, f"www.{NAME}")
    http = probes.probe_http(f"https://{NAME}:{port}/health", address="127.0.0.1", health=True)
    assert http.status == OK and http.code == 200 and http.latency_ms is not None


def test_expiry_soon_is_a_warning_with_what_to_do(serve, ca, tmp_path):
    port = serve(make_leaf(tmp_path, ca, [NAME], 5, "soon"))
    tls = probes.probe_tls(NAME, address="127.0.0.1", port=port, cafile=str(tmp_path / "ca.pem"))
    assert tls.status == WARNING and 4 < tls.days_left <= 5
    assert "expires in 5 days" in tls.diagnosis and "certbot renew" in tls.advice


def test_expired_certificate_is_a_problem(serve, ca, tmp_path):
    port = serve(make_leaf(tmp_path, ca, [NAME], -2, "old"))
    tls = probes.probe_tls(NAME, address="127.0.0.1", port=port, cafile=str(tmp_path / "ca.pem"))
    assert tls.status == PROBLEM and "expired 2 days ago" in tls.diagnosis


def test_name_mismatch_is_reported(serve, ca, tmp_path):
    port = serve(make_leaf(tmp_path, ca, ["other.example.net"], 80, "other"))
    tls = probes.probe_tls(NAME, address="127.0.0.1", port=port, cafile=str(tmp_path / "ca.pem"))
    assert tls.status == PROBLEM and tls.name_matches is False and tls.trusted is False
    assert f"is for other.example.net, not for {NAME}" in tls.diagnosis and f"certbot -d {NAME}" in tls.advice


def test_a_self_signed_certificate_is_not_trusted(serve, ca, tmp_path):
    port = serve(make_leaf(tmp_path, ca, [NAME], 80, "selfish"))
    tls = probes.probe_tls(NAME, address="127.0.0.1", port=port)  # the system's trust store only
    assert tls.status == PROBLEM and tls.trusted is False and tls.name_matches
    assert "browsers do not trust" in tls.diagnosis


def test_wildcards_match_one_label_only():
    assert probes.name_matches("blog.example.com", ["*.example.com"])
    assert not probes.name_matches("a.blog.example.com", ["*.example.com"])
    assert not probes.name_matches("example.com", ["*.example.com"])


def test_http_redirect_to_https_is_fine_and_the_host_header_is_the_sites_name(serve):
    port = serve(redirect=True)
    r = probes.probe_http(f"http://{NAME}:{port}/", address="127.0.0.1")
    assert r.status == OK and r.code == 301 and "redirects to HTTPS" in r.summary
    assert Handler.hosts == [f"{NAME}:{port}"]  # dialled 127.0.0.1, asked for the site by its name


def test_app_down_behind_the_web_server(serve):
    port = serve()
    r = probes.probe_http(f"http://127.0.0.1:{port}/broken")
    assert r.status == PROBLEM and r.code == 502 and "the app behind it does not answer" in r.diagnosis


def test_missing_health_path(serve):
    port = serve()
    r = probes.probe_http(f"http://127.0.0.1:{port}/healthz", health=True)
    assert r.status == WARNING and "no such health path" in r.diagnosis


def test_nothing_listening_and_no_answer():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    refused = probes.probe_http(f"http://127.0.0.1:{port}/")
    assert refused.status == PROBLEM and "no web server listens" in refused.diagnosis
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts (backlog), never answers
        silent_port = silent.getsockname()[1]
        r = probes.probe_http(f"http://127.0.0.1:{silent_port}/", timeout=0.3)
        t = probes.probe_tls(NAME, address="127.0.0.1", port=silent_port, timeout=0.3)
    assert r.status == PROBLEM and "no answer within 0.3 s" in r.summary
    assert t.status == PROBLEM and "no TLS answer" in t.summary


def test_dns_answers():
    table = {NAME: ["203.0.113.7"], f"www.{NAME}": ["198.51.100.9"], "new.example.com": []}

    def resolver(name):
        if not table[name]:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return table[name]

    good, wrong, missing = probes.probe_dns([NAME, f"www.{NAME}", "new.example.com"], "203.0.113.7", resolver=resolver)
    assert good.status == OK
    assert wrong.status == PROBLEM and "points at 198.51.100.9, not at the stack's address 203.0.113.7" in wrong.diagnosis
    assert missing.status == PROBLEM and "does not resolve" in missing.summary


def test_delegation():
    route53 = ["ns-1.awsdns-01.org", "ns-2.awsdns-02.com."]
    ok = probes.probe_delegation("example.com", route53, ns_lookup=lambda z, t: ["NS-2.awsdns-02.com.", "ns-1.awsdns-01.org."])
    assert ok.status == OK
    bad = probes.probe_delegation("example.com", route53, ns_lookup=lambda z, t: ["dns1.registrar-servers.com."])
    assert bad.status == PROBLEM
    assert bad.diagnosis.startswith("the zone is not delegated: your registrar still names other name servers")
    assert "ns-1.awsdns-01.org" in bad.advice

    def offline(zone, timeout):
        raise TimeoutError("no answer within 3 s")

    assert probes.probe_delegation("example.com", route53, ns_lookup=offline).status == UNKNOWN


def test_probe_site_puts_it_together(serve, ca, tmp_path):
    http_port = serve(redirect=True)
    https_port = serve(make_leaf(tmp_path, ca, [NAME], 5, "site"))
    report = probes.probe_site([NAME], "127.0.0.1", health_path="/health", resolver=lambda n: ["127.0.0.1"],
                               http_port=http_port, https_port=https_port, cafile=str(tmp_path / "ca.pem"),
                               zone="example.com", expected_ns=["ns-1.awsdns-01.org"],
                               ns_lookup=lambda z, t: ["dns1.registrar-servers.com"])
    checks = sorted(r.check for r in report.results)
    assert checks == ["delegation", "dns", "http", "http", "https", "https", "tls"]
    assert report.status == PROBLEM
    assert {r.check for r in report.problems} == {"delegation", "tls"}
    assert all(r.status == OK for r in report.of("https")) and report.as_dict()["status"] == PROBLEM
