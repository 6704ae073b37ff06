"""ECR repositories, with their images."""

from __future__ import annotations

from typing import Iterable

from ..aws import Aws, tag_dict
from ..registry import Kind, Resource, register
from .common import stamp


@register
class EcrRepository(Kind):
    name = "ecr-repository"
    label = "ECR repository"
    gone_codes = ("RepositoryNotFoundException",)

    def list(self, aws: Aws) -> Iterable[Resource]:
        ecr = aws.client("ecr")
        for page in ecr.get_paginator("describe_repositories").paginate():
            for r in page["repositories"]:
                tags = (self.unless_gone(ecr.list_tags_for_resource,
                                    resourceArn=r["repositoryArn"]) or {}).get("tags", [])
                yield Resource(self.name, r["repositoryName"], aws.region, r["repositoryName"],
                               tag_dict(tags), {"created": stamp(r.get("createdAt"))})

    def delete(self, aws: Aws, res: Resource) -> None:
        self.unless_gone(aws.client("ecr").delete_repository, repositoryName=res.id, force=True)

    def exists(self, aws: Aws, res: Resource) -> bool:
        return self.listed("repositories", aws.client("ecr").describe_repositories, repositoryNames=[res.id])
