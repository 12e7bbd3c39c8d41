"""The template's cache choice (replication group or ElastiCache Serverless) and Celery broker (Redis or SQS)."""

import base64
import json
import re
import subprocess

import pytest

from tests.conftest import aws_client

from .conftest import TEMPLATE
from .test_cluster_settings import INSPECT
from .test_production_settings import COMPLETE_ENV, _run
from .test_template_moto import create_stack
from .test_template_static import CFN_LINT

REQUIRED = {
    "DomainName": "shop.example.com",
    "CloudFrontOriginFacingPrefixListId": "pl-3b927c52",
    "CertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/abc",
    "AppSecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:shopfront-AbCdEf",
    "ImageTag": "abc1234",
}
CHOICES = [
    {"CacheMode": "replication-group", "CeleryBroker": "redis"},
    {"CacheMode": "replication-group", "CeleryBroker": "sqs"},
    {"CacheMode": "serverless", "CeleryBroker": "sqs", "ServerlessEngine": "valkey"},
    {"CacheMode": "serverless", "CeleryBroker": "sqs", "ServerlessEngine": "redis"},
]
# Stand-ins for what CloudFormation substitutes into the user data.
VALUES = {
    "ServerlessCache.Endpoint.Address": "prod-shopfront-abc123.serverless.use1.cache.amazonaws.com",
    "ServerlessCache.Endpoint.Port": "6379",
    "Redis.PrimaryEndPoint.Address": "master.prod-shopfront.abc123.use1.cache.amazonaws.com",
    "Redis.PrimaryEndPoint.Port": "6379",
    "BrokerQueue": "https://sqs.us-east-1.amazonaws.com/123456789012/production-shopfront-celery",
    "AWS::Region": "us-east-1",
    "DomainName": "shop.example.com",
    "VpcCidr": "10.0.0.0/16",
}


def _props(template: dict, name: str) -> dict:
    return template["Resources"][name]["Properties"]


@pytest.mark.parametrize("choice", CHOICES, ids=lambda c: "-".join(c.values()))
def test_cfn_lint_is_clean_for_each_cache_and_broker_choice(choice):
    params = [f"{k}={v}" for k, v in {**REQUIRED, **choice}.items()]
    result = subprocess.run(
        [str(CFN_LINT), str(TEMPLATE), "--parameters", *params], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_serverless_cache_requires_the_sqs_broker(template):
    rule = template["Rules"]["ServerlessCacheNeedsSqsBroker"]
    assert rule["RuleCondition"] == {"Fn::Equals": [{"Ref": "CacheMode"}, "serverless"]}
    (assertion,) = rule["Assertions"]
    assert assertion["Assert"] == {"Fn::Equals": [{"Ref": "CeleryBroker"}, "sqs"]}
    assert template["Parameters"]["CacheMode"]["Default"] == "replication-group"  # today's stacks keep theirs


def test_each_cache_resource_exists_only_in_its_mode(template):
    by_condition = {
        "IsReplicationGroupCache": {"Redis", "RedisSubnetGroup"},
        "IsServerlessCache": {"ServerlessCache", "CacheUserGroup", "CacheDefaultUser"},
        "UsesSqsBroker": {"BrokerQueue", "BrokerDeadLetterQueue", "BrokerQueuePolicy"},
    }
    for condition, names in by_condition.items():
        for name in names:
            assert template["Resources"][name]["Condition"] == condition, name
    # Whatever names the replication group's nodes (its alarms) goes with it.
    for name, res in template["Resources"].items():
        if "${Redis}" in json.dumps(res) or '"Redis"' in json.dumps(res.get("DependsOn", "")):
            assert res.get("Condition") == "IsReplicationGroupCache", name


def test_serverless_cache_is_private_encrypted_and_logs_in_with_the_secret_token(template):
    cache = _props(template, "ServerlessCache")
    assert cache["SecurityGroupIds"] == [{"Ref": "RedisSecurityGroup"}]
    assert cache["SubnetIds"] == [{"Ref": "PrivateSubnetA"}, {"Ref": "PrivateSubnetB"}]
    assert cache["UserGroupId"] == {"Ref": "CacheUserGroup"}
    assert cache["CacheUsageLimits"] == {
        "DataStorage": {"Maximum": {"Ref": "ServerlessMaxDataStorageGB"}, "Unit": "GB"},
        "ECPUPerSecond": {"Maximum": {"Ref": "ServerlessMaxEcpuPerSecond"}},
    }
    assert _props(template, "CacheUserGroup")["UserIds"] == [{"Ref": "CacheDefaultUser"}]
    user = _props(template, "CacheDefaultUser")
    # A plain `AUTH <token>` (REDIS_AUTH_TOKEN, as with the replication group) logs in as the user "default".
    assert user["UserName"] == "default"
    assert user["AuthenticationMode"] == {
        "Type": "password",
        "Passwords": [{"Fn::Sub": "{{resolve:secretsmanager:${AppSecretArn}:SecretString:REDIS_AUTH_TOKEN}}"}],
    }


def _evaluate(node, conditions: dict[str, bool]):
    """Evaluate the Fn::If / Fn::Sub of a user data variable with stand-in values."""
    if isinstance(node, dict) and "Fn::If" in node:
        name, yes, no = node["Fn::If"]
        return _evaluate(yes if conditions[name] else no, conditions)
    if isinstance(node, dict) and "Fn::Sub" in node:
        return re.sub(r"\$\{([^}!]+)\}", lambda m: VALUES[m.group(1)], node["Fn::Sub"])
    return node


def _app_env(template: dict, launch_template: str, conditions: dict[str, bool]) -> dict[str, str]:
    """Return /etc/shopfront/app.env as the user data writes it in the mode ``conditions`` describe."""
    text, variables = _props(template, launch_template)["LaunchTemplateData"]["UserData"]["Fn::Base64"]["Fn::Sub"]
    values = {**VALUES, **{k: _evaluate(v, conditions) for k, v in variables.items()}}
    script = re.sub(r"\$\{(?!!)([^}]+)\}", lambda m: values.get(m.group(1), "value-" + m.group(1)), text)
    body = script.split("cat > /etc/shopfront/app.env <<'EOF'\n", 1)[1].split("\nEOF\n", 1)[0]
    lines = [line for line in body.splitlines() if line and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


@pytest.mark.parametrize("launch_template", ["WebLaunchTemplate", "WorkerLaunchTemplate"])
def test_serverless_user_data_boots_the_app_in_cluster_mode_with_the_sqs_broker(template, launch_template):
    conditions = {"IsServerlessCache": True, "UsesSqsBroker": True}
    env = _app_env(template, launch_template, conditions)
    assert env["REDIS_CLUSTER"] == "True"
    assert env["REDIS_URL"] == f"rediss://{VALUES['ServerlessCache.Endpoint.Address']}:6379/0"
    assert env["CELERY_BROKER_URL"] == "sqs://"
    options = json.loads(env["CELERY_BROKER_TRANSPORT_OPTIONS"])
    assert options["predefined_queues"] == {"celery": {"url": VALUES["BrokerQueue"]}}
    assert options["visibility_timeout"] == _props(template, "BrokerQueue")["VisibilityTimeout"]
    secrets = {k: COMPLETE_ENV[k] for k in ("DJANGO_SECRET_KEY", "REDIS_AUTH_TOKEN", "DATABASE_URL")}
    result = _run({**env, **secrets, "DJANGO_SETTINGS_MODULE": "config.settings.production"}, "-c", INSPECT)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["default"]["backend"] == "shop.cache.django_cluster.RedisClusterCache"
    assert out["broker_url"] == "sqs://"


def test_replication_group_user_data_keeps_redis_for_cache_and_broker(template):
    env = _app_env(template, "WebLaunchTemplate", {"IsServerlessCache": False, "UsesSqsBroker": False})
    assert env["REDIS_CLUSTER"] == "False"
    assert env["REDIS_URL"] == f"rediss://{VALUES['Redis.PrimaryEndPoint.Address']}:6379/0"
    assert "CELERY_BROKER_URL" not in env  # derived from REDIS_URL: databases 2 and 3


@pytest.fixture(scope="module")
def serverless_stack(template, moto_endpoint):
    # Its own environment name: moto's servers share one in-memory account (log group names are unique).
    aws = lambda service: aws_client(moto_endpoint, service)  # noqa: E731
    return create_stack(template, aws, EnvironmentName="moto-serverless", CacheMode="serverless", CeleryBroker="sqs")


def test_moto_creates_the_sqs_broker_with_a_dead_letter_queue(serverless_stack, aws):
    sqs = aws("sqs")
    physical = serverless_stack["physical"]
    url = physical["BrokerQueue"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "3600"
    assert attributes["SqsManagedSseEnabled"] == "true"
    redrive = json.loads(attributes["RedrivePolicy"])
    dead = sqs.get_queue_attributes(QueueUrl=physical["BrokerDeadLetterQueue"], AttributeNames=["QueueArn"])
    assert redrive["deadLetterTargetArn"] == dead["Attributes"]["QueueArn"]
    assert "Redis" not in physical and "RedisSubnetGroup" not in physical


def test_both_roles_may_use_only_the_celery_queue(serverless_stack, aws):
    iam, sqs = aws("iam"), aws("sqs")
    physical = serverless_stack["physical"]
    arn = physical["BrokerQueuePolicy"]
    for role in ("WebRole", "WorkerRole"):
        attached = iam.list_attached_role_policies(RoleName=physical[role])["AttachedPolicies"]
        assert arn in {p["PolicyArn"] for p in attached}
    policy = iam.get_policy(PolicyArn=arn)["Policy"]
    document = iam.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])["PolicyVersion"]["Document"]
    document = json.loads(document) if isinstance(document, str) else document
    (statement,) = document["Statement"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=physical["BrokerQueue"], AttributeNames=["QueueArn"])
    assert statement["Resource"] == queue_arn["Attributes"]["QueueArn"]
    assert "sqs:ReceiveMessage" in statement["Action"] and "sqs:*" not in statement["Action"]


def test_launch_templates_of_the_serverless_stack_name_the_queue(serverless_stack, aws):
    ec2 = aws("ec2")
    for name in ("WebLaunchTemplate", "WorkerLaunchTemplate"):
        versions = ec2.describe_launch_template_versions(LaunchTemplateId=serverless_stack["physical"][name])
        user_data = base64.b64decode(versions["LaunchTemplateVersions"][-1]["LaunchTemplateData"]["UserData"])
        text = user_data.decode()
        assert "REDIS_CLUSTER=True\n" in text
        assert "CELERY_BROKER_URL=sqs://\n" in text
        assert serverless_stack["physical"]["BrokerQueue"] in text
