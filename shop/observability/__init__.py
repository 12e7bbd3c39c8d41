"""Cache observability: CloudWatch metrics and alarms, the staff cache panel, access logs."""
