"""Create or update the cache's CloudWatch alarms."""

import json

from django.core.management.base import BaseCommand

from shop.observability import alarms, aws


class Command(BaseCommand):
    help = (
        "Create or update (PutMetricAlarm overwrites by name) the CloudWatch alarms on the application's "
        "cache hit ratio, ElastiCache (CacheHitRate, Evictions, CurrConnections, EngineCPUUtilization, "
        "CPUUtilization, ReplicationLag) and CloudFront (5xxErrorRate, CacheHitRate). CloudFront's "
        "CacheHitRate exists only when the distribution's additional metrics subscription is enabled."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="print the alarms as JSON; create nothing")

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        wanted = alarms.all_alarms()
        if dry_run:
            self.stdout.write(json.dumps([{"Region": a.region, **a.params} for a in wanted], indent=2))
            return
        clients = {}
        for alarm in wanted:
            if alarm.region not in clients:
                clients[alarm.region] = aws.cloudwatch(alarm.region)
            clients[alarm.region].put_metric_alarm(**alarm.params)
            self.stdout.write(f"{alarm.region} {alarm.name}")
        self.stdout.write(self.style.SUCCESS(f"{len(wanted)} alarms created or updated"))
