"""The instance's user-data: what the instance becomes (runtime, app, nginx, firewall, TLS).

The script is assembled from small reviewed bash snippets in this folder, in order:
a header of shell variables (every value quoted), `hostkeys.sh` (the SSH host keys to the
console before anything else, for hostwiz to pin), `prelude.sh` (one log, timestamped
steps, a final success/failure line), `os-<family>.sh` (package manager, firewall,
updates, certbot, SSM reader), `base.sh`, `app.sh`, `runtime-<kind>.sh`, the app's files,
`start-<mode>.sh`, `nginx.sh`, then `tls.sh` (in the background) and `database.sh` when they
apply, and `finish.sh` (which waits for the TLS step). Files the instance needs (nginx site, systemd unit, placeholder app) come from
`*.tmpl` templates and are written with quoted heredocs, so nothing in them is expanded
by the shell. Placeholders use `@@{name}` (bash and nginx already own `$`).

It never contains a secret: the database URL is read on the instance from SSM.
"""

from __future__ import annotations

import shlex
import string
from dataclasses import dataclass, field
from importlib import resources

from hostwiz.spec import OS, RuntimeKind, StackSpec

DNS_WAIT_SECONDS = 30 * 60
DB_WAIT_SECONDS = 45 * 60
EOF_MARK = "HOSTWIZ_EOF"


class _Template(string.Template):
    delimiter = "@@"


@dataclass(frozen=True)
class Runtime:
    packages: dict[str, list[str]]  # OS family -> distribution packages
    start: str  # start-<start>.sh
    nginx: str  # nginx-<nginx>.conf.tmpl
    # (path on the instance, template name or literal content, mode)
    files: list[tuple[str, str, str]] = field(default_factory=list)
    exec_start: str = ""


_UNIT = ("/etc/systemd/system/hostwiz-app.service", "hostwiz-app.service.tmpl", "0644")
_PUBLIC = [("/srv/app/public/index.html", "index.html.tmpl", "0644"), ("/srv/app/public/health", "ok", "0644")]

RUNTIMES: dict[RuntimeKind, Runtime] = {
    RuntimeKind.docker: Runtime({"ubuntu": ["docker.io"], "amazon-linux": ["docker"]}, "docker", "proxy", _PUBLIC),
    RuntimeKind.nodejs: Runtime({"ubuntu": ["nodejs"], "amazon-linux": ["nodejs"]}, "systemd", "proxy",
                                [("/srv/app/server.js", "app-nodejs.js.tmpl", "0644"), _UNIT],
                                "/usr/bin/node /srv/app/server.js"),
    RuntimeKind.python: Runtime({"ubuntu": ["python3", "python3-venv", "python3-pip"],
                                 "amazon-linux": ["python3", "python3-pip"]}, "systemd", "proxy",
                                [("/srv/app/app.py", "app-python.py.tmpl", "0644"), _UNIT],
                                "/srv/app/venv/bin/python /srv/app/app.py"),
    RuntimeKind.ruby: Runtime({"ubuntu": ["ruby", "ruby-bundler"], "amazon-linux": ["ruby"]}, "systemd", "proxy",
                              [("/srv/app/app.rb", "app-ruby.rb.tmpl", "0644"), _UNIT],
                              "/usr/bin/ruby /srv/app/app.rb"),
    RuntimeKind.php: Runtime({"ubuntu": ["php-fpm", "php-cli", "php-pgsql", "php-mysql"],
                              "amazon-linux": ["php-fpm", "php-cli", "php-pgsql", "php-mysqlnd"]}, "php", "php",
                             [("/srv/app/public/index.php", "app-php.php.tmpl", "0644"),
                              ("$PHP_POOL_DIR/hostwiz.conf", "php-pool.conf.tmpl", "0644"),
                              ("/etc/systemd/system/$PHP_FPM_SERVICE.service.d/hostwiz.conf",
                               "php-fpm-dropin.conf.tmpl", "0644")]),
    RuntimeKind.static: Runtime({"ubuntu": [], "amazon-linux": []}, "static", "static", _PUBLIC),
}


def os_family(os_: OS) -> str:
    return "amazon-linux" if os_ is OS.amazon_linux_2023 else "ubuntu"


def _text(name: str) -> str:
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")


def _fill(name: str, values: dict[str, str]) -> str:
    return _Template(_text(name)).substitute(values)


def _heredoc_safe(body: str) -> str:
    if any(line.strip() == EOF_MARK for line in body.splitlines()):
        raise ValueError(f"a template line equals the heredoc marker {EOF_MARK}")
    return body.rstrip("\n")


def _file_block(path: str, body: str, mode: str, owner: str | None) -> str:
    """Bash that writes `body` verbatim to `path` (which may name shell variables)."""
    target = f'"{path}"'
    lines = [f"mkdir -p \"$(dirname {target})\"",
             f"cat > {target} <<'{EOF_MARK}'", _heredoc_safe(body), EOF_MARK, f"chmod {mode} {target}"]
    if owner:
        lines.append(f"chown {owner} {target}")
    return "\n".join(lines)


def _header(spec: StackSpec, runtime: Runtime) -> str:
    family = os_family(spec.instance.os)
    names = spec.domain.record_names if spec.domain else []
    q = shlex.quote
    lines = [
        "#!/bin/bash",
        f"# hostwiz bootstrap of stack {spec.name}: {spec.runtime.kind.value} on {spec.instance.os.value}.",
        "# Rendered by hostwiz from reviewed templates; it holds no secret (the database URL is read from SSM).",
        "set -Eeuo pipefail",
        f"STACK={q(spec.name)}",
        f"REGION={q(spec.region)}",
        f"OS_NAME={q(spec.instance.os.value)}",
        f"RUNTIME={q(spec.runtime.kind.value)}",
        f"APP_PORT={spec.runtime.app_port}",
        "APP_ENV=/etc/hostwiz/app.env",
    ]
    if runtime.packages[family]:
        lines.append("RUNTIME_PACKAGES=(" + " ".join(q(p) for p in runtime.packages[family]) + ")")
    if spec.runtime.tls and names:
        lines += ["DOMAIN_NAMES=(" + " ".join(q(n) for n in names) + ")", f"DNS_WAIT_SECONDS={DNS_WAIT_SECONDS}"]
    if spec.database:
        lines += [f"DB_PARAMETER={q(database_parameter(spec.name))}", f"DB_WAIT_SECONDS={DB_WAIT_SECONDS}"]
    return "\n".join(lines)


def database_parameter(stack: str) -> str:
    """Where hostwiz stores the app's DATABASE_URL (SSM SecureString the instance role may read)."""
    return f"/hostwiz/{stack}/database-url"


def render(spec: StackSpec) -> str:
    """The user-data script for `spec`: bash, checked by `bash -n` and shellcheck in the tests."""
    kind = spec.runtime.kind
    runtime = RUNTIMES[kind]
    family = os_family(spec.instance.os)
    values = {
        "stack": spec.name, "runtime": kind.value, "app_port": str(spec.runtime.app_port),
        "server_names": " ".join(spec.domain.record_names) if spec.domain else "_",
        "exec_start": runtime.exec_start,
    }
    files = [_file_block(path, _fill(source, values) if source.endswith(".tmpl") else source + "\n", mode,
                         "app:app" if path.startswith("/srv/app") else None)
             for path, source, mode in runtime.files]
    runtime_snippet = f"runtime-{kind.value}-{family}.sh"
    if not resources.files(__name__).joinpath(runtime_snippet).is_file():
        runtime_snippet = f"runtime-{kind.value}.sh"
    parts = [
        _header(spec, runtime),
        _text("hostkeys.sh"),
        _text("prelude.sh"),
        _text(f"os-{family}.sh"),
        _text("base.sh"),
        _text("app.sh"),
        _text(runtime_snippet),
        "# --- app files (from templates) ---\nstep \"app files\"\n" + "\n".join(files) if files else "",
        _text(f"start-{runtime.start}.sh"),
        _Template(_text("nginx.sh")).substitute(nginx_conf=_heredoc_safe(_fill(f"nginx-{runtime.nginx}.conf.tmpl",
                                                                               values))),
        _text("tls.sh") if spec.runtime.tls and spec.domain else "",
        _text("database.sh") if spec.database else "",
        _text("finish.sh"),
    ]
    return "\n\n".join(p.rstrip("\n") for p in parts if p) + "\n"
