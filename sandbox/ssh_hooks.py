"""The botocore hooks that drive the sandbox's SSH hosts, apart from where those hosts live: in this
process (`ssh_server.SandboxSsh`) or in the sandbox daemon (`daemon.RemoteSsh`). No paramiko here."""

from __future__ import annotations

import base64
from typing import Any


class SshHooks:
    """botocore hooks on a sandbox `Aws` that drive the sandbox's SSH hosts: the operations
    (`import_key`, `launch`, `console`, `send_key`, `terminate`) are local (`SandboxSsh`) or the
    sandbox daemon's, over its control API (`hostwiz.sandbox.daemon.RemoteSsh`)."""

    def hooks(self) -> list[tuple[str, Any]]:
        return [("before-parameter-build.ec2.ImportKeyPair", self._on_import_key),
                ("before-parameter-build.ec2.RunInstances", self._on_run_params),
                ("after-call.ec2.RunInstances", self._on_run),
                ("after-call.ec2.GetConsoleOutput", self._on_console),
                ("before-parameter-build.ec2-instance-connect.SendSSHPublicKey", self._on_send_key),
                ("after-call.ec2.TerminateInstances", self._on_terminate)]

    # the operations ------------------------------------------------------------------
    def import_key(self, name: str, public: str) -> None:
        raise NotImplementedError

    def launch(self, instances: list[dict[str, Any]]) -> None:
        """Each: instance_id, key_name, stack, private_ip, facts (`HostFacts.from_launch` params)."""
        raise NotImplementedError

    def console(self, instance_id: str) -> str | None:
        raise NotImplementedError

    def send_key(self, instance_id: str, public: str) -> None:
        raise NotImplementedError

    def terminate(self, instance_ids: list[str]) -> None:
        raise NotImplementedError

    def resolve(self, instance_id: str | None, address: str) -> tuple[str, int] | None:
        raise NotImplementedError

    # the hooks -----------------------------------------------------------------------
    def _on_import_key(self, params: dict, **_: Any) -> None:
        material = params.get("PublicKeyMaterial", b"")
        self.import_key(params["KeyName"], material.decode() if isinstance(material, bytes) else material)

    def _on_run_params(self, params: dict, context: dict | None = None, **_: Any) -> None:
        if context is not None:  # the same request's after-call sees it: what the instance was launched as
            context["hostwiz_launch"] = {k: params.get(k) for k in ("InstanceType", "BlockDeviceMappings", "UserData")}

    def _on_run(self, parsed: dict, context: dict | None = None, **_: Any) -> None:
        launch = (context or {}).get("hostwiz_launch") or {}
        out = []
        for inst in parsed.get("Instances", []):
            tags = {t["Key"]: t["Value"] for t in inst.get("Tags", [])}
            out.append({"instance_id": inst["InstanceId"], "key_name": inst.get("KeyName", ""),
                        "stack": tags.get("hostwiz:stack", "sandbox"),
                        "private_ip": inst.get("PrivateIpAddress") or "10.0.1.23",
                        "facts": {"InstanceType": launch.get("InstanceType") or inst.get("InstanceType"),
                                  "BlockDeviceMappings": launch.get("BlockDeviceMappings"),
                                  "UserData": launch.get("UserData")}})
        if out:
            self.launch(out)

    def _on_console(self, parsed: dict, **_: Any) -> None:
        output = self.console(parsed.get("InstanceId", ""))
        if output is not None:
            parsed["Output"] = base64.b64encode(output.encode()).decode()

    def _on_send_key(self, params: dict, **_: Any) -> None:
        self.send_key(params.get("InstanceId", ""), params["SSHPublicKey"])

    def _on_terminate(self, parsed: dict, **_: Any) -> None:
        ids = [change["InstanceId"] for change in parsed.get("TerminatingInstances", [])]
        if ids:
            self.terminate(ids)
