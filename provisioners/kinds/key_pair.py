"""EC2 key pairs (the public half; the private key never leaves this machine)."""

from __future__ import annotations

from typing import Iterable

from ..aws import Aws, tag_dict
from ..registry import Kind, Resource, register


@register
class KeyPair(Kind):
    name = "key-pair"
    label = "key pair"
    gone_codes = ("InvalidKeyPair.NotFound",)

    def create(self, aws: Aws, *, key_name: str, public_key: str, tags: list[dict[str, str]]) -> str:
        resp = aws.client("ec2").import_key_pair(
            KeyName=key_name, PublicKeyMaterial=public_key.encode(),
            TagSpecifications=[{"ResourceType": "key-pair", "Tags": tags}])
        return resp.get("KeyPairId") or key_name

    def list(self, aws: Aws, filters: list[dict] | None = None) -> Iterable[Resource]:
        for k in aws.client("ec2").describe_key_pairs(Filters=filters or [])["KeyPairs"]:
            yield Resource(self.name, k.get("KeyPairId") or k["KeyName"], aws.region, k["KeyName"],
                           tag_dict(k.get("Tags")), {"key_name": k["KeyName"], "created": str(k.get("CreateTime") or "")})

    def find_stack(self, aws: Aws, stack: str) -> list[Resource]:
        return list(self.list(aws, [{"Name": "tag:hostwiz:stack", "Values": [stack]}]))

    def delete(self, aws: Aws, res: Resource) -> None:
        self.unless_gone(aws.client("ec2").delete_key_pair, KeyName=res.data.get("key_name") or res.name)
