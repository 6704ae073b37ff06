"""The pretend instance behind a sandbox SSH server: a few files and a fake shell.

Nothing here runs a real command or any of the user-data: the shell understands a handful
of commands (`uname`, `df`, `free`, `nproc`, `stty size`, `systemctl status`, `cat`, `less`,
`tail [-n N] [-f|-F]`, `ls`, `cd`, `hostname`, `whoami`, `uptime`, `echo`, `clear`, `exit`) and
answers them from canned text and the files below, so the SSH screen and the log pane can be
rehearsed offline. Any other program gets a plain answer: this is the sandbox's pretend shell.

The instance is the spec's (`HostFacts`, read from the `RunInstances` call): the chosen OS in the
banner, `uname`, `/etc/os-release` and the login user; the instance type's memory and CPUs; the
volume's size in `df`; and the bootstrap log of the rendered user-data (its steps, in its order:
packages, runtime, app, nginx, TLS, database), written after the launch, at the sandbox's pace.
"""

from __future__ import annotations

import base64
import posixpath
import random
import re
import shlex
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

BOOT_LOG = "/var/log/cloud-init-output.log"
BOOTSTRAP_LOG = "/var/log/hostwiz-bootstrap.log"
ACCESS_LOG = "/var/log/nginx/access.log"
ERROR_LOG = "/var/log/nginx/error.log"

# What each OS looks like from inside: (PRETTY_NAME, VERSION_ID, ID, kernel, kernel build, user, cloud-init)
OS_FACTS: dict[str, tuple[str, str, str, str, str, str, str]] = {
    "ubuntu-24.04": ("Ubuntu 24.04.1 LTS", "24.04", "ubuntu", "6.8.0-1016-aws",
                     "#17-Ubuntu SMP Mon Sep  2 13:48:07 UTC 2024", "ubuntu", "24.1.3-0ubuntu3"),
    "ubuntu-22.04": ("Ubuntu 22.04.5 LTS", "22.04", "ubuntu", "6.5.0-1022-aws",
                     "#22~22.04.1-Ubuntu SMP Fri Jun 14 16:31:00 UTC 2024", "ubuntu", "24.1.3-0ubuntu1~22.04.1"),
    "amazon-linux-2023": ("Amazon Linux 2023.6.20241111", "2023", "amzn", "6.1.115-126.197.amzn2023",
                          "#1 SMP PREEMPT_DYNAMIC Tue Nov  5 17:36:57 UTC 2024", "ec2-user", "22.2.2"),
}
# Memory (GiB) of a general-purpose size; compute-optimised families have half, memory-optimised twice.
SIZE_GIB = {"nano": 0.5, "micro": 1, "small": 2, "medium": 4, "large": 8, "xlarge": 16, "2xlarge": 32,
            "4xlarge": 64, "8xlarge": 128}
SIZE_CPUS = {"nano": 2, "micro": 2, "small": 2, "medium": 2, "large": 2, "xlarge": 4, "2xlarge": 8,
             "4xlarge": 16, "8xlarge": 32}
DEFAULT_STEPS = ["packages index", "automatic security updates", "firewall: allow 22, 80, 443",
                 "app user and directories", "runtime: docker", "app: container", "nginx",
                 "health check through nginx"]


@dataclass
class HostFacts:
    """What the instance was launched as: OS, type, volume, and what its user-data sets up."""

    os: str = "ubuntu-24.04"
    instance_type: str = "t3.micro"
    volume_gb: int = 20
    runtime: str = "docker"
    app_port: int = 3000
    packages: list[str] = field(default_factory=lambda: ["docker.io"])
    domains: list[str] = field(default_factory=list)
    db_parameter: str = ""
    steps: list[str] = field(default_factory=lambda: list(DEFAULT_STEPS))

    @classmethod
    def from_launch(cls, params: dict[str, Any]) -> "HostFacts":
        """From `RunInstances` parameters (InstanceType, BlockDeviceMappings, the rendered UserData)."""
        facts = cls(instance_type=params.get("InstanceType") or "t3.micro")
        for mapping in params.get("BlockDeviceMappings") or []:
            size = (mapping.get("Ebs") or {}).get("VolumeSize")
            if size:
                facts.volume_gb = int(size)
                break
        text = params.get("UserData") or ""
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        if text and not text.lstrip().startswith("#!"):
            try:
                text = base64.b64decode(text).decode("utf-8", "replace")
            except ValueError:
                text = ""
        if text:
            facts.read_user_data(text)
        return facts

    def read_user_data(self, text: str) -> None:
        def var(name: str) -> str:
            m = re.search(rf"^{name}=(.*)$", text, re.M)
            return m.group(1).strip().strip("'\"") if m else ""

        def array(name: str) -> list[str]:
            m = re.search(rf"^{name}=\((.*)\)$", text, re.M)
            return shlex.split(m.group(1)) if m else []

        self.os = var("OS_NAME") if var("OS_NAME") in OS_FACTS else self.os
        self.runtime = var("RUNTIME") or self.runtime
        self.app_port = int(var("APP_PORT") or self.app_port)
        self.packages = array("RUNTIME_PACKAGES")
        self.domains = array("DOMAIN_NAMES")
        self.db_parameter = var("DB_PARAMETER")
        self.steps = re.findall(r'^\s*step "([^"]+)"', text, re.M) or self.steps

    @property
    def user(self) -> str:
        return OS_FACTS[self.os][5]

    @property
    def arch(self) -> str:
        family = self.instance_type.split(".")[0]
        return "aarch64" if re.fullmatch(r"[a-z]+\d+[a-z]*g[a-z]*", family) else "x86_64"

    @property
    def memory_mib(self) -> int:
        family, _, size = self.instance_type.partition(".")
        gib = SIZE_GIB.get(size, 1) * (0.5 if family.startswith("c") else 2 if family.startswith(("r", "x")) else 1)
        return int(gib * 1024 * 0.893)  # what `free` shows: the kernel and firmware keep the rest

    @property
    def cpus(self) -> int:
        return SIZE_CPUS.get(self.instance_type.partition(".")[2], 2)


def _stamp(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _access_line(t: datetime) -> str:
    path, code = random.choice([("/", 200), ("/healthz", 200), ("/static/app.css", 200), ("/login", 302),
                                ("/wp-login.php", 404), ("/api/items", 200), ("/favicon.ico", 404)])
    ip = f"198.51.100.{random.randint(2, 250)}"
    return (f'{ip} - - [{t.strftime("%d/%b/%Y:%H:%M:%S +0000")}] "GET {path} HTTP/1.1" {code} '
            f'{random.randint(120, 9000)} "-" "Mozilla/5.0 (X11; Linux x86_64)"')


class FakeHost:
    """Files and facts of one sandbox instance. Thread-safe; `append` wakes followers.

    `pace` spaces the bootstrap's steps (seconds between two; 0 writes them at once): like a real
    instance, its log grows after the launch, and `tail -f` shows it growing."""

    def __init__(self, stack: str, instance_id: str, user: str | None = None, private_ip: str = "10.0.1.23",
                 facts: HostFacts | None = None, pace: float = 0.0):
        self.facts = facts or HostFacts()
        self.stack, self.instance_id, self.user = stack, instance_id, user or self.facts.user
        self.hostname = "ip-" + private_ip.replace(".", "-")
        self.private_ip = private_ip
        self.booted = _now()  # the launch: every log line is stamped after it
        self.cond = threading.Condition()
        self.files: dict[str, list[str]] = {}
        self.bootstrapped = threading.Event()
        self._seed()
        if pace > 0:
            threading.Thread(target=self._bootstrap, args=(pace,), daemon=True,
                             name=f"sandbox-bootstrap-{instance_id}").start()
        else:
            self._bootstrap(0)

    # What the instance is -------------------------------------------------------------

    @property
    def os_facts(self) -> tuple[str, str, str, str, str, str, str]:
        return OS_FACTS[self.facts.os]

    def banner(self) -> str:
        pretty, _, _, kernel, _, _, _ = self.os_facts
        if self.facts.os.startswith("amazon"):
            head = f"   ,     #_\n   ~\\_  ####_        {pretty}\n  ~~  \\_#####\\\n  ~~     \\###|\n"
        else:
            head = f"Welcome to {pretty} (GNU/Linux {kernel} {self.facts.arch})\n"
        f = self.facts
        return (f"{head}\n  System: {f.instance_type}, {f.cpus} vCPUs, {f.memory_mib} MiB memory, "
                f"{f.volume_gb} GB disk\n"
                f"  hostwiz sandbox: a pretend {self.stack} instance ({self.instance_id}); nothing here really "
                "runs. Type 'help' for the commands it answers.\n\n")

    def _seed(self) -> None:
        t, f = self.booted, self.facts
        pretty, version, os_id, _, _, _, ci = self.os_facts
        ubuntu = os_id == "ubuntu"
        installer = ["Reading package lists...", "Building dependency tree...",
                     "The following NEW packages will be installed:", "  " + " ".join(["nginx", *f.packages])] \
            if ubuntu else ["Dependencies resolved.", "Installing:", *(f" {p}" for p in ["nginx", *f.packages])]
        boot = [f"Cloud-init v. {ci} running 'init' at {t:%a, %d %b %Y %H:%M:%S} +0000. Up 5.12 seconds.",
                "ci-info: ++++++++++++++++++++++++Net device info+++++++++++++++++++++++++",
                f"ci-info: | ens5 | True | {self.private_ip} | 255.255.255.0 | global |",
                "Generating public/private ed25519 key pair.",
                "Your identification has been saved in /etc/ssh/ssh_host_ed25519_key",
                f"Cloud-init v. {ci} running 'modules:config' at {t:%a, %d %b %Y %H:%M:%S} +0000.",
                *installer]
        self.files = {BOOT_LOG: boot, BOOTSTRAP_LOG: [], ACCESS_LOG: [], ERROR_LOG: [],
                      "/etc/os-release": [f'PRETTY_NAME="{pretty}"', f'NAME="{pretty.rsplit(" ", 1)[0]}"',
                                          f'VERSION_ID="{version}"', f"ID={os_id}"],
                      "/etc/hostname": [self.hostname]}

    def bootstrap_messages(self) -> list[str]:
        """The bootstrap's log messages, in the user-data's order (the sandbox runs none of it)."""
        f = self.facts
        out = [f"bootstrap of stack {self.stack}: {f.runtime} on {f.os}, app port {f.app_port}"]
        tls_done = False
        for step in f.steps:
            out.append(f"step: {step}")
            # "tls", or "tls (in the background, beside the database step)" then "tls (waiting for the
            # background step)" (hostwiz/userdata/tls.sh): the certificate is logged once, where it starts
            if (step == "tls" or step.startswith("tls (")) and f.domains and not tls_done:
                tls_done = True
                out += [f"tls: {' '.join(f.domains)} resolve to this instance",
                        f"tls: certbot --nginx -d {' -d '.join(f.domains)} (sandbox: a pretend certificate)",
                        f"tls: certificate for {' '.join(f.domains)} installed; nginx serves 443 and redirects 80; "
                        "renewal is on"]
            elif step == "database url" and f.db_parameter:
                out += [f"database: waiting for SSM parameter {f.db_parameter}",
                        "database: DATABASE_URL is in /etc/hostwiz/app.env (0600, root only); the app was restarted"]
        return out + ["bootstrap finished: success"]

    def _bootstrap(self, pace: float) -> None:
        for message in self.bootstrap_messages():
            if pace:
                time.sleep(pace)
            self.append(BOOTSTRAP_LOG, f"{_stamp(_now())} hostwiz: {message}")
        now = _now()
        self.append(BOOT_LOG, f"Cloud-init v. {self.os_facts[6]} finished at {now:%a, %d %b %Y %H:%M:%S} +0000. "
                    "Datasource DataSourceEc2Local.  Up 79.40 seconds")
        self.append(ERROR_LOG, f"{now:%Y/%m/%d %H:%M:%S} [notice] 812#812: signal process started")
        for _ in range(3):
            self.traffic()
        self.bootstrapped.set()

    def append(self, path: str, line: str) -> None:
        with self.cond:
            self.files.setdefault(path, []).append(line)
            self.cond.notify_all()

    def traffic(self) -> None:
        """One more request in the access log (the sandbox's pretend visitors)."""
        self.append(ACCESS_LOG, _access_line(_now()))


# Programs people try that the pretend shell does not have: the answer says what it is instead.
NOT_HERE = "{cmd}: not available: this is the hostwiz sandbox's pretend shell, not a real {os} host, and " \
           "nothing here really runs. It answers: {names}. Real programs run on a real stack (hostwiz up, " \
           "without --sandbox)."


class FakeShell:
    """Runs one command line against a FakeHost. `write` gets text ("\\n" line ends);
    `alive()` turns False when the client has gone (ends `tail -F`)."""

    def __init__(self, host: FakeHost, write, alive, size=lambda: (24, 80), follow_interval: float = 2.0):
        self.host, self.write, self.alive, self.size = host, write, alive, size
        self.follow_interval = follow_interval
        self.cwd = f"/home/{host.user}"

    def names(self) -> list[str]:
        return sorted(n[4:].replace("_", "-") for n in dir(self) if n.startswith("cmd_"))

    def run(self, line: str) -> int:
        try:
            argv = shlex.split(line)
        except ValueError as err:
            self.write(f"bash: {err}\n")
            return 2
        if not argv:
            return 0
        if argv[0] == "sudo":  # the pretend user may do anything the pretend shell can
            argv = argv[1:] or ["true"]
        cmd, args = argv[0], argv[1:]
        handler = getattr(self, "cmd_" + cmd.replace("-", "_"), None)
        if handler is None:
            self.write(NOT_HERE.format(cmd=cmd, os=self.host.os_facts[0], names=" ".join(self.names())) + "\n")
            return 127
        return handler(args) or 0

    def path(self, name: str) -> str:
        return posixpath.normpath(posixpath.join(self.cwd, posixpath.expanduser(name).replace(
            "~", f"/home/{self.host.user}", 1)))

    def cmd_help(self, args: list[str]) -> int:
        self.write("hostwiz sandbox shell: nothing here really runs. Commands: " + " ".join(self.names()) + "\n"
                   f"Log files: {BOOTSTRAP_LOG} {BOOT_LOG} {ACCESS_LOG} {ERROR_LOG} "
                   "(try: tail -f /var/log/nginx/access.log, then ctrl+c)\n")
        return 0

    def cmd_true(self, args: list[str]) -> int:
        return 0

    def cmd_uname(self, args: list[str]) -> int:
        _, _, _, kernel, build, _, _ = self.host.os_facts
        arch = self.host.facts.arch
        if "-a" in args:
            self.write(f"Linux {self.host.hostname} {kernel} {build} {arch} {arch} {arch} GNU/Linux\n")
        elif "-r" in args:
            self.write(kernel + "\n")
        elif "-m" in args:
            self.write(arch + "\n")
        else:
            self.write("Linux\n")
        return 0

    def cmd_hostname(self, args: list[str]) -> int:
        self.write(self.host.hostname + "\n")
        return 0

    def cmd_whoami(self, args: list[str]) -> int:
        self.write(self.host.user + "\n")
        return 0

    def cmd_pwd(self, args: list[str]) -> int:
        self.write(self.cwd + "\n")
        return 0

    def cmd_cd(self, args: list[str]) -> int:
        where = self.path(args[0]) if args else f"/home/{self.host.user}"
        known = {posixpath.dirname(p) for p in self.host.files} | {"/", "/var", "/etc", "/home", f"/home/{self.host.user}"}
        if not any(k == where or k.startswith(where.rstrip("/") + "/") for k in known):
            self.write(f"bash: cd: {args[0]}: No such file or directory\n")
            return 1
        self.cwd = where
        return 0

    def cmd_echo(self, args: list[str]) -> int:
        self.write(" ".join(args) + "\n")
        return 0

    def cmd_clear(self, args: list[str]) -> int:
        self.write("\x1b[H\x1b[2J")
        return 0

    def cmd_nproc(self, args: list[str]) -> int:
        self.write(f"{self.host.facts.cpus}\n")
        return 0

    def cmd_uptime(self, args: list[str]) -> int:
        mins = int((_now() - self.host.booted).total_seconds() // 60)
        self.write(f" {_now():%H:%M:%S} up {mins} min,  1 user,  load average: 0.08, 0.03, 0.01\n")
        return 0

    def cmd_sh(self, args: list[str]) -> int:
        """Only hostwiz's filesystem grow (`hostwiz.growfs`): the pretend disk does not change size
        after ModifyVolume, so it answers as a real instance that has not seen the new size yet."""
        from hostwiz import growfs

        if len(args) == 2 and args[0] == "-c" and growfs.MARK in args[1]:
            kib = self.host.facts.volume_gb * 1024 * 1024
            fstype = "xfs" if self.host.facts.os.startswith("amazon") else "ext4"
            self.write(f"{growfs.MARK} /dev/nvme0n1p1 {fstype} unchanged {kib} {kib}\n")
            return 0
        self.write(NOT_HERE.format(cmd="sh", os=self.host.os_facts[0], names=" ".join(self.names())) + "\n")
        return 127

    def cmd_df(self, args: list[str]) -> int:
        size = self.host.facts.volume_gb * 0.968  # the filesystem's overhead
        used = 2.9 if self.host.facts.os.startswith("ubuntu") else 1.6
        avail = max(size - used, 0.1)

        def g(v: float) -> str:
            return f"{v:.0f}G" if v >= 10 else f"{v:.1f}G"

        self.write(f"Filesystem      Size  Used Avail Use% Mounted on\n"
                   f"/dev/root       {g(size):>4}  {g(used):>4}  {g(avail):>4}  {used / size:.0%} /\n"
                   f"tmpfs           {self.host.facts.memory_mib // 2}M     0  {self.host.facts.memory_mib // 2}M   "
                   "0% /dev/shm\n")
        return 0

    def cmd_free(self, args: list[str]) -> int:
        total = self.host.facts.memory_mib
        used, shared, cache = int(total * 0.31), 2, int(total * 0.61)
        free, avail = total - used - cache, total - used
        if "-h" in args or "--human" in args:
            def v(n: int) -> str:
                return f"{n / 1024:.1f}Gi" if n >= 1024 else f"{n}Mi"
        elif "-m" in args or "--mebi" in args:
            def v(n: int) -> str:
                return str(n)
        else:
            def v(n: int) -> str:
                return str(n * 1024)
        self.write("               total        used        free      shared  buff/cache   available\n"
                   f"Mem:   {v(total):>13} {v(used):>11} {v(free):>11} {v(shared):>11} {v(cache):>11} {v(avail):>11}\n"
                   f"Swap:  {v(0):>13} {v(0):>11} {v(0):>11}\n")
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
        paths = [a for a in args if not a.startswith("-")]
        where = self.path(paths[-1]) if paths else self.cwd
        if where in self.host.files:
            self.write(where + "\n")
            return 0
        prefix = where.rstrip("/") + "/"
        names = sorted({p[len(prefix):].split("/")[0] for p in self.host.files if p.startswith(prefix)})
        if not names and where == f"/home/{self.host.user}":
            return 0  # an empty home
        self.write(("  ".join(names) if names else f"ls: cannot access '{paths[-1] if paths else where}': "
                    "No such file or directory") + "\n")
        return 0 if names else 2

    def _lines(self, path: str) -> list[str] | None:
        with self.host.cond:
            lines = self.host.files.get(self.path(path))
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

    cmd_less = cmd_more = cmd_cat

    def cmd_tail(self, args: list[str]) -> int:
        count, follow, retry, paths = 10, False, False, []
        it = iter(args)
        for a in it:
            if a in ("-f", "--follow", "--follow=descriptor"):
                follow = True
            elif a in ("-F", "--follow=name", "--retry"):
                follow = retry = True
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
            else:
                seen[path] = len(lines)
            if headers:
                self.write(f"==> {path} <==\n")
            self.write("".join(line + "\n" for line in lines[-count:] if count))
        if follow and not seen and not retry:  # like GNU tail -f: nothing to follow, so stop
            self.write("tail: no files remaining\n")
            return 1
        last = paths[-1] if paths else None
        while follow and self.alive():
            with self.host.cond:
                self.host.cond.wait(self.follow_interval)
            if any(self.path(p) == ACCESS_LOG for p in paths) and random.random() < 0.7:
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
