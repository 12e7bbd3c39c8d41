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
    origin = _origins(config)["assets"]
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["OriginAccessControl", "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    for behaviour in [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]:
        assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
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


def test_alb_serves_https_only_and_health_checks_healthz(template):
    # CloudFront redirects viewers from HTTP and reaches the ALB over HTTPS only: no port 80 listener.
    listeners = {
        _props(template, n)["Protocol"]: _props(template, n)
        for n in _of_type(template, "AWS::ElasticLoadBalancingV2::Listener")
    }
    assert set(listeners) == {"HTTPS"}
    assert listeners["HTTPS"]["Certificates"] == [{"CertificateArn": {"Ref": "CertificateArn"}}]
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
        "CPUUtilization",
        "ReplicationLag",
    }
    assert metric_names("AWS/CloudFront") == {"5xxErrorRate", "CacheHitRate"}
    for alarm in alarms:
        assert alarm["AlarmActions"] == alarm["OKActions"] == [{"Ref": "AlarmTopic"}]
        assert alarm["TreatMissingData"] in {"notBreaching", "missing", "breaching", "ignore"}


def test_every_elasticache_alarm_watches_both_nodes_so_a_failover_changes_nothing(template):
    alarms = {n: r["Properties"] for n, r in _of_type(template, "AWS::CloudWatch::Alarm").items() if "Redis" in n}
    assert len(alarms) == 6
    for name, alarm in alarms.items():
        stats = [m["MetricStat"]["Metric"] for m in alarm["Metrics"] if "MetricStat" in m]
        nodes = [metric["Dimensions"][0]["Value"]["Fn::Sub"] for metric in stats]
        assert nodes == ["${Redis}-001", "${Redis}-002"], name
        (value,) = [m for m in alarm["Metrics"] if m.get("ReturnData")]
        assert value["Expression"] in ("MAX([n1, n2])", "SUM([n1, n2])"), name


def test_the_stack_says_whether_it_created_the_cloudfront_alarms(template):
    alarms = _of_type(template, "AWS::CloudWatch::Alarm")
    assert {n for n, r in alarms.items() if r.get("Condition") == "IsUsEast1"} == {
        "CloudFront5xxAlarm",
        "CloudFrontHitRateAlarm",
    }
    assert template["Outputs"]["CloudFrontAlarms"]["Value"]["Fn::If"][0] == "IsUsEast1"


def test_web_instances_trust_x_forwarded_for_only_from_the_vpc(template):
    def script(name: str) -> str:
        sub = _props(template, name)["LaunchTemplateData"]["UserData"]["Fn::Base64"]["Fn::Sub"]
        return sub[0] if isinstance(sub, list) else sub  # [text, variables] when the text has variables

    web, worker = script("WebLaunchTemplate"), script("WorkerLaunchTemplate")
    assert "\nSHOPFRONT_TRUSTED_PROXY_CIDRS=${VpcCidr}\n" in web
    assert "SHOPFRONT_TRUSTED_PROXY_CIDRS" not in worker


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


# ---------------------------------------------------------------- the edge (docs/edge.md)
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER = "216adef6-5c7f-47e4-b989-5492eafa07d3"
VCL = ROOT / "deploy" / "varnish" / "shopfront.vcl"


def _origins(config: dict) -> dict[str, dict]:
    return {origin["Id"]: origin for origin in config["Origins"]}


def _behaviours(template: dict) -> dict[str, dict]:
    config = _props(template, "Distribution")["DistributionConfig"]
    return {b["PathPattern"]: b for b in config["CacheBehaviors"]} | {"*": config["DefaultCacheBehavior"]}


def _vcl_never_cached() -> set[str]:
    """Return the VCL's pass-through paths as CloudFront path patterns."""
    # e.g. req.url ~ "^/(cart|checkout)(/|\?|$)" (a folder), req.url ~ "^/api/v1/(cart)(/|\?|$)" (a folder
    # below a prefix) and req.url ~ "^/(healthz)(\?|$)" (one path)
    patterns = set()
    for prefix, names, slash in re.findall(r'req\.url ~ "\^/((?:[a-z0-9]+/)*)\(([a-z|]+)\)\((/?)', VCL.read_text()):
        patterns |= {f"{prefix}{name}/*" if slash else f"{prefix}{name}" for name in names.split("|")}
    return patterns


def test_distribution_serves_pages_from_the_alb_over_https_and_extracts_cache_tags(template):
    config = _props(template, "Distribution")["DistributionConfig"]
    app = _origins(config)["app"]
    assert app["DomainName"] == {"Fn::GetAtt": ["LoadBalancer", "DNSName"]}
    custom = app["CustomOriginConfig"]
    assert (custom["OriginProtocolPolicy"], custom["OriginSSLProtocols"]) == ("https-only", ["TLSv1.2"])
    assert config["CacheTagConfig"] == {"HeaderName": {"Ref": "CacheTagHeaderName"}}
    assert template["Parameters"]["CacheTagHeaderName"]["Default"] == "Cache-Tag"
    assert config["Aliases"] == [{"Ref": "DomainName"}]
    assert config["ViewerCertificate"]["SslSupportMethod"] == "sni-only"


def test_shared_pages_are_keyed_on_host_path_and_query_with_ttls_from_the_origin(template):
    default = _behaviours(template)["*"]
    assert default["TargetOriginId"] == "app"
    assert default["AllowedMethods"] == ["GET", "HEAD"]
    assert default["CachePolicyId"] == {"Ref": "PageCachePolicy"}
    assert default["ResponseHeadersPolicyId"] == {"Ref": "PageResponseHeadersPolicy"}
    assert "OriginRequestPolicyId" not in default  # nothing beyond the key reaches the origin: no cookies
    policy = _props(template, "PageCachePolicy")["CachePolicyConfig"]
    assert (policy["MinTTL"], policy["DefaultTTL"]) == (0, 0) and policy["MaxTTL"] >= 3600
    key = policy["ParametersInCacheKeyAndForwardedToOrigin"]
    assert key["CookiesConfig"] == {"CookieBehavior": "none"}
    assert key["QueryStringsConfig"] == {"QueryStringBehavior": "all"}
    assert key["HeadersConfig"] == {"HeaderBehavior": "whitelist", "Headers": ["Host"]}
    assert key["EnableAcceptEncodingGzip"] is True and key["EnableAcceptEncodingBrotli"] is True


def test_tag_header_is_removed_from_viewer_responses(template):
    remove = _props(template, "PageResponseHeadersPolicy")["ResponseHeadersPolicyConfig"]["RemoveHeadersConfig"]
    assert remove == {"Items": [{"Header": {"Ref": "CacheTagHeaderName"}}]}


def test_never_cached_paths_are_the_vcls_and_reach_the_origin_with_everything_the_viewer_sent(template):
    behaviours = _behaviours(template)
    personal = {p for p, b in behaviours.items() if b.get("CachePolicyId") == CACHING_DISABLED}
    assert (
        personal
        == _vcl_never_cached()
        == {
            *("cart/*", "checkout/*", "accounts/*", "orders/*", "admin/*", "visitor/*"),
            *("api/v1/cart/*", "api/v1/checkout/*", "api/v1/orders/*", "api/v1/auth/*"),
            *("healthz", "readyz"),
        }
    )
    for pattern in personal:
        behaviour = behaviours[pattern]
        assert behaviour["TargetOriginId"] == "app"
        assert behaviour["OriginRequestPolicyId"] == ALL_VIEWER  # cookies, Host, Origin, Referer: CSRF works
        assert {"POST", "PUT", "DELETE", "PATCH"} <= set(behaviour["AllowedMethods"])


def test_static_and_media_still_come_from_the_bucket(template):
    behaviours = _behaviours(template)
    for pattern in ("static/*", "media/*"):
        assert behaviours[pattern]["TargetOriginId"] == "assets"
        assert behaviours[pattern]["CachePolicyId"] == CACHING_OPTIMIZED
        assert behaviours[pattern]["AllowedMethods"] == ["GET", "HEAD"]


def test_alb_accepts_https_from_cloudfront_only(template):
    (rule,) = _props(template, "AlbSecurityGroup")["SecurityGroupIngress"]
    assert (rule["FromPort"], rule["ToPort"]) == (443, 443)
    assert rule["SourcePrefixListId"] == {"Ref": "CloudFrontOriginFacingPrefixListId"}
    assert "CidrIp" not in rule and "CidrIpv6" not in rule


def test_domain_name_points_at_cloudfront(template):
    for name, kind in (("DnsRecord", "A"), ("DnsRecordIpv6", "AAAA")):
        record = _props(template, name)
        assert record["Type"] == kind
        assert record["AliasTarget"] == {
            "DNSName": {"Fn::GetAtt": ["Distribution", "DomainName"]},
            "HostedZoneId": "Z2FDTNDATAQYW2",
        }
