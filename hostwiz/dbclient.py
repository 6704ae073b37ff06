"""Database client credentials for a tunnel: `psql` and `mysql` get the password from a file,
never from the command line or the screen.

`ClientFiles(login)` makes a private directory (0700) holding a `.pgpass` file (PostgreSQL)
or an option file (MySQL/MariaDB), each 0600 from its first byte, and gives:
- `env`: variables for the client (`PGPASSFILE`, `PGHOST`, `PGPORT`, `PGUSER`, `PGDATABASE`,
  `PGSSLMODE` for PostgreSQL; `MYSQL_HOST`, `MYSQL_TCP_PORT` for MySQL), merged into the
  caller's environment for the child process;
- `command`: the client's command line (`psql`, or `mysql --defaults-extra-file=...`);
- `connection_string()`: the URL to print, its password masked (`hostwiz.secrets.Secret`);
- `close()` (or leaving the `with` block, or interpreter exit) removes the files.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from hostwiz.secrets import Secret, register, write_private_file

POSTGRES, MYSQL = "postgres", "mysql"


def family(engine: str) -> str:
    """RDS engine names (postgres, aurora-postgresql, mysql, mariadb, ...) -> postgres | mysql."""
    e = (engine or "").lower()
    if "postgres" in e:
        return POSTGRES
    if "mysql" in e or "maria" in e:
        return MYSQL
    raise ValueError(f"no client files for database engine {engine!r} (PostgreSQL, MySQL or MariaDB)")


@dataclass(frozen=True)
class DbLogin:
    engine: str
    host: str  # where the client connects: the tunnel's 127.0.0.1
    port: int
    user: str
    password: Secret
    database: str = ""


def _pgpass_field(value: str) -> str:
    return value.replace("\\", "\\\\").replace(":", "\\:")


def _option_value(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ClientFiles:
    def __init__(self, login: DbLogin, *, sslmode: str | None = None):
        self.login = login
        self.family = family(login.engine)
        password = login.password if isinstance(login.password, Secret) else Secret(login.password)
        register(password)
        self.dir = Path(tempfile.mkdtemp(prefix="hostwiz-db-"))  # 0700
        self._finalizer = weakref.finalize(self, shutil.rmtree, str(self.dir), True)
        raw = password.reveal()
        if self.family == POSTGRES:
            self.path = self.dir / "pgpass"
            line = ":".join(_pgpass_field(v) for v in (login.host, str(login.port), login.database or "*",
                                                        login.user, raw))
            write_private_file(self.path, line + "\n")
            self.env = {"PGPASSFILE": str(self.path), "PGHOST": login.host, "PGPORT": str(login.port),
                        "PGUSER": login.user}
            if login.database:
                self.env["PGDATABASE"] = login.database
            if sslmode:
                self.env["PGSSLMODE"] = sslmode
            self.command = ["psql"]
        else:
            self.path = self.dir / "my.cnf"
            lines = ["[client]", f"host={login.host}", f"port={login.port}", f"user={_option_value(login.user)}",
                     f"password={_option_value(raw)}", "protocol=TCP"]
            if login.database:
                lines.append(f"database={_option_value(login.database)}")
            write_private_file(self.path, "\n".join(lines) + "\n")
            self.env = {"MYSQL_HOST": login.host, "MYSQL_TCP_PORT": str(login.port)}
            # mysql reads an option file only from its first argument; no variable names one.
            self.command = ["mysql", f"--defaults-extra-file={self.path}"]

    def connection_string(self, reveal: bool = False) -> str:
        """`postgresql://app:***@127.0.0.1:5433/app` (the password only with reveal=True)."""
        scheme = "postgresql" if self.family == POSTGRES else "mysql"
        secret = self.login.password
        raw = secret.reveal() if isinstance(secret, Secret) else str.__str__(secret)
        password = quote(raw, safe="") if reveal else "***"
        db = f"/{quote(self.login.database)}" if self.login.database else ""
        return f"{scheme}://{quote(self.login.user, safe='')}:{password}@{self.login.host}:{self.login.port}{db}"

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive

    def close(self) -> None:
        self._finalizer()

    def __enter__(self) -> "ClientFiles":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
