"""A hands-on workshop's leftovers, built in moto (issue 6), for the cleanup tests and the bench.

`build(aws, prefix, cidr_octet)` makes one estate whose resources are named (or tagged
Name=) `<prefix>-...`: a VPC with public and private subnets, an internet gateway, two NAT
gateways with Elastic IPs, route tables, security groups that reference each other, an RDS
instance in a DB subnet group, a versioned S3 bucket, an SNS topic with e-mail and Lambda
subscriptions, a Lambda function and its log group, a DynamoDB table, IAM roles with inline
and attached policies and an instance profile, an AMI made from an instance (with its
snapshots), a launch template, an Auto Scaling group in the private subnets behind an ALB
with a listener and target group, a bastion host and a key pair; plus an SQS queue, a
secret, an SSM parameter, an ECR repository, an ECS cluster, a spare EBS volume and
snapshot, a VPC endpoint, a detached network interface and a DNS record for the ALB.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from hostwiz.provisioners.aws import Aws

TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                 "Principal": {"Service": ["ec2.amazonaws.com",
                                                                           "lambda.amazonaws.com"]}}]}
POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}


def _tags(kind: str, name: str, extra: dict[str, str] | None = None) -> list[dict]:
    pairs = {"Name": name, **(extra or {})}
    return [{"ResourceType": kind, "Tags": [{"Key": k, "Value": v} for k, v in pairs.items()]}]


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("handler.py", "def handler(event, context):\n    return event\n")
    return buf.getvalue()


def build(aws: Aws, prefix: str, octet: int = 10, extra_tags: dict[str, str] | None = None) -> dict[str, Any]:
    """Make one estate; returns the ids it made, by role."""
    p, region = prefix, aws.region
    ec2, out = aws.client("ec2"), {}
    image = ec2.describe_images(Owners=["amazon"], MaxResults=5)["Images"][0]["ImageId"]
    vpc = ec2.create_vpc(CidrBlock=f"10.{octet}.0.0/16", TagSpecifications=_tags("vpc", f"{p}-vpc", extra_tags))
    vpc_id = out["vpc"] = vpc["Vpc"]["VpcId"]
    azs = [f"{region}a", f"{region}b"]
    subnets = {}
    for i, (tier, az) in enumerate([("public", azs[0]), ("public", azs[1]), ("private", azs[0]), ("private", azs[1])]):
        s = ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.{octet}.{i}.0/24", AvailabilityZone=az,
                              TagSpecifications=_tags("subnet", f"{p}-{tier}-{az[-1]}"))
        subnets.setdefault(tier, []).append(s["Subnet"]["SubnetId"])
    out["subnets"] = subnets
    igw = ec2.create_internet_gateway(TagSpecifications=_tags("internet-gateway", f"{p}-igw"))
    igw_id = igw["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
    public_rt = ec2.create_route_table(VpcId=vpc_id, TagSpecifications=_tags("route-table", f"{p}-public"))
    public_rt_id = public_rt["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_rt_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw_id)
    for s in subnets["public"]:
        ec2.associate_route_table(RouteTableId=public_rt_id, SubnetId=s)
    out["nat"] = []
    for i, (pub, priv) in enumerate(zip(subnets["public"], subnets["private"])):
        eip = ec2.allocate_address(Domain="vpc", TagSpecifications=_tags("elastic-ip", f"{p}-nat-eip-{i}"))
        nat = ec2.create_nat_gateway(SubnetId=pub, AllocationId=eip["AllocationId"],
                                     TagSpecifications=_tags("natgateway", f"{p}-nat-{i}"))["NatGateway"]
        out["nat"].append(nat["NatGatewayId"])
        rt = ec2.create_route_table(VpcId=vpc_id, TagSpecifications=_tags("route-table", f"{p}-private-{i}"))
        rt_id = rt["RouteTable"]["RouteTableId"]
        ec2.create_route(RouteTableId=rt_id, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat["NatGatewayId"])
        ec2.associate_route_table(RouteTableId=rt_id, SubnetId=priv)
    ec2.create_vpc_endpoint(VpcId=vpc_id, VpcEndpointType="Gateway", ServiceName=f"com.amazonaws.{region}.s3", RouteTableIds=[public_rt_id],
                            TagSpecifications=_tags("vpc-endpoint", f"{p}-s3-endpoint"))
    # Security groups that reference each other (app <-> db both ways, alb -> app).
    sg = {}
    for role in ("alb", "app", "db", "bastion"):
        sg[role] = ec2.create_security_group(GroupName=f"{p}-{role}", Description=f"{p} {role}", VpcId=vpc_id,
                                             TagSpecifications=_tags("security-group", f"{p}-{role}"))["GroupId"]

    def allow(to: str, frm: str, port: int) -> None:
        ec2.authorize_security_group_ingress(GroupId=sg[to], IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": port, "ToPort": port, "UserIdGroupPairs": [{"GroupId": sg[frm]}]}])

    allow("app", "alb", 80), allow("db", "app", 5432), allow("app", "db", 9000), allow("app", "bastion", 22)
    ec2.authorize_security_group_ingress(GroupId=sg["alb"], IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    out["security_groups"] = sg
    eni = ec2.create_network_interface(SubnetId=subnets["private"][0], Groups=[sg["app"]],
                                       TagSpecifications=_tags("network-interface", f"{p}-spare-eni"))
    out["eni"] = eni["NetworkInterface"]["NetworkInterfaceId"]
    # Bastion host with its key pair and an AMI made from it.
    ec2.create_key_pair(KeyName=f"{p}-key", TagSpecifications=_tags("key-pair", f"{p}-key"))
    bastion = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, InstanceType="t3.micro", KeyName=f"{p}-key",
                                SubnetId=subnets["public"][0], SecurityGroupIds=[sg["bastion"]],
                                TagSpecifications=_tags("instance", f"{p}-bastion"))["Instances"][0]
    out["bastion"] = bastion["InstanceId"]
    ami = ec2.create_image(InstanceId=bastion["InstanceId"], Name=f"{p}-golden-ami",
                           TagSpecifications=_tags("image", f"{p}-golden-ami"))
    out["ami"] = ami["ImageId"]
    vol = ec2.create_volume(AvailabilityZone=azs[0], Size=8, TagSpecifications=_tags("volume", f"{p}-data"))
    snap = ec2.create_snapshot(VolumeId=vol["VolumeId"], TagSpecifications=_tags("snapshot", f"{p}-data-snap"))
    out["volume"], out["snapshot"] = vol["VolumeId"], snap["SnapshotId"]
    # IAM: a role for EC2 (instance profile) and one for Lambda (inline + attached customer policy).
    iam = aws.client("iam")
    for role in ("ec2", "lambda"):
        iam.create_role(RoleName=f"{p}-{role}-role", AssumeRolePolicyDocument=json.dumps(TRUST))
        iam.put_role_policy(RoleName=f"{p}-{role}-role", PolicyName="inline", PolicyDocument=json.dumps(POLICY))
    pol = iam.create_policy(PolicyName=f"{p}-policy", PolicyDocument=json.dumps(POLICY))["Policy"]["Arn"]
    iam.create_policy_version(PolicyArn=pol, PolicyDocument=json.dumps(POLICY), SetAsDefault=True)
    iam.attach_role_policy(RoleName=f"{p}-lambda-role", PolicyArn=pol)
    iam.create_instance_profile(InstanceProfileName=f"{p}-profile")
    iam.add_role_to_instance_profile(InstanceProfileName=f"{p}-profile", RoleName=f"{p}-ec2-role")
    # Launch template, ALB + target group + listener, ASG in the private subnets.
    lt = ec2.create_launch_template(LaunchTemplateName=f"{p}-lt", LaunchTemplateData={
        "ImageId": out["ami"], "InstanceType": "t3.micro", "SecurityGroupIds": [sg["app"]],
        "IamInstanceProfile": {"Name": f"{p}-profile"}})
    elb = aws.client("elbv2")
    lb = elb.create_load_balancer(Name=f"{p}-alb", Subnets=subnets["public"], SecurityGroups=[sg["alb"]],
                                  Tags=[{"Key": "Name", "Value": f"{p}-alb"}])["LoadBalancers"][0]["LoadBalancerArn"]
    tg = elb.create_target_group(Name=f"{p}-tg", Protocol="HTTP", Port=80, VpcId=vpc_id,
                                 Tags=[{"Key": "Name", "Value": f"{p}-tg"}])["TargetGroups"][0]["TargetGroupArn"]
    elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80,
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
    out["alb"], out["tg"] = lb, tg
    r53 = aws.client("route53")
    zone = next((z["Id"] for z in r53.list_hosted_zones()["HostedZones"] if z["Name"] == "workshops.test."), None) \
        or r53.create_hosted_zone(Name="workshops.test", CallerReference="workshops")["HostedZone"]["Id"]
    dns = elb.describe_load_balancers(LoadBalancerArns=[lb])["LoadBalancers"][0]["DNSName"]
    r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": {
        "Name": f"{p}.workshops.test", "Type": "CNAME", "TTL": 60, "ResourceRecords": [{"Value": dns}]}}]})
    aws.client("autoscaling").create_auto_scaling_group(
        AutoScalingGroupName=f"{p}-asg", MinSize=0, MaxSize=2, DesiredCapacity=1, TargetGroupARNs=[tg],
        LaunchTemplate={"LaunchTemplateId": lt["LaunchTemplate"]["LaunchTemplateId"], "Version": "$Latest"},
        VPCZoneIdentifier=",".join(subnets["private"]),
        Tags=[{"Key": "Name", "Value": f"{p}-asg", "PropagateAtLaunch": True}])
    # Database.
    rds = aws.client("rds")
    rds.create_db_subnet_group(DBSubnetGroupName=f"{p}-db-subnets", DBSubnetGroupDescription="workshop",
                               SubnetIds=subnets["private"])
    rds.create_db_instance(DBInstanceIdentifier=f"{p}-db", Engine="postgres", DBInstanceClass="db.t3.micro",
                           AllocatedStorage=20, MasterUsername="workshop", MasterUserPassword="not-a-secret-1",
                           DBSubnetGroupName=f"{p}-db-subnets", VpcSecurityGroupIds=[sg["db"]])
    # S3 with versions and a delete marker.
    s3 = aws.client("s3")
    bucket = f"{p}-uploads"
    s3.create_bucket(Bucket=bucket, **({} if region == "us-east-1" else
                                       {"CreateBucketConfiguration": {"LocationConstraint": region}}))
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    for body in (b"v1", b"v2"):
        s3.put_object(Bucket=bucket, Key="index.html", Body=body)
    s3.put_object(Bucket=bucket, Key="old.txt", Body=b"x")
    s3.delete_object(Bucket=bucket, Key="old.txt")
    # Lambda, its log group, SNS with e-mail and Lambda subscriptions, DynamoDB, SQS, secret, SSM, ECR, ECS.
    lam = aws.client("lambda")
    fn = lam.create_function(FunctionName=f"{p}-fn", Runtime="python3.12", Handler="handler.handler",
                             Role=iam.get_role(RoleName=f"{p}-lambda-role")["Role"]["Arn"],
                             Code={"ZipFile": _zip()})["FunctionArn"]
    aws.client("logs").create_log_group(logGroupName=f"/aws/lambda/{p}-fn")
    sns = aws.client("sns")
    topic = sns.create_topic(Name=f"{p}-alerts")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="instructor@example.com")
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn)
    aws.client("dynamodb").create_table(TableName=f"{p}-sessions", BillingMode="PAY_PER_REQUEST",
                                        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                                        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
    aws.client("sqs").create_queue(QueueName=f"{p}-jobs")
    aws.client("secretsmanager").create_secret(Name=f"{p}-db-password", SecretString="not-a-secret-1")
    aws.client("ssm").put_parameter(Name=f"/{p}/db-host", Value="db.internal", Type="String")
    aws.client("ecr").create_repository(repositoryName=f"{p}-app")
    aws.client("ecs").create_cluster(clusterName=f"{p}-cluster")
    return out


def inventory(aws: Aws, regions: list[str] | None = None) -> set[str]:
    """Every resource every kind lists, as `region/kind/id` keys (the before/after comparison)."""
    from hostwiz.provisioners.cleanup.discovery import discover_all

    found = discover_all(aws, regions or [aws.region])
    assert not found.errors, found.errors  # an inventory with holes would prove nothing
    return {r.key for r in found.resources}
