"""Following the log files of an RDS database (`DescribeDBLogFiles` / `DownloadDBLogFilePortion`).

On the first poll each existing file is joined at its end (its last `backlog` lines); files
that appear later (hourly rotation) are read from their start. Every file's marker is kept,
so a poll reads only what was appended, and a retried poll resumes at the same marker.
"""

from __future__ import annotations

from typing import Any, Iterator

from hostwiz.logs.line import LogLine, make
from hostwiz.logs.source import Backoff, PollingSource

from .aws import Aws, error_code

NOT_FOUND = ("DBInstanceNotFound", "DBInstanceNotFoundFault", "DBLogFileNotFoundFault")


class RdsLogFollower:
    def __init__(self, aws: Aws, db: str, name_contains: str = "", *, backlog: int = 200):
        self.aws, self.db, self.name_contains, self.backlog = aws, db, name_contains, backlog
        self.markers: dict[str, str] = {}
        self.written: dict[str, tuple[int, int]] = {}  # file -> (LastWritten, Size) when last read
        self.joined = False  # after the first poll, new files are read from their start

    def files(self) -> list[dict[str, Any]]:
        rds = self.aws.client("rds")
        params: dict[str, Any] = {"DBInstanceIdentifier": self.db}
        if self.name_contains:
            params["FilenameContains"] = self.name_contains
        out: list[dict[str, Any]] = []
        while True:
            page = rds.describe_db_log_files(**params)
            out += page.get("DescribeDBLogFiles", [])
            if not page.get("Marker"):
                break
            params["Marker"] = page["Marker"]
        return sorted(out, key=lambda f: (f.get("LastWritten", 0), f["LogFileName"]))

    def poll(self) -> Iterator[tuple[str, str]]:
        """(file name, line) for everything written since the last poll."""
        rds = self.aws.client("rds")
        for f in self.files():
            name = f["LogFileName"]
            stamp = (f.get("LastWritten", 0), f.get("Size", 0))
            if self.written.get(name) == stamp and name in self.markers:
                continue
            params: dict[str, Any] = {"DBInstanceIdentifier": self.db, "LogFileName": name}
            if name in self.markers:
                params["Marker"] = self.markers[name]
            elif self.joined:
                params["Marker"] = "0"
            else:
                params["NumberOfLines"] = self.backlog
            while True:
                portion = rds.download_db_log_file_portion(**params)
                for text in (portion.get("LogFileData") or "").splitlines():
                    yield name, text
                if portion.get("Marker"):
                    self.markers[name] = params["Marker"] = portion["Marker"]
                params.pop("NumberOfLines", None)
                if not portion.get("AdditionalDataPending"):
                    break
            self.written[name] = stamp
        self.joined = True


class RdsLogSource(PollingSource):
    def __init__(self, name: str, aws: Aws, db: str, name_contains: str = "", *, interval: float = 5.0,
                 backlog: int = 200, backoff: Backoff | None = None):
        super().__init__(name, interval, backoff=backoff)
        self.follower = RdsLogFollower(aws, db, name_contains, backlog=backlog)

    def poll(self) -> Iterator[LogLine]:
        for _file, text in self.follower.poll():
            yield make(self.name, text)

    def is_fatal(self, err: BaseException) -> bool:
        return "AccessDenied" in (error_code(err) or "")

    def describe(self, err: BaseException) -> str:
        code = error_code(err)
        if code in NOT_FOUND:
            return f"database {self.follower.db} or its log file is not there (yet)"
        if self.is_fatal(err):
            return f"not allowed to read the logs of {self.follower.db}: grant rds:DownloadDBLogFilePortion"
        return super().describe(err)
