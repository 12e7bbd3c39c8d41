"""Deploy the template's moto-supported resources into moto's server and inspect what was created.

moto's CloudFormation creates VPCs, subnets, gateways, route tables, EIPs, NAT gateways, security groups, the S3
bucket, IAM roles/managed policies/instance profiles, launch templates, Auto Scaling groups, ALB/target group/
listeners, the RDS instance and subnet group, the log group and the SNS topic. It has no model for
AWS::ElastiCache::*, AWS::CloudFront::* (distribution, origin access control, monitoring subscription, cache and
response headers policies), AWS::CloudWatch::Alarm, AWS::S3::BucketPolicy, AWS::SNS::Subscription,
AWS::AutoScaling::ScalingPolicy or AWS::Route53::RecordSet, so those are removed from the copy deployed here and
every reference to them becomes a fixed placeholder string. moto also ignores some properties of what it creates
(the bucket's public access block and ownership controls, roles' ManagedPolicyArns, subnet/route-table
associations in DescribeRouteTables, security group rules whose source is a prefix list); test_template_static.py
checks those, and the skipped resources, in the template itself.
"""

import base64
import copy
import json
import re
import uuid

import pytest

from tests.conftest import aws_client

MOTO_UNSUPPORTED = {
    "AWS::ElastiCache::SubnetGroup",
    "AWS::ElastiCache::ReplicationGroup",
    "AWS::ElastiCache::ServerlessCache",
    "AWS::ElastiCache::User",
    "AWS::ElastiCache::UserGroup",
    "AWS::CloudFront::OriginAccessControl",
    "AWS::CloudFront::Distribution",
    "AWS::CloudFront::MonitoringSubscription",
    "AWS::CloudFront::CachePolicy",
    "AWS::CloudFront::ResponseHeadersPolicy",
    "AWS::CloudWatch::Alarm",
    "AWS::S3::BucketPolicy",
    "AWS::SNS::Subscription",
    "AWS::AutoScaling::ScalingPolicy",
    "AWS::Route53::RecordSet",
}
# Created by moto, but its Fn::Sub cannot resolve the dotted attribute (Endpoint.Address): placeholder too.
MOTO_UNRESOLVED_ATTRIBUTES = {"Database"}
NAMESPACE = "Shopfront/Cache"


def placeholder(logical_id: str, attribute: str | None = None) -> str:
    """Return the string standing in for a removed resource's Ref or GetAtt."""
    return f"{logical_id}-{attribute or 'ref'}-placeholder".replace(".", "-").lower()


def _is_replaced(name: str, attribute: str | None, removed: set[str]) -> bool:
    return name in removed or bool(attribute and name in MOTO_UNRESOLVED_ATTRIBUTES)


def _replace_refs(node, removed: set[str]):
    if isinstance(node, dict):
        if set(node) == {"Ref"} and node["Ref"] in removed:
            return placeholder(node["Ref"])
        if set(node) == {"Fn::GetAtt"}:
            logical, attribute = node["Fn::GetAtt"][0], ".".join(node["Fn::GetAtt"][1:])
            if _is_replaced(logical, attribute, removed):
                return placeholder(logical, attribute)
        if set(node) == {"Fn::Sub"}:
            body = node["Fn::Sub"]
            text = body if isinstance(body, str) else body[0]

            def sub(match: re.Match) -> str:
                name, _, attribute = match.group(1).partition(".")
                if _is_replaced(name, attribute or None, removed):
                    return placeholder(name, attribute or None)
                return match.group(0)

            text = re.sub(r"\$\{([A-Za-z0-9.]+)\}", sub, text)
            return {"Fn::Sub": text if isinstance(body, str) else [text, _replace_refs(body[1], removed)]}
        return {key: _replace_refs(value, removed) for key, value in node.items()}
    if isinstance(node, list):
        return [_replace_refs(item, removed) for item in node]
    return node


def moto_copy(template: dict) -> dict:
    """Return the template without the resource types moto cannot create."""
    tpl = copy.deepcopy(template)
    removed = {name for name, res in tpl["Resources"].items() if res["Type"] in MOTO_UNSUPPORTED}
    assert removed, "expected some resources moto cannot create"
    tpl["Resources"] = {name: res for name, res in tpl["Resources"].items() if name not in removed}
    for res in tpl["Resources"].values():
        depends = res.get("DependsOn")
        if depends:
            kept = [d for d in ([depends] if isinstance(depends, str) else depends) if d not in removed]
            res.pop("DependsOn")
            if kept:
                res["DependsOn"] = kept
    outputs = {}
    for name, output in tpl.get("Outputs", {}).items():
        if not any(dep in json.dumps(output) for dep in removed):
            outputs[name] = output
    tpl["Outputs"] = outputs
    tpl.pop("Metadata", None)
    return _replace_refs(tpl, removed)


@pytest.fixture(scope="module")
def stack(template, moto_endpoint):
    """Create the moto copy of the stack and return its logical id -> physical id map and parameters."""
    return create_stack(template, lambda service: aws_client(moto_endpoint, service))


def create_stack(template: dict, aws, **overrides: str) -> dict:
    """Create the moto copy of the stack with default parameters plus ``overrides``; describe what it made."""
    # moto's listener checks that the certificate exists in ACM.
    certificate = aws("acm").request_certificate(DomainName="shop.example.com")["CertificateArn"]
    secret = aws("secretsmanager").create_secret(
        Name=f"shopfront-test-{uuid.uuid4().hex[:8]}",
        SecretString=json.dumps(
            {"DJANGO_SECRET_KEY": "x" * 50, "DATABASE_PASSWORD": "p" * 20, "REDIS_AUTH_TOKEN": "t" * 32}
        ),
    )
    # moto knows AWS's managed prefix lists, like the real account does.
    (origin_facing,) = aws("ec2").describe_managed_prefix_lists(
        Filters=[{"Name": "prefix-list-name", "Values": ["com.amazonaws.global.cloudfront.origin-facing"]}]
    )["PrefixLists"]
    params = {
        "EnvironmentName": "moto",
        "CloudFrontOriginFacingPrefixListId": origin_facing["PrefixListId"],
        "DomainName": "shop.example.com",
        "CertificateArn": certificate,
        "AppSecretArn": secret["ARN"],
        "EcrRepositoryName": "shopfront",
        "ImageTag": "abc1234",
        **overrides,
    }
    cfn = aws("cloudformation")
    name = f"shopfront-{uuid.uuid4().hex[:8]}"
    cfn.create_stack(
        StackName=name,
        TemplateBody=json.dumps(moto_copy(template)),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in params.items()],
        Capabilities=["CAPABILITY_IAM"],
    )
    status = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
    assert status == "CREATE_COMPLETE", status
    resources = cfn.list_stack_resources(StackName=name)["StackResourceSummaries"]
    physical = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in resources}
    return {"name": name, "physical": physical, "params": params, "account": secret["ARN"].split(":")[4]}


# Conditions that are false with the default parameters (no hosted zone, no e-mail, replication group, Redis broker).
OFF_BY_DEFAULT = {"HasHostedZone", "HasAlarmEmail", "IsServerlessCache", "UsesSqsBroker"}


def test_moto_creates_every_supported_resource_of_the_template(stack, template):
    expected = {
        name
        for name, res in template["Resources"].items()
        if res["Type"] not in MOTO_UNSUPPORTED and res.get("Condition") not in OFF_BY_DEFAULT
    }
    expected -= {"DnsRecord", "DnsRecordIpv6"}
    assert expected - set(stack["physical"]) == set()


def test_public_and_private_subnets_span_two_availability_zones(stack, aws):
    ec2 = aws("ec2")
    ids = {k: stack["physical"][k] for k in ("PublicSubnetA", "PublicSubnetB", "PrivateSubnetA", "PrivateSubnetB")}
    subnets = {s["SubnetId"]: s for s in ec2.describe_subnets(SubnetIds=list(ids.values()))["Subnets"]}
    zone = {k: subnets[v]["AvailabilityZone"] for k, v in ids.items()}
    assert zone["PublicSubnetA"] != zone["PublicSubnetB"]
    assert zone["PrivateSubnetA"] != zone["PrivateSubnetB"]
    assert {s["VpcId"] for s in subnets.values()} == {stack["physical"]["Vpc"]}


def test_private_subnets_reach_the_internet_through_a_nat_gateway_in_each_public_subnet(stack, aws):
    ec2 = aws("ec2")
    physical = stack["physical"]
    for zone in ("A", "B"):
        nat = ec2.describe_nat_gateways(NatGatewayIds=[physical[f"NatGateway{zone}"]])["NatGateways"][0]
        assert nat["SubnetId"] == physical[f"PublicSubnet{zone}"]
        table = ec2.describe_route_tables(RouteTableIds=[physical[f"PrivateRouteTable{zone}"]])["RouteTables"][0]
        default = [r for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
        assert [r.get("NatGatewayId") for r in default] == [nat["NatGatewayId"]]
    public = ec2.describe_route_tables(RouteTableIds=[physical["PublicRouteTable"]])["RouteTables"][0]
    default = [r for r in public["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
    assert [r.get("GatewayId") for r in default] == [physical["InternetGateway"]]


def test_assets_bucket_is_created_encrypted(stack, aws):
    # moto's bucket model applies only BucketEncryption and Tags from the template; the public access
    # block and ownership controls are checked in test_template_static.py.
    s3 = aws("s3")
    bucket = stack["physical"]["AssetsBucket"]
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"


def _ingress(ec2, group_id: str) -> list[dict]:
    return ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]["IpPermissions"]


def test_only_the_alb_reaches_the_app_and_only_the_app_reaches_redis_and_postgres(stack, aws):
    ec2 = aws("ec2")
    sg = {k: stack["physical"][k] for k in stack["physical"] if k.endswith("SecurityGroup")}
    web = _ingress(ec2, sg["WebSecurityGroup"])
    assert [(p["FromPort"], p["ToPort"]) for p in web] == [(8000, 8000)]
    assert [g["GroupId"] for g in web[0]["UserIdGroupPairs"]] == [sg["AlbSecurityGroup"]]
    assert web[0]["IpRanges"] == [] and web[0].get("Ipv6Ranges", []) == []
    assert _ingress(ec2, sg["WorkerSecurityGroup"]) == []
    app_groups = {sg["WebSecurityGroup"], sg["WorkerSecurityGroup"]}
    for name, port in (("RedisSecurityGroup", 6379), ("DatabaseSecurityGroup", 5432)):
        rules = _ingress(ec2, sg[name])
        assert {(p["FromPort"], p["ToPort"]) for p in rules} == {(port, port)}
        assert all(p["IpRanges"] == [] for p in rules)
        assert {g["GroupId"] for p in rules for g in p["UserIdGroupPairs"]} == app_groups
    # moto drops the ALB's one rule (its source is a prefix list; test_template_static.py checks it): whatever
    # moto keeps opens nothing to an address range.
    assert all(p["IpRanges"] == [] and not p.get("Ipv6Ranges") for p in _ingress(ec2, sg["AlbSecurityGroup"]))


def _policy_document(iam, arn: str) -> dict:
    policy = iam.get_policy(PolicyArn=arn)["Policy"]
    version = iam.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])["PolicyVersion"]
    document = version["Document"]
    return json.loads(document) if isinstance(document, str) else document


def _statements(iam, arn: str) -> dict[str, dict]:
    return {s["Sid"]: s for s in _policy_document(iam, arn)["Statement"]}


def test_instance_policies_are_scoped_to_this_bucket_secret_and_repository(stack, aws):
    iam = aws("iam")
    base = _statements(iam, stack["physical"]["AppBasePolicy"])
    bucket_arn = f"arn:aws:s3:::{stack['physical']['AssetsBucket']}"
    assert base["ListTheAssetsBucket"]["Resource"] == bucket_arn
    assert base["ReadWriteTheAssetsBucket"]["Resource"] == f"{bucket_arn}/*"
    assert base["ReadTheAppSecret"]["Resource"] == stack["params"]["AppSecretArn"]
    assert base["ReadTheAppSecret"]["Action"] == "secretsmanager:GetSecretValue"
    assert base["EcrPullThisRepository"]["Resource"].endswith(f":repository/{stack['params']['EcrRepositoryName']}")
    # The only wildcard resource: ECR's login token has no resource-level permissions.
    wildcards = [sid for sid, s in base.items() if s["Resource"] == "*"]
    assert wildcards == ["EcrLogin"]


def test_worker_policy_invalidates_only_this_distribution_and_publishes_only_its_namespace(stack, aws):
    iam = aws("iam")
    worker = _statements(iam, stack["physical"]["WorkerPolicy"])
    distribution = placeholder("Distribution")
    expected_arn = f"arn:aws:cloudfront::{stack['account']}:distribution/{distribution}"
    assert worker["InvalidateThisDistribution"]["Resource"] == expected_arn
    assert "cloudfront:CreateInvalidation" in worker["InvalidateThisDistribution"]["Action"]
    metrics = worker["PublishCacheMetrics"]
    assert metrics["Action"] == "cloudwatch:PutMetricData"
    assert metrics["Condition"] == {"StringEquals": {"cloudwatch:namespace": NAMESPACE}}


def test_only_the_worker_role_may_invalidate_and_publish_metrics(stack, aws):
    iam = aws("iam")
    attached = {
        role: {
            p["PolicyArn"]
            for p in iam.list_attached_role_policies(RoleName=stack["physical"][role])["AttachedPolicies"]
        }
        for role in ("WebRole", "WorkerRole")
    }
    base, worker = stack["physical"]["AppBasePolicy"], stack["physical"]["WorkerPolicy"]
    assert base in attached["WebRole"] and base in attached["WorkerRole"]
    assert worker in attached["WorkerRole"]
    assert worker not in attached["WebRole"]


def test_web_group_runs_the_image_in_private_subnets_behind_the_target_group(stack, aws):
    group = aws("autoscaling").describe_auto_scaling_groups(
        AutoScalingGroupNames=[stack["physical"]["WebAutoScalingGroup"]]
    )["AutoScalingGroups"][0]
    private = {stack["physical"]["PrivateSubnetA"], stack["physical"]["PrivateSubnetB"]}
    assert set(group["VPCZoneIdentifier"].split(",")) == private
    assert group["TargetGroupARNs"] == [stack["physical"]["WebTargetGroup"]]
    assert group["HealthCheckType"] == "ELB"
    assert (group["MinSize"], group["DesiredCapacity"]) == (2, 2)


def test_launch_templates_require_imdsv2_and_pull_the_parameter_image(stack, aws):
    ec2 = aws("ec2")
    for name, roles in (("WebLaunchTemplate", ["web"]), ("WorkerLaunchTemplate", ["worker", "beat"])):
        version = ec2.describe_launch_template_versions(LaunchTemplateId=stack["physical"][name])[
            "LaunchTemplateVersions"
        ][-1]["LaunchTemplateData"]
        assert version["MetadataOptions"]["HttpTokens"] == "required"
        user_data = base64.b64decode(version["UserData"]).decode()
        assert f"REGISTRY={stack['account']}.dkr.ecr.us-east-1.amazonaws.com\n" in user_data
        assert "REPOSITORY=$REGISTRY/shopfront\n" in user_data
        assert f'docker pull "$REPOSITORY:{stack["params"]["ImageTag"]}"' in user_data
        for role in roles:
            assert f"run_container {role}" in user_data
        assert "DJANGO_ALLOWED_HOSTS=shop.example.com" in user_data


def test_database_is_multi_az_encrypted_and_private(stack, aws):
    db = aws("rds").describe_db_instances(DBInstanceIdentifier=stack["physical"]["Database"])["DBInstances"][0]
    assert db["MultiAZ"] is True
    assert db["StorageEncrypted"] is True
    assert db["PubliclyAccessible"] is False
    assert db["Engine"] == "postgres"
