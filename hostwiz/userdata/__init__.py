"""The instance's user-data: what the instance becomes (runtime, nginx, firewall, TLS).

Placeholder renderer until the per-runtime templates land; it never contains a secret.
"""

from __future__ import annotations

from hostwiz.spec import StackSpec


def render(spec: StackSpec) -> str:
    return "\n".join([
        "#!/bin/bash",
        "set -euo pipefail",
        "exec > >(tee -a /var/log/hostwiz-bootstrap.log) 2>&1",
        f'echo "$(date -Is) hostwiz: bootstrap of {spec.name} ({spec.runtime.kind.value} on port {spec.runtime.app_port})"',
        'echo "$(date -Is) hostwiz: bootstrap finished: success"',
        "",
    ])
