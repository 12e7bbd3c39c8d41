"""Open-loop checkout generator: real shoppers placing orders over HTTP beside wrk's read mix (issue 11).

``python -m bench.orders <plan.json>`` (no Django; run by bench/orders_rounds.py, pinned to the load core)
prints one JSON line. Each order is a new shopper with its own connection and cookie jar: GET the product
page, take the CSRF token (cookie, else the page's form, else /visitor/ or /cart/), POST /cart/add/ (quantity
1 or 2), GET /checkout/ for the form's checkout_token, POST /checkout/; a 302 to /orders/<pk>/ is a placed
order, a 409 (sold out, price changed) a conflict, anything else a failure. Orders start on a fixed schedule
(open loop: a slow server does not slow the arrivals), so latency is measured from the scheduled start too.
"""

import http.client
import json
import random
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode, urlsplit

from bench.workload import Zipf

CSRF_COOKIE = "csrftoken"
TOKEN_RES = [
    re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"'),
    re.compile(r'<meta name="csrf-token" content="([^"]+)"'),
    re.compile(r'"csrf[_-]?token"\s*:\s*"([^"]+)"', re.IGNORECASE),
]
CHECKOUT_TOKEN_RE = re.compile(r'name="checkout_token" value="([^"]+)"')
CONTACT = {"full_name": "Bench Shopper", "address": "1 Load Street", "city": "Lyon", "postal_code": "69001"}


def schedule(rate: float, seconds: float, arrivals: str = "uniform", seed: int = 0) -> list[float]:
    """Return the start offsets (s) of the orders: every 1/rate s, or a seeded Poisson process of that rate."""
    if rate <= 0:
        return []
    if arrivals == "uniform":
        return [i / rate for i in range(int(rate * seconds))]
    rng, out, t = random.Random(seed), [], 0.0
    while True:
        t += rng.expovariate(rate)
        if t >= seconds:
            return out
        out.append(t)


class InStockPicker:
    """Draw product ids by Zipf(s) popularity rank, over the products that are in stock only."""

    def __init__(self, ranked_ids: Sequence[int], stock: dict[int, int], s: float, rng: random.Random) -> None:
        self.ids = [pk for pk in ranked_ids if stock.get(pk, 0) > 0]
        if not self.ids:
            raise ValueError("no product in stock")
        self.zipf = Zipf(len(self.ids), s, rng)

    def __call__(self) -> int:
        return self.ids[self.zipf()]


def percentile(values: Sequence[float], p: float) -> float | None:
    """Return the nearest-rank ``p``-th percentile (0 < p <= 100), None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil(n * p / 100)
    return ordered[int(rank) - 1]


class Shopper:
    """One visitor: a keep-alive connection and a cookie jar."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=15)
        self.jar: dict[str, str] = {}
        self.token = ""

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, dict, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.jar.items())} if self.jar else {}
        body = None
        if form is not None:
            body = urlencode(form)
            headers |= {"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": self.token}
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            if value and "max-age=0" not in cookie.lower():
                self.jar[name.strip()] = value.strip()
            else:
                self.jar.pop(name.strip(), None)
        return response.status, dict(response.headers), text

    def find_token(self, text: str) -> str:
        if self.jar.get(CSRF_COOKIE):
            return self.jar[CSRF_COOKIE]
        for pattern in TOKEN_RES:
            found = pattern.search(text)
            if found:
                return found.group(1)
        return ""

    def close(self) -> None:
        self.conn.close()


def place_order(base: str, slug: str, product_id: int, quantity: int, n: int) -> dict:
    """Run one shopper's order; return its outcome and the checkout POST's latency."""
    shopper = Shopper(base)
    try:
        status, _, text = shopper.request("GET", f"/products/{slug}/")
        if status != 200:
            return {"outcome": "failed", "reason": f"product page {status}"}
        shopper.token = shopper.find_token(text)
        for path in ("/visitor/", "/cart/"):  # shared pages may carry no token (issue 12)
            if shopper.token:
                break
            _, _, text = shopper.request("GET", path)
            shopper.token = shopper.find_token(text)
        form = {"product_id": product_id, "quantity": quantity, "csrfmiddlewaretoken": shopper.token}
        status, _, _ = shopper.request("POST", "/cart/add/", form)
        if status not in (200, 302, 303):
            return {"outcome": "conflict" if status == 409 else "failed", "reason": f"cart add {status}"}
        status, _, text = shopper.request("GET", "/checkout/")
        found = CHECKOUT_TOKEN_RE.search(text)
        if status != 200 or not found:
            return {"outcome": "failed", "reason": f"checkout form {status}"}
        shopper.token = shopper.find_token(text) or shopper.token
        form = CONTACT | {"email": f"bench{n}@example.com", "country": "France", "checkout_token": found.group(1)}
        t0 = time.perf_counter()
        status, headers, _ = shopper.request("POST", "/checkout/", form | {"csrfmiddlewaretoken": shopper.token})
        checkout_ms = (time.perf_counter() - t0) * 1000
        if status == 302 and "/orders/" in headers.get("Location", ""):
            return {"outcome": "placed", "checkout_ms": checkout_ms}
        if status == 409:
            return {"outcome": "conflict", "reason": "checkout 409", "checkout_ms": checkout_ms}
        return {"outcome": "failed", "reason": f"checkout {status}", "checkout_ms": checkout_ms}
    except (OSError, http.client.HTTPException) as exc:
        return {"outcome": "failed", "reason": type(exc).__name__}
    finally:
        shopper.close()


def summarize(outcomes: Sequence[dict], scheduled: int, seconds: float) -> dict:
    """Return the round's order figures: counts by outcome, latencies (ms) and the schedule's lag."""
    by = Counter(o["outcome"] for o in outcomes)
    checkout = [o["checkout_ms"] for o in outcomes if o["outcome"] == "placed"]
    flow = [o["flow_ms"] for o in outcomes if o["outcome"] == "placed" and "flow_ms" in o]
    lag = [o["lag_ms"] for o in outcomes if "lag_ms" in o]
    return {
        "scheduled": scheduled,
        "placed": by["placed"],
        "conflicts": by["conflict"],
        "failed": by["failed"] + scheduled - len(outcomes),
        "reasons": dict(Counter(o["reason"] for o in outcomes if "reason" in o)),
        "orders_per_s": by["placed"] / seconds if seconds else 0.0,
        "checkout_p50_ms": percentile(checkout, 50),
        "checkout_p99_ms": percentile(checkout, 99),
        "flow_p50_ms": percentile(flow, 50),
        "flow_p99_ms": percentile(flow, 99),
        "start_lag_max_ms": max(lag) if lag else None,
        "checkout_ms": [round(v, 1) for v in checkout],
    }


def run(plan: dict) -> dict:
    """Place the plan's orders on schedule from a thread pool; wait for the last one (bounded)."""
    rng = random.Random(plan.get("seed", 0))
    pick = InStockPicker(plan["ranked_ids"], {int(k): v for k, v in plan["stock"].items()}, plan["zipf_s"], rng)
    slugs = {int(k): v for k, v in plan["slugs"].items()}
    offsets = schedule(plan["rate"], plan["seconds"], plan.get("arrivals", "uniform"), plan.get("seed", 0))
    jobs = [(t, pick(), rng.choice([1, 2])) for t in offsets]
    outcomes: list[dict] = []
    lock = threading.Lock()
    start = plan["start_at"]

    def one(n: int, offset: float, pk: int, quantity: int) -> None:
        began = time.time()
        result = place_order(plan["url"], slugs[pk], pk, quantity, n)
        result |= {"lag_ms": (began - start - offset) * 1000, "flow_ms": (time.time() - start - offset) * 1000}
        with lock:
            outcomes.append(result)

    pool = ThreadPoolExecutor(max_workers=plan.get("threads", 16))
    for n, (offset, pk, quantity) in enumerate(jobs):
        time.sleep(max(0.0, start + offset - time.time()))
        pool.submit(one, n, offset, pk, quantity)
    pool.shutdown(wait=True, cancel_futures=False)
    return summarize(outcomes, len(jobs), plan["seconds"])


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        print("ORDERSJSON " + json.dumps(run(json.load(f))), flush=True)
