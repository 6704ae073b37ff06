"""CloudFormation stacks: what cleanup deletes instead of the resources a stack owns.

A stack lists the physical IDs of its resources (`members`, as (kind, ID) pairs for the kinds
hostwiz knows); cleanup never deletes such a resource on its own, only the stack, and only when
the operator asks for CloudFormation (`--include-cloudformation`).
"""

from __future__ import annotations

from typing import Iterable

from ..aws import Aws, error_code, tag_dict
from ..registry import Kind, Resource, register
from .common import stamp

# CloudFormation resource types -> hostwiz kinds (the physical ID is the kind's ID, or its name).
TYPES = {
    "AWS::EC2::Instance": "ec2-instance", "AWS::EC2::SecurityGroup": "security-group", "AWS::EC2::VPC": "vpc",
    "AWS::EC2::Subnet": "subnet", "AWS::EC2::InternetGateway": "internet-gateway",
    "AWS::EC2::NatGateway": "nat-gateway", "AWS::EC2::RouteTable": "route-table", "AWS::EC2::EIP": "elastic-ip",
    "AWS::EC2::Volume": "ebs-volume", "AWS::EC2::KeyPair": "key-pair", "AWS::EC2::LaunchTemplate": "launch-template",
    "AWS::EC2::VPCEndpoint": "vpc-endpoint", "AWS::EC2::NetworkInterface": "network-interface",
    "AWS::RDS::DBInstance": "rds-instance", "AWS::RDS::DBCluster": "rds-cluster",
    "AWS::RDS::DBSubnetGroup": "db-subnet-group", "AWS::S3::Bucket": "s3-bucket", "AWS::SQS::Queue": "sqs-queue",
    "AWS::SNS::Topic": "sns-topic", "AWS::Lambda::Function": "lambda-function", "AWS::Logs::LogGroup": "log-group",
    "AWS::DynamoDB::Table": "dynamodb-table", "AWS::IAM::Role": "iam-role",
    "AWS::IAM::InstanceProfile": "instance-profile", "AWS::IAM::ManagedPolicy": "iam-policy",
    "AWS::ElasticLoadBalancingV2::LoadBalancer": "load-balancer",
    "AWS::ElasticLoadBalancingV2::TargetGroup": "target-group", "AWS::ElasticLoadBalancingV2::Listener": "listener",
    "AWS::AutoScaling::AutoScalingGroup": "autoscaling-group", "AWS::SecretsManager::Secret": "secret",
    "AWS::SSM::Parameter": "ssm-parameter", "AWS::ECR::Repository": "ecr-repository",
    "AWS::ECS::Cluster": "ecs-cluster", "AWS::ECS::Service": "ecs-service",
}
GONE_STATES = ("DELETE_COMPLETE",)


@register
class CloudFormationStack(Kind):
    name = "cloudformation-stack"
    label = "CloudFormation stack"
    retry_codes = Kind.retry_codes

    def list(self, aws: Aws) -> Iterable[Resource]:
        cfn = aws.client("cloudformation")
        for page in cfn.get_paginator("describe_stacks").paginate():
            for st in page["Stacks"]:
                if st.get("StackStatus") in GONE_STATES:
                    continue
                members = []
                for rpage in cfn.get_paginator("list_stack_resources").paginate(StackName=st["StackName"]):
                    for m in rpage["StackResourceSummaries"]:
                        k = TYPES.get(m.get("ResourceType", ""))
                        if k and m.get("PhysicalResourceId"):
                            members.append([k, m["PhysicalResourceId"]])
                yield Resource(self.name, st["StackId"], aws.region, st["StackName"], tag_dict(st.get("Tags")), {
                    "status": st.get("StackStatus"), "created": stamp(st.get("CreationTime")), "members": members})

    def delete(self, aws: Aws, res: Resource) -> None:
        aws.client("cloudformation").delete_stack(StackName=res.id)

    def exists(self, aws: Aws, res: Resource) -> bool:
        try:
            stacks = aws.client("cloudformation").describe_stacks(StackName=res.id)["Stacks"]
        except Exception as err:
            if error_code(err) == "ValidationError":  # "Stack with id ... does not exist"
                return False
            raise
        return any(s.get("StackStatus") not in GONE_STATES for s in stacks)
