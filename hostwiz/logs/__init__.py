"""Log tailing, without a terminal and without AWS: sources, merging, a bounded buffer, filters.

Each source is a thread that produces `LogLine` records and reconnects with backoff when it
drops; its state (connecting / live / retrying (why) / stopped) is always readable. A `Hub`
merges what the sources produce; a `LogBuffer` keeps the newest lines (a ring buffer, dropped
lines counted) and the filtered view a screen shows. The AWS sources live in
`hostwiz.provisioners.cloudwatch_logs` and `hostwiz.provisioners.rds_logs`; the instance files
over SSH in `hostwiz.logs.instance`.
"""

from hostwiz.logs.buffer import LogBuffer
from hostwiz.logs.filter import FilterError, LineFilter
from hostwiz.logs.hub import Hub
from hostwiz.logs.line import LogLine, format_line, log_line, severity_of
from hostwiz.logs.source import Source, SourceFatal, SourceState

__all__ = ["FilterError", "Hub", "LineFilter", "LogBuffer", "LogLine", "Source", "SourceFatal",
           "SourceState", "format_line", "log_line", "severity_of"]
