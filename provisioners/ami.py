"""Machine images: the public SSM parameters first, `DescribeImages` by owner and name second."""

from __future__ import annotations

from typing import Any

from .aws import Aws, error_code

CANONICAL = "099720109477"
AMAZON = "137112412989"

SSM_PARAMETERS = {
    ("ubuntu-24.04", "x86_64"): "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id",
    ("ubuntu-24.04", "arm64"): "/aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id",
    ("ubuntu-22.04", "x86_64"): "/aws/service/canonical/ubuntu/server/22.04/stable/current/amd64/hvm/ebs-gp2/ami-id",
    ("ubuntu-22.04", "arm64"): "/aws/service/canonical/ubuntu/server/22.04/stable/current/arm64/hvm/ebs-gp2/ami-id",
    ("amazon-linux-2023", "x86_64"): "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
    ("amazon-linux-2023", "arm64"): "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
}

NAME_PATTERNS = {
    ("ubuntu-24.04", "x86_64"): (CANONICAL, "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*"),
    ("ubuntu-24.04", "arm64"): (CANONICAL, "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-*"),
    ("ubuntu-22.04", "x86_64"): (CANONICAL, "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-*"),
    ("ubuntu-22.04", "arm64"): (CANONICAL, "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-arm64-server-*"),
    ("amazon-linux-2023", "x86_64"): (AMAZON, "al2023-ami-2023.*-kernel-*-x86_64"),
    ("amazon-linux-2023", "arm64"): (AMAZON, "al2023-ami-2023.*-kernel-*-arm64"),
}


def arch_of(instance_type: str) -> str:
    """Graviton families (a 'g' after the generation digit: t4g, m7g, c7gn...) are arm64."""
    family = instance_type.split(".")[0]
    digits = [i for i, c in enumerate(family) if c.isdigit()]
    return "arm64" if digits and "g" in family[digits[0] + 1:] else "x86_64"


def resolve(aws: Aws, os_name: str, arch: str = "x86_64") -> dict[str, Any]:
    image_id, source = None, ""
    try:
        image_id = aws.client("ssm").get_parameter(Name=SSM_PARAMETERS[(os_name, arch)])["Parameter"]["Value"]
        source = "ssm"
    except Exception as err:
        if error_code(err) not in ("ParameterNotFound", "AccessDeniedException", "AccessDenied"):
            raise
    ec2 = aws.client("ec2")
    if image_id:
        images = ec2.describe_images(ImageIds=[image_id])["Images"]
    else:
        owner, pattern = NAME_PATTERNS[(os_name, arch)]
        images = ec2.describe_images(Owners=[owner], Filters=[{"Name": "name", "Values": [pattern]},
                                                              {"Name": "state", "Values": ["available"]}])["Images"]
        images.sort(key=lambda i: i.get("CreationDate", ""), reverse=True)
        source = "describe-images"
    if not images:
        raise RuntimeError(f"no {os_name} image for {arch} found in {aws.region}")
    img = images[0]
    return {"image_id": img["ImageId"], "root_device": img.get("RootDeviceName", "/dev/sda1"),
            "name": img.get("Name", ""), "source": source}
