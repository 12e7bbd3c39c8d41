"""Create the bucket and a CloudFront distribution on moto's server for the local full stack."""

import json
import uuid

import boto3
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Create an S3 bucket and a CloudFront distribution at AWS_ENDPOINT_URL (moto_server); print the env."

    def add_arguments(self, parser):
        parser.add_argument("--bucket", default="shopfront-media")

    def handle(self, *args, bucket: str, **options):
        endpoint = settings.AWS_ENDPOINT_URL
        if not endpoint:
            raise CommandError("Set AWS_ENDPOINT_URL (e.g. http://127.0.0.1:5000): this command never targets AWS.")
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
        existing = {b["Name"] for b in s3.list_buckets().get("Buckets", [])}
        if bucket not in existing:
            s3.create_bucket(Bucket=bucket)
        # Locally the browser reads moto directly, standing in for CloudFront; in AWS the bucket stays private
        # and only the distribution (Origin Access Control) may read it.
        statement = {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/*",
        }
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
        cloudfront = boto3.client("cloudfront", endpoint_url=endpoint, region_name="us-east-1")
        origin = {"Id": "s3", "DomainName": f"{bucket}.s3.us-east-1.amazonaws.com"}
        origin["S3OriginConfig"] = {"OriginAccessIdentity": ""}  # Origin Access Control, as in production
        config = {
            "CallerReference": uuid.uuid4().hex,
            "Comment": "shopfront local stack",
            "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [origin]},
            "DefaultCacheBehavior": {"TargetOriginId": "s3", "ViewerProtocolPolicy": "redirect-to-https"},
        }
        distribution = cloudfront.create_distribution(DistributionConfig=config)["Distribution"]["Id"]
        host = endpoint.split("://", 1)[-1].rstrip("/")
        self.stdout.write(f"export AWS_STORAGE_BUCKET_NAME={bucket}")
        self.stdout.write(f"export AWS_S3_CUSTOM_DOMAIN={host}/{bucket}")
        self.stdout.write(f"export CLOUDFRONT_DISTRIBUTION_ID={distribution}")
