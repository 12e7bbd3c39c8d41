"""deploy/template.yaml as data: cfn-lint, user data syntax, and the resources moto cannot create."""

import json
import re
import subprocess

from django.conf import settings

from shop.observability.metrics import OUTCOME_METRICS

from .conftest import ROOT, TEMPLATE

CFN_LINT = ROOT / ".venv" / "bin" / "cfn-lint"


def _of_type(template: dict, kind: str) -> dict[str, dict]:
    return {name: res for name, res in template["Resources"].items() if res["Type"] == kind}


def _props(template: dict, name: str) -> dict:
    return template["Resources"][name]["Properties"]


def test_cfn_lint_finds_no_errors_or_warnings():
    result = subprocess.run([str(CFN_LINT), str(TEMPLATE)], capture_output=True, text=True, timeout=300)
    # cfn-lint's exit code is a bit mask: 2 errors, 4 warnings, 8 informational.
    assert result.returncode == 0, result.stdout + result.stderr


def test_user_data_of_both_launch_templates_is_valid_bash(template):
    for name in ("WebLaunchTemplate", "WorkerLaunchTemplate"):
        sub = _props(template, name)["LaunchTemplateData"]["UserData"]["Fn::Base64"]["Fn::Sub"]
        body = sub if isinstance(sub, str) else sub[0]  # [text, variables] when the text names variables
        # Render Fn::Sub the way CloudFormation does: ${Name} -> a value, ${!Name} -> ${Name}.
        script = re.sub(r"\$\{(?!!)([^}]+)\}", lambda m: "value-" + re.sub(r"\W", "", m.group(1)), body)
        script = script.replace("${!", "${")
        result = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, f"{name}: {result.stderr}"
        assert script.startswith("#!/bin/bash\n")
        assert "set -euo pipefail" in script


def test_bucket_is_private_with_acls_disabled(template):
    bucket = _props(template, "AssetsBucket")
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert "AccessControl" not in bucket


def test_bucket_policy_lets_only_this_distribution_read_through_origin_access_control(template):
    statements = _props(template, "AssetsBucketPolicy")["PolicyDocument"]["Statement"]
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert len(allows) == 1
    allow = allows[0]
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    source = allow["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    assert source.endswith(":distribution/${Distribution}")
    denies = [s for s in statements if s["Effect"] == "Deny"]
    assert denies[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_distribution_reaches_the_bucket_through_origin_access_control_only(template):
    config = _props(template, "Distribution")["DistributionConfig"]
    (origin,) = config["Origins"]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["OriginAccessControl", "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    oac = _props(template, "OriginAccessControl")["OriginAccessControlConfig"]
    assert (oac["SigningBehavior"], oac["SigningProtocol"]) == ("always", "sigv4")
    monitoring = _props(template, "DistributionMonitoring")
    assert monitoring["DistributionId"] == {"Ref": "Distribution"}
    status = monitoring["MonitoringSubscription"]["RealtimeMetricsSubscriptionConfig"]
    assert status == {"RealtimeMetricsSubscriptionStatus": "Enabled"}


def test_redis_is_multi_az_with_failover_tls_and_an_auth_token_from_the_secret(template):
    redis = _props(template, "Redis")
    assert redis["MultiAZEnabled"] is True
    assert redis["AutomaticFailoverEnabled"] is True
    assert redis["NumCacheClusters"] >= 2
    assert redis["TransitEncryptionEnabled"] is True
    assert redis["AuthToken"] == {"Fn::Sub": "{{resolve:secretsmanager:${AppSecretArn}:SecretString:REDIS_AUTH_TOKEN}}"}
    assert redis["SecurityGroupIds"] == [{"Ref": "RedisSecurityGroup"}]


def test_database_is_multi_az_encrypted_with_the_password_from_the_secret(template):
    db = _props(template, "Database")
    assert db["MultiAZ"] is True
    assert db["StorageEncrypted"] is True
    assert db["PubliclyAccessible"] is False
    assert db["MasterUserPassword"] == {
        "Fn::Sub": "{{resolve:secretsmanager:${AppSecretArn}:SecretString:DATABASE_PASSWORD}}"
    }
    assert template["Resources"]["Database"]["DeletionPolicy"] == "Snapshot"


def test_alb_serves_https_redirects_http_and_health_checks_healthz(template):
    listeners = {
        _props(template, n)["Protocol"]: _props(template, n)
        for n in _of_type(template, "AWS::ElasticLoadBalancingV2::Listener")
    }
    assert listeners["HTTPS"]["Certificates"] == [{"CertificateArn": {"Ref": "CertificateArn"}}]
    (redirect,) = listeners["HTTP"]["DefaultActions"]
    assert redirect["Type"] == "redirect"
    assert redirect["RedirectConfig"] == {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}
    target_group = _props(template, "WebTargetGroup")
    assert target_group["HealthCheckPath"] == "/healthz"
    assert target_group["Port"] == 8000


def test_hit_ratio_alarms_use_the_metrics_the_publisher_sends(template):
    alarms = [_props(template, n) for n in ("ProductHitRatioAlarm", "ListingHitRatioAlarm")]
    for alarm in alarms:
        stats = {m["Id"]: m["MetricStat"]["Metric"] for m in alarm["Metrics"] if "MetricStat" in m}
        # The publisher's names (shop/observability/metrics.py): the alarm breaks silently if they drift.
        assert {m["MetricName"] for m in stats.values()} == {OUTCOME_METRICS["hit"], OUTCOME_METRICS["miss"]}
        assert {m["Namespace"] for m in stats.values()} == {settings.CACHE_METRICS_NAMESPACE}
        for metric in stats.values():
            assert [d["Name"] for d in metric["Dimensions"]] == ["Environment", "Namespace"]
        (expression,) = [m for m in alarm["Metrics"] if m.get("ReturnData")]
        assert "100 * hits / (hits + misses)" in expression["Expression"]["Fn::Sub"]
        assert alarm["ComparisonOperator"] == "LessThanThreshold"
        assert alarm["TreatMissingData"] == "notBreaching"


def test_elasticache_and_cloudfront_alarms_cover_the_required_metrics(template):
    alarms = [res["Properties"] for res in _of_type(template, "AWS::CloudWatch::Alarm").values()]

    def metric_names(namespace: str) -> set[str]:
        names = {a["MetricName"] for a in alarms if a.get("Namespace") == namespace}
        for alarm in alarms:
            for m in alarm.get("Metrics", []):
                if "MetricStat" in m and m["MetricStat"]["Metric"]["Namespace"] == namespace:
                    names.add(m["MetricStat"]["Metric"]["MetricName"])
        return names

    assert metric_names("AWS/ElastiCache") >= {
        "CacheHitRate",
        "Evictions",
        "CurrConnections",
        "EngineCPUUtilization",
        "ReplicationLag",
    }
    assert metric_names("AWS/CloudFront") == {"5xxErrorRate", "CacheHitRate"}
    for alarm in alarms:
        assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]
        assert alarm["TreatMissingData"] in {"notBreaching", "missing", "breaching", "ignore"}


def test_outputs_give_the_site_url_and_the_cloudfront_domain(template):
    outputs = template["Outputs"]
    assert outputs["SiteUrl"]["Value"] == {"Fn::Sub": "https://${DomainName}/"}
    assert outputs["CloudFrontDomain"]["Value"] == {"Fn::GetAtt": ["Distribution", "DomainName"]}


def test_no_security_group_opens_anything_but_the_alb_to_the_internet(template):
    for name, group in _of_type(template, "AWS::EC2::SecurityGroup").items():
        for rule in group["Properties"].get("SecurityGroupIngress", []):
            if "CidrIp" in rule:
                assert name == "AlbSecurityGroup", json.dumps(rule)


def test_worker_may_publish_metrics_only_in_the_publishers_namespace(template):
    (statement,) = [
        s for s in _props(template, "WorkerPolicy")["PolicyDocument"]["Statement"] if s["Sid"] == "PublishCacheMetrics"
    ]
    assert statement["Condition"] == {"StringEquals": {"cloudwatch:namespace": settings.CACHE_METRICS_NAMESPACE}}
