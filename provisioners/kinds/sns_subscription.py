"""SNS subscriptions (they belong to their topic; pending ones cannot be removed and are skipped)."""

from __future__ import annotations

from typing import Iterable

from ..aws import Aws
from ..registry import Kind, Resource, register


@register
class SnsSubscription(Kind):
    name = "sns-subscription"
    label = "SNS subscription"
    gone_codes = ("NotFound", "NotFoundException")

    def list(self, aws: Aws) -> Iterable[Resource]:
        for page in aws.client("sns").get_paginator("list_subscriptions").paginate():
            for s in page["Subscriptions"]:
                arn = s["SubscriptionArn"]
                if not arn.startswith("arn:"):  # "PendingConfirmation"
                    continue
                yield Resource(self.name, arn, aws.region, f"{s.get('Protocol')}:{s.get('Endpoint')}", {},
                               {"protocol": s.get("Protocol"), "parents": [s["TopicArn"]]})

    def delete(self, aws: Aws, res: Resource) -> None:
        self.unless_gone(aws.client("sns").unsubscribe, SubscriptionArn=res.id)

    def exists(self, aws: Aws, res: Resource) -> bool:
        return self.unless_gone(aws.client("sns").get_subscription_attributes,
                           SubscriptionArn=res.id) is not None
