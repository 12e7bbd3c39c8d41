"""CloudWatch alarm definitions for the cache: the application's hit ratio, ElastiCache and CloudFront.

Each definition is the keyword arguments of one PutMetricAlarm call, which creates or overwrites
the alarm of that name, so applying them again changes nothing.
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings

# CloudFront publishes its metrics in us-east-1 only, whatever the application's region.
CLOUDFRONT_REGION = "us-east-1"


@dataclass(frozen=True)
class Alarm:
    region: str
    params: dict[str, Any]

    @property
    def name(self) -> str:
        return self.params["AlarmName"]


def _conf() -> dict[str, Any]:
    return settings.CACHE_ALARMS


def _name(suffix: str) -> str:
    return f"{_conf()['PREFIX']}-{settings.ENVIRONMENT_NAME}-{suffix}"


def _common(description: str, missing: str, periods: int | None = None) -> dict[str, Any]:
    conf = _conf()
    actions = [conf["SNS_TOPIC_ARN"]] if conf["SNS_TOPIC_ARN"] else []
    periods = periods or conf["EVALUATION_PERIODS"]
    return {
        "AlarmDescription": description,
        "ActionsEnabled": bool(actions),
        "AlarmActions": actions,
        "OKActions": actions,
        "EvaluationPeriods": periods,
        "DatapointsToAlarm": periods,
        "TreatMissingData": missing,
    }


def _metric_alarm(
    suffix: str,
    description: str,
    namespace: str,
    metric: str,
    dimensions: dict[str, str],
    stat: str,
    comparison: str,
    threshold: float,
    missing: str,
) -> dict[str, Any]:
    return {
        "AlarmName": _name(suffix),
        **_common(description, missing),
        "Namespace": namespace,
        "MetricName": metric,
        "Dimensions": [{"Name": k, "Value": v} for k, v in dimensions.items()],
        "Statistic": stat,
        "Period": _conf()["PERIOD_SECONDS"],
        "ComparisonOperator": comparison,
        "Threshold": float(threshold),
    }


def hit_ratio_alarm(namespace: str) -> Alarm:
    """Return the alarm on the application's hit ratio of one cache namespace, by metric math."""
    conf = _conf()
    dims = [
        {"Name": "Environment", "Value": settings.ENVIRONMENT_NAME},
        {"Name": "Namespace", "Value": namespace},
    ]

    def stat(metric_id: str, metric: str) -> dict[str, Any]:
        metric_def = {"Namespace": settings.CACHE_METRICS_NAMESPACE, "MetricName": metric, "Dimensions": dims}
        stat_def = {"Metric": metric_def, "Period": conf["PERIOD_SECONDS"], "Stat": "Sum"}
        return {"Id": metric_id, "MetricStat": stat_def, "ReturnData": False}

    low_traffic = conf["HIT_RATIO_MIN_REQUESTS"]
    params = {
        "AlarmName": _name(f"cache-hit-ratio-{namespace}"),
        # No data means no reads of this namespace (or no publisher): a quiet shop is not a cold cache.
        **_common(f"Application cache hit ratio of '{namespace}' below threshold", "notBreaching"),
        "Metrics": [
            stat("hits", "Hits"),
            stat("misses", "Misses"),
            # Periods with fewer reads than the minimum count as healthy: three misses are not an outage.
            {
                "Id": "ratio",
                "Expression": f"IF(hits + misses >= {low_traffic}, 100 * hits / (hits + misses), 100)",
                "Label": f"{namespace} hit ratio (%)",
                "ReturnData": True,
            },
        ],
        "ComparisonOperator": "LessThanThreshold",
        "Threshold": float(conf["HIT_RATIO_THRESHOLD"]),
    }
    return Alarm(settings.CACHE_METRICS_REGION, params)


def elasticache_alarms(cluster_id: str, replica: bool) -> list[Alarm]:
    """Return the alarms of one ElastiCache node (CacheClusterId, e.g. ``shopfront-redis-001``)."""
    conf = _conf()
    dims = {"CacheClusterId": cluster_id}
    ns = "AWS/ElastiCache"
    specs = [
        # Gets stop when traffic stops; no data is not a low hit rate.
        (
            "hit-rate",
            "ElastiCache CacheHitRate below threshold",
            "CacheHitRate",
            "Average",
            "LessThanThreshold",
            conf["ELASTICACHE_HIT_RATE_THRESHOLD"],
            "notBreaching",
        ),
        # Evictions are events: no data means none happened.
        (
            "evictions",
            "ElastiCache is evicting keys (memory full)",
            "Evictions",
            "Sum",
            "GreaterThanThreshold",
            conf["ELASTICACHE_EVICTIONS_THRESHOLD"],
            "notBreaching",
        ),
        # A gauge a live node always reports; a gap keeps the last state rather than guess either way.
        (
            "connections",
            "ElastiCache connection count high",
            "CurrConnections",
            "Maximum",
            "GreaterThanThreshold",
            conf["ELASTICACHE_CONNECTIONS_THRESHOLD"],
            "missing",
        ),
        (
            "engine-cpu",
            "ElastiCache Redis engine thread CPU high",
            "EngineCPUUtilization",
            "Average",
            "GreaterThanThreshold",
            conf["ELASTICACHE_ENGINE_CPU_THRESHOLD"],
            "missing",
        ),
        (
            "host-cpu",
            "ElastiCache host CPU high",
            "CPUUtilization",
            "Average",
            "GreaterThanThreshold",
            conf["ELASTICACHE_HOST_CPU_THRESHOLD"],
            "missing",
        ),
    ]
    if replica:
        # A replica always reports its lag; silence means it is gone or not replicating.
        specs.append(
            (
                "replication-lag",
                "ElastiCache replica lagging behind the primary",
                "ReplicationLag",
                "Maximum",
                "GreaterThanThreshold",
                conf["ELASTICACHE_REPLICATION_LAG_SECONDS"],
                "breaching",
            )
        )
    return [
        Alarm(
            settings.CACHE_METRICS_REGION,
            _metric_alarm(f"elasticache-{cluster_id}-{suffix}", desc, ns, metric, dims, stat, op, threshold, missing),
        )
        for suffix, desc, metric, stat, op, threshold, missing in specs
    ]


def cloudfront_alarms(distribution_id: str) -> list[Alarm]:
    """Return the CloudFront alarms; CacheHitRate needs the distribution's additional metrics."""
    conf = _conf()
    dims = {"DistributionId": distribution_id, "Region": "Global"}
    ns = "AWS/CloudFront"
    return [
        # No requests in a period means no errors.
        Alarm(
            CLOUDFRONT_REGION,
            _metric_alarm(
                f"cloudfront-{distribution_id}-5xx-rate",
                "CloudFront 5xx error rate high",
                ns,
                "5xxErrorRate",
                dims,
                "Average",
                "GreaterThanThreshold",
                conf["CLOUDFRONT_5XX_THRESHOLD"],
                "notBreaching",
            ),
        ),
        # Only published with the distribution's additional metrics subscription (paid); without
        # it there is no data, which must not page anyone.
        Alarm(
            CLOUDFRONT_REGION,
            _metric_alarm(
                f"cloudfront-{distribution_id}-hit-rate",
                "CloudFront CacheHitRate below threshold (needs additional metrics enabled)",
                ns,
                "CacheHitRate",
                dims,
                "Average",
                "LessThanThreshold",
                conf["CLOUDFRONT_HIT_RATE_THRESHOLD"],
                "notBreaching",
            ),
        ),
    ]


def all_alarms() -> list[Alarm]:
    """Return every alarm the settings call for."""
    conf = _conf()
    alarms = [hit_ratio_alarm(ns) for ns in conf["HIT_RATIO_NAMESPACES"]]
    for cluster_id in conf["ELASTICACHE_CLUSTER_IDS"]:
        alarms += elasticache_alarms(cluster_id, replica=False)
    for cluster_id in conf["ELASTICACHE_REPLICA_IDS"]:
        alarms += elasticache_alarms(cluster_id, replica=True)
    if conf["CLOUDFRONT_DISTRIBUTION_ID"]:
        alarms += cloudfront_alarms(conf["CLOUDFRONT_DISTRIBUTION_ID"])
    return alarms
