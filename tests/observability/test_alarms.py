"""The cache_alarms command creates the expected alarms, idempotently; --dry-run creates nothing."""

import json
from io import StringIO

import boto3
import pytest
from django.core.management import call_command

SNS = "arn:aws:sns:us-east-1:123456789012:shop-alarms"


@pytest.fixture
def alarm_settings(aws, settings):
    settings.CACHE_ALARMS = {
        **settings.CACHE_ALARMS,
        "SNS_TOPIC_ARN": SNS,
        "HIT_RATIO_NAMESPACES": ["product", "listing"],
        "HIT_RATIO_THRESHOLD": 85.0,
        "ELASTICACHE_CLUSTER_IDS": ["shop-redis-001"],
        "ELASTICACHE_REPLICA_IDS": ["shop-redis-002"],
        "CLOUDFRONT_DISTRIBUTION_ID": "E2EXAMPLE",
    }
    return f"shopfront-{settings.ENVIRONMENT_NAME}-"


def our_alarms(cw, prefix: str) -> dict[str, dict]:
    found = cw.describe_alarms(AlarmNamePrefix=prefix)["MetricAlarms"]
    return {a["AlarmName"]: a for a in found}


EXPECTED_SUFFIXES = {
    "cache-hit-ratio-product",
    "cache-hit-ratio-listing",
    *(f"elasticache-shop-redis-001-{s}" for s in ("hit-rate", "evictions", "connections", "engine-cpu", "host-cpu")),
    *(
        f"elasticache-shop-redis-002-{s}"
        for s in ("hit-rate", "evictions", "connections", "engine-cpu", "host-cpu", "replication-lag")
    ),
    "cloudfront-E2EXAMPLE-5xx-rate",
    "cloudfront-E2EXAMPLE-hit-rate",
}


def test_command_creates_the_expected_alarms_and_a_second_run_changes_nothing(aws, alarm_settings):
    call_command("cache_alarms", stdout=StringIO())
    first = our_alarms(aws, alarm_settings)

    assert {name.removeprefix(alarm_settings) for name in first} == EXPECTED_SUFFIXES
    ratio = first[f"{alarm_settings}cache-hit-ratio-product"]
    assert ratio["Threshold"] == 85.0 and ratio["ComparisonOperator"] == "LessThanThreshold"
    assert ratio["TreatMissingData"] == "notBreaching"
    assert ratio["AlarmActions"] == [SNS]
    assert {m["Id"] for m in ratio["Metrics"]} == {"hits", "misses", "ratio"}
    lag = first[f"{alarm_settings}elasticache-shop-redis-002-replication-lag"]
    assert lag["Namespace"] == "AWS/ElastiCache" and lag["TreatMissingData"] == "breaching"
    cf = first[f"{alarm_settings}cloudfront-E2EXAMPLE-hit-rate"]
    assert cf["Namespace"] == "AWS/CloudFront" and cf["MetricName"] == "CacheHitRate"
    assert {d["Name"]: d["Value"] for d in cf["Dimensions"]} == {"DistributionId": "E2EXAMPLE", "Region": "Global"}

    call_command("cache_alarms", stdout=StringIO())
    second = our_alarms(aws, alarm_settings)

    assert second.keys() == first.keys()
    strip = ("AlarmConfigurationUpdatedTimestamp", "StateUpdatedTimestamp", "StateTransitionedTimestamp")
    assert [{k: v for k, v in a.items() if k not in strip} for a in second.values()] == [
        {k: v for k, v in a.items() if k not in strip} for a in first.values()
    ]


def test_dry_run_prints_the_alarms_as_json_and_creates_nothing(aws, alarm_settings):
    out = StringIO()
    call_command("cache_alarms", "--dry-run", stdout=out)

    printed = json.loads(out.getvalue())

    assert {a["AlarmName"].removeprefix(alarm_settings) for a in printed} == EXPECTED_SUFFIXES
    assert {a["Region"] for a in printed if "cloudfront" in a["AlarmName"]} == {"us-east-1"}
    assert our_alarms(aws, alarm_settings) == {}


def test_without_sns_topic_the_alarms_have_no_actions(aws, alarm_settings, settings, moto_server):
    settings.CACHE_ALARMS = {**settings.CACHE_ALARMS, "SNS_TOPIC_ARN": None, "ELASTICACHE_REPLICA_IDS": []}
    settings.CACHE_METRICS_REGION = "eu-west-1"
    call_command("cache_alarms", stdout=StringIO())

    regional = boto3.client("cloudwatch", region_name="eu-west-1", endpoint_url=moto_server)
    here = our_alarms(regional, alarm_settings)

    # CloudFront metrics live in us-east-1 only, so its alarms go there whatever the app's region.
    assert len(here) == 7 and not any("cloudfront" in name for name in here)
    assert all(a["AlarmActions"] == [] and a["ActionsEnabled"] is False for a in here.values())
    assert len(our_alarms(aws, alarm_settings)) == 2
