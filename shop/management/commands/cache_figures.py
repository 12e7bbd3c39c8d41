"""Measure the cache on the current catalog: SQL queries and Redis round trips per page, hit ratio."""

import random
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from redis.connection import Connection as RedisConnection

from catalog.models import Category, Product


def zipf_picker(n: int, s: float, rng: random.Random):
    weights = [1 / (rank**s) for rank in range(1, n + 1)]
    return lambda: rng.choices(range(n), weights=weights)[0]


@contextmanager
def counting_round_trips(sent: Counter) -> Iterator[None]:
    """Count redis-py's packed sends (each one request/reply exchange) while open; put redis-py back after."""
    real_send = RedisConnection.send_packed_command

    def counting_send(conn, command, check_health=True):
        sent["round_trips"] += 1
        return real_send(conn, command, check_health)

    RedisConnection.send_packed_command = counting_send
    try:
        yield
    finally:
        RedisConnection.send_packed_command = real_send


class Command(BaseCommand):
    help = "Replay a Zipf-skewed request mix in-process and report SQL queries, Redis round trips and hit ratio."

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=3000)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, requests, seed, **options):
        rng = random.Random(seed)
        slugs = list(Product.objects.filter(is_active=True).order_by("?").values_list("slug", flat=True))
        cats = list(Category.objects.values_list("slug", flat=True))
        words = ["oak", "linen", "lamp", "knife", "wool", "steel", "mug", "tote", "blanket", "planner"]
        pick_product, pick_cat = zipf_picker(len(slugs), 1.0, rng), zipf_picker(len(cats), 1.0, rng)

        def next_url() -> tuple[str, str]:
            r = rng.random()
            if r < 0.7:
                return "product", f"/products/{slugs[pick_product()]}/"
            if r < 0.9:
                sort = rng.choice(["newest", "price", "-price"])
                return "listing", f"/categories/{cats[pick_cat()]}/?sort={sort}&page={rng.choice([1, 1, 1, 2])}"
            return ("home", "/") if r < 0.95 else ("search", f"/search/?q={rng.choice(words)}")

        sent = Counter()
        client = Client(HTTP_HOST="127.0.0.1")
        per_kind = defaultdict(Counter)
        start = time.perf_counter()
        with counting_round_trips(sent):
            for i in range(requests):
                kind, url = next_url()
                before = sent["round_trips"]
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(url)
                commands = sent["round_trips"] - before
                if response.status_code == 404:
                    continue
                outcome = response.get("X-Cache", "NONE")
                phase = "warm" if i >= requests // 2 else "warmup"
                stats = per_kind[(phase, kind)]
                stats["requests"] += 1
                stats[outcome] += 1
                stats["sql"] += len(queries)
                stats["redis"] += commands
                if outcome == "HIT":
                    stats["sql_on_hit"] += len(queries)
                    stats["redis_on_hit"] += commands
        elapsed = time.perf_counter() - start
        self.stdout.write(f"{requests} requests in {elapsed:.1f}s, {len(slugs)} products, {len(cats)} categories")
        self.stdout.write("phase   kind     requests  hit%    SQL/req  Redis trips/req  SQL/hit  Redis trips/hit")
        total = Counter()
        for (phase, kind), s in sorted(per_kind.items()):
            n, hits = s["requests"], s["HIT"]
            if phase == "warm":
                total.update(s)
            self.stdout.write(
                f"{phase:<7} {kind:<8} {n:>8}  {100 * hits / n:5.1f}  {s['sql'] / n:8.2f}  {s['redis'] / n:14.2f}"
                f"  {s['sql_on_hit'] / max(hits, 1):7.2f}  {s['redis_on_hit'] / max(hits, 1):14.2f}"
            )
        self.stdout.write(f"second half hit ratio: {100 * total['HIT'] / max(total['requests'], 1):.1f}%")
