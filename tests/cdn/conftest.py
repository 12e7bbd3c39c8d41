"""CDN test helpers over the shared ``aws`` fixture (tests/conftest.py: moto's S3 + CloudFront)."""

import io
from types import SimpleNamespace

import pytest
from PIL import Image

from tests.conftest import CDN_DOMAIN  # noqa: F401 (re-exported for the tests here)


def invalidations(aws) -> list[dict]:
    """Return every invalidation moto holds for the test's distribution, with its paths."""
    summaries = aws.cloudfront.list_invalidations(DistributionId=aws.distribution)["InvalidationList"]
    out = []
    for item in summaries.get("Items", []):
        got = aws.cloudfront.get_invalidation(DistributionId=aws.distribution, Id=item["Id"])["Invalidation"]
        out.append(got)
    return out


def jpeg(color: str = "teal", size: int = 1200) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buf, "JPEG")
    return buf.getvalue()


@pytest.fixture
def captured(monkeypatch):
    """Collect the CDN tasks callers send, instead of the broker (test_worker.py covers the real one).

    ``run()`` executes them in order in this process with Celery's ``apply`` (retries included).
    """
    from cdn import tasks

    sent: list[tuple] = []

    def capture(task):
        def apply_async(args=None, kwargs=None, **options):
            sent.append((task, list(args or []), options))

        return apply_async

    for task in (tasks.flush_paths, tasks.submit_invalidation, tasks.flush_edge, tasks.purge_edge_tags):
        monkeypatch.setattr(task, "apply_async", capture(task))

    def run() -> None:
        while sent:
            task, args, _ = sent.pop(0)
            task.apply(args=args)

    return SimpleNamespace(sent=sent, run=run)
