"""The pretend instance behind a sandbox SSH server: a few files and a fake shell.

Nothing here runs a real command or any of the user-data: the shell understands a handful
of commands (`uname`, `df`, `free`, `stty size`, `systemctl status`, `cat`, `tail [-n N] [-F]`,
`ls`, `hostname`, `whoami`, `uptime`, `echo`, `clear`, `exit`) and answers them from
canned text and the files below, so the SSH screen and the log pane can be rehearsed offline.
"""

from __future__ import annotations

import random
import shlex
import threading
from datetime import datetime, timedelta, timezone

BOOT_LOG = "/var/log/cloud-init-output.log"
BOOTSTRAP_LOG = "/var/log/hostwiz-bootstrap.log"
ACCESS_LOG = "/var/log/nginx/access.log"
ERROR_LOG = "/var/log/nginx/error.log"


def _stamp(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _access_line(t: datetime) -> str:
    path, code = random.choice([("/", 200), ("/healthz", 200), ("/static/app.css", 200), ("/login", 302),
                                ("/wp-login.php", 404), ("/api/items", 200), ("/favicon.ico", 404)])
    ip = f"198.51.100.{random.randint(2, 250)}"
    return (f'{ip} - - [{t.strftime("%d/%b/%Y:%H:%M:%S +0000")}] "GET {path} HTTP/1.1" {code} '
            f'{random.randint(120, 9000)} "-" "Mozilla/5.0 (X11; Linux x86_64)"')


class FakeHost:
    """Files and facts of one sandbox instance. Thread-safe; `append` wakes followers."""

    def __init__(self, stack: str, instance_id: str, user: str = "ubuntu", private_ip: str = "10.0.1.23"):
        self.stack, self.instance_id, self.user = stack, instance_id, user
        self.hostname = "ip-" + private_ip.replace(".", "-")
        self.booted = datetime.now(timezone.utc) - timedelta(minutes=3)
        self.cond = threading.Condition()
        self.files: dict[str, list[str]] = {}
        self._seed()

    def _seed(self) -> None:
        t = self.booted
        boot = [f"Cloud-init v. 24.1.3-0ubuntu3 running 'init' at {t:%a, %d %b %Y %H:%M:%S} +0000. Up 5.12 seconds.",
                "ci-info: ++++++++++++++++++++++++Net device info+++++++++++++++++++++++++",
                f"ci-info: | ens5 | True | {self.hostname[3:].replace('-', '.')} | 255.255.255.0 | global |",
                "Generating public/private ed25519 key pair.",
                "Your identification has been saved in /etc/ssh/ssh_host_ed25519_key",
                f"Cloud-init v. 24.1.3-0ubuntu3 running 'modules:config' at {t + timedelta(seconds=9):%a, %d %b %Y %H:%M:%S} +0000.",
                "Reading package lists...", "Building dependency tree...",
                "The following NEW packages will be installed:", "  nginx nginx-common",
                "Setting up nginx (1.24.0-2ubuntu7) ...",
                f"Cloud-init v. 24.1.3-0ubuntu3 finished at {t + timedelta(seconds=74):%a, %d %b %Y %H:%M:%S} +0000. "
                "Datasource DataSourceEc2Local.  Up 79.40 seconds"]
        steps = ["bootstrap of {s} (docker on port 3000)", "installing packages: nginx docker.io",
                 "writing /etc/nginx/sites-available/{s}", "nginx: configuration test is successful",
                 "starting the app container", "app answers on 127.0.0.1:3000", "bootstrap finished: success"]
        bootstrap = [f"{_stamp(t + timedelta(seconds=20 + 8 * i))} hostwiz: {m.format(s=self.stack)}" for i, m in enumerate(steps)]
        access = [_access_line(t + timedelta(seconds=90 + 7 * i)) for i in range(12)]
        errors = [f"{t + timedelta(seconds=95):%Y/%m/%d %H:%M:%S} [notice] 812#812: signal process started"]
        self.files = {BOOT_LOG: boot, BOOTSTRAP_LOG: bootstrap, ACCESS_LOG: access, ERROR_LOG: errors,
                      "/etc/os-release": ['PRETTY_NAME="Ubuntu 24.04.1 LTS"', 'NAME="Ubuntu"', 'VERSION_ID="24.04"',
                                          "ID=ubuntu"]}

    def append(self, path: str, line: str) -> None:
        with self.cond:
            self.files.setdefault(path, []).append(line)
            self.cond.notify_all()

    def traffic(self) -> None:
        """One more request in the access log (the sandbox's pretend visitors)."""
        self.append(ACCESS_LOG, _access_line(datetime.now(timezone.utc)))


class FakeShell:
    """Runs one command line against a FakeHost. `write` gets text ("\\n" line ends);
    `alive()` turns False when the client has gone (ends `tail -F`)."""

    def __init__(self, host: FakeHost, write, alive, size=lambda: (24, 80), follow_interval: float = 2.0):
        self.host, self.write, self.alive, self.size = host, write, alive, size
        self.follow_interval = follow_interval

    def run(self, line: str) -> int:
        try:
            argv = shlex.split(line)
        except ValueError as err:
            self.write(f"bash: {err}\n")
            return 2
        if not argv:
            return 0
        cmd, args = argv[0], argv[1:]
        handler = getattr(self, "cmd_" + cmd.replace("-", "_"), None)
        if handler is None:
            self.write(f"{cmd}: command not found (the sandbox shell is pretend; try help)\n")
            return 127
        return handler(args) or 0

    def cmd_help(self, args: list[str]) -> int:
        names = sorted(n[4:] for n in dir(self) if n.startswith("cmd_"))
        self.write("sandbox shell: nothing here really runs. Commands: " + " ".join(names) + "\n")
        return 0

    def cmd_uname(self, args: list[str]) -> int:
        full = f"Linux {self.host.hostname} 6.8.0-1016-aws #17-Ubuntu SMP Mon Sep  2 13:48:07 UTC 2024 x86_64 x86_64 x86_64 GNU/Linux"
        self.write((full if "-a" in args else "Linux") + "\n")
        return 0

    def cmd_hostname(self, args: list[str]) -> int:
        self.write(self.host.hostname + "\n")
        return 0

    def cmd_whoami(self, args: list[str]) -> int:
        self.write(self.host.user + "\n")
        return 0

    def cmd_pwd(self, args: list[str]) -> int:
        self.write(f"/home/{self.host.user}\n")
        return 0

    def cmd_echo(self, args: list[str]) -> int:
        self.write(" ".join(args) + "\n")
        return 0

    def cmd_clear(self, args: list[str]) -> int:
        self.write("\x1b[H\x1b[2J")
        return 0

    def cmd_uptime(self, args: list[str]) -> int:
        mins = int((datetime.now(timezone.utc) - self.host.booted).total_seconds() // 60)
        self.write(f" {datetime.now(timezone.utc):%H:%M:%S} up {mins} min,  1 user,  load average: 0.08, 0.03, 0.01\n")
        return 0

    def cmd_df(self, args: list[str]) -> int:
        self.write("Filesystem      Size  Used Avail Use% Mounted on\n/dev/root        19G  2.9G   16G  16% /\n"
                   "tmpfs           458M     0  458M   0% /dev/shm\n/dev/nvme0n1p15  105M  6.1M   99M   6% /boot/efi\n")
        return 0

    def cmd_free(self, args: list[str]) -> int:
        self.write("               total        used        free      shared  buff/cache   available\n"
                   "Mem:             914         287         221           2         558         627\n"
                   "Swap:              0           0           0\n")
        return 0

    def cmd_stty(self, args: list[str]) -> int:
        if args == ["size"]:
            rows, cols = self.size()
            self.write(f"{rows} {cols}\n")
        return 0

    def cmd_systemctl(self, args: list[str]) -> int:
        names = [a for a in args if not a.startswith("-")]
        if not names or names[0] != "status":
            self.write("systemctl: the sandbox only answers 'systemctl status UNIT'\n")
            return 1
        unit = (names[1:] or ["nginx"])[0].removesuffix(".service")
        since = f"{self.host.booted:%a %Y-%m-%d %H:%M:%S} UTC"
        self.write(f"\x1b[32m●\x1b[0m {unit}.service - {unit}\n"
                   f"     Loaded: loaded (/usr/lib/systemd/system/{unit}.service; enabled; preset: enabled)\n"
                   f"     Active: \x1b[32mactive (running)\x1b[0m since {since}\n"
                   f"   Main PID: 812 ({unit})\n      Tasks: 3 (limit: 1078)\n     Memory: 4.1M\n")
        return 0

    def cmd_ls(self, args: list[str]) -> int:
        where = (args or ["/var/log"])[-1].rstrip("/")
        names = sorted({p[len(where) + 1:].split("/")[0] for p in self.host.files if p.startswith(where + "/")})
        self.write(("  ".join(names) if names else f"ls: cannot access '{where}': No such file or directory") + "\n")
        return 0 if names else 2

    def _lines(self, path: str) -> list[str] | None:
        with self.host.cond:
            lines = self.host.files.get(path)
            return None if lines is None else list(lines)

    def cmd_cat(self, args: list[str]) -> int:
        code = 0
        for path in args:
            lines = self._lines(path)
            if lines is None:
                self.write(f"cat: {path}: No such file or directory\n")
                code = 1
            else:
                self.write("".join(line + "\n" for line in lines))
        return code

    def cmd_tail(self, args: list[str]) -> int:
        count, follow, paths = 10, False, []
        it = iter(args)
        for a in it:
            if a in ("-f", "-F", "--follow", "--follow=name", "--retry"):
                follow = True
            elif a == "-n":
                count = int(next(it, "10").lstrip("+"))
            elif a.startswith("-n"):
                count = int(a[2:].lstrip("+"))
            elif a.startswith("-") and a[1:].isdigit():
                count = int(a[1:])
            else:
                paths.append(a)
        headers, seen, code = len(paths) > 1, {}, 0
        for path in paths:
            lines = self._lines(path)
            if lines is None:
                self.write(f"tail: cannot open '{path}' for reading: No such file or directory\n")
                code = 1
                lines = []
            if headers:
                self.write(f"==> {path} <==\n")
            self.write("".join(line + "\n" for line in lines[-count:] if count))
            seen[path] = len(lines)
        last = paths[-1] if paths else None
        while follow and self.alive():
            with self.host.cond:
                self.host.cond.wait(self.follow_interval)
            if ACCESS_LOG in paths and random.random() < 0.7:
                self.host.traffic()
            for path in paths:
                lines = self._lines(path) or []
                if len(lines) > seen.get(path, 0):
                    if headers and path != last:
                        self.write(f"\n==> {path} <==\n")
                        last = path
                    self.write("".join(line + "\n" for line in lines[seen.get(path, 0):]))
                    seen[path] = len(lines)
        return code


def prompt(host: FakeHost) -> str:
    return f"\x1b[1;32m{host.user}@{host.hostname}\x1b[0m:\x1b[1;34m~\x1b[0m$ "

