"""One module per AWS resource kind; importing this package registers them all."""

from . import (  # noqa: F401
    db_subnet_group,
    ec2_instance,
    elastic_ip,
    iam_role,
    instance_profile,
    key_pair,
    rds_instance,
    route53_record,
    security_group,
    ssm_parameter,
)
