"""Test-only: `hostwiz ARGV` in a process that dies (exit 137, no cleanup) the moment RunInstances
has returned, like a crash or a kill -9 right after the instance was made. Never used by product code."""

import os
import sys

from hostwiz.provisioners import aws

_post_init = aws.Aws.__post_init__


def _die(**_):
    os._exit(137)


def _with_crash(self):
    _post_init(self)
    if ("after-call.ec2.RunInstances", _die) not in self.hooks:
        self.hooks.append(("after-call.ec2.RunInstances", _die))


aws.Aws.__post_init__ = _with_crash

if __name__ == "__main__":
    from hostwiz.cli import main

    sys.exit(main(sys.argv[1:]))
