"""Staff cache panel: hit ratios over the last hour, Redis INFO, CDN budget and per-product purges."""

import logging
import time

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from cdn import selectors as cdn_selectors
from shop.cache import clients, store

from . import metrics

logger = logging.getLogger(__name__)

CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 640, 200, 30
COLORS = ["#2f6fdf", "#d9534f", "#5cb85c", "#f0ad4e", "#8e44ad", "#16a085", "#7f8c8d", "#c0392b"]
WINDOW_SECONDS = 3600


class PurgeForm(forms.Form):
    slug = forms.SlugField(label="Product slug", max_length=200)


def chart(snapshots: list[dict], now: float) -> dict:
    """Return an SVG-ready hit ratio series per namespace over the last hour."""
    width, height, pad = CHART_WIDTH, CHART_HEIGHT, CHART_PAD
    start = now - WINDOW_SECONDS
    points: dict[str, list[tuple[float, float]]] = {}
    for snap in snapshots:
        if snap["ts"] < start:
            continue
        x = pad + (snap["ts"] - start) / WINDOW_SECONDS * (width - 2 * pad)
        for ns, (hits, misses) in snap["counts"].items():
            if hits + misses:
                ratio = 100.0 * hits / (hits + misses)
                points.setdefault(ns, []).append((x, ratio))
    series = []
    for i, (ns, pts) in enumerate(sorted(points.items())):
        coords = " ".join(f"{x:.1f},{pad + (100 - r) / 100 * (height - 2 * pad):.1f}" for x, r in pts)
        series.append({"namespace": ns, "color": COLORS[i % len(COLORS)], "points": coords, "last": pts[-1][1]})
    grid = [{"label": v, "y": pad + (100 - v) / 100 * (height - 2 * pad)} for v in (0, 25, 50, 75, 100)]
    return {"width": width, "height": height, "pad": pad, "right": width - pad, "series": series, "grid": grid}


def redis_info() -> dict:
    """Return the memory, key and eviction figures of the cache's Redis (summed over a cluster's primaries)."""
    try:
        infos = [node.info() for node in clients.primaries(store.client())]
    except clients.ERRORS as exc:
        return {"error": type(exc).__name__}

    def joined(name: str) -> str | None:
        return " / ".join(str(info.get(name)) for info in infos) if infos[0].get(name) is not None else None

    def total(name: str) -> int | None:
        return sum(info.get(name) or 0 for info in infos) if infos[0].get(name) is not None else None

    keyspace: dict[str, int] = {}
    for info in infos:
        for db, value in info.items():
            if db.startswith("db") and isinstance(value, dict):
                keyspace[db] = keyspace.get(db, 0) + value.get("keys", 0)
    return {
        "used_memory": joined("used_memory_human"),
        "peak_memory": joined("used_memory_peak_human"),
        "maxmemory": joined("maxmemory_human"),
        "policy": infos[0].get("maxmemory_policy"),
        "evicted_keys": total("evicted_keys"),
        "expired_keys": total("expired_keys"),
        "keyspace_hits": total("keyspace_hits"),
        "keyspace_misses": total("keyspace_misses"),
        "clients": total("connected_clients"),
        "keys": keyspace,
    }


def cdn_context() -> dict:
    """Return the CDN budget and recent invalidations."""
    return {
        "paths_used": cdn_selectors.paths_used_this_month(),
        "invalidations": list(cdn_selectors.recent_invalidations()),
    }


def _history() -> list[dict]:
    try:
        return metrics.history(store.client())
    except clients.ERRORS:
        return []


@staff_member_required
@require_http_methods(["GET", "POST"])
def cache_panel(request):
    form = PurgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _purge(request, form.cleaned_data["slug"], cdn="purge_cdn" in request.POST)
        return redirect("cache_panel")
    context = {
        **admin.site.each_context(request),
        "title": "Cache",
        "chart": chart(_history(), time.time()),
        "redis": redis_info(),
        "cdn": cdn_context(),
        "form": form,
    }
    return render(request, "admin/cache_panel.html", context)


def _purge(request, slug: str, cdn: bool) -> None:
    from catalog import services as catalog_services
    from catalog.models import Product

    products = Product.objects.filter(slug=slug)
    if not products.exists():
        messages.error(request, f"No product with slug “{slug}”.")
        return
    if cdn:
        _purge_cdn(request, slug)
        return
    catalog_services.products_cache_purge(products=products)
    messages.success(request, f"Cache of “{slug}” purged (and every list showing it).")


def _purge_cdn(request, slug: str) -> None:
    from catalog import services
    from catalog.models import Product

    # The paths are sent once this commits, coalesced with other purges.
    queued = services.products_purge_from_cdn(products=Product.objects.filter(slug=slug))
    if queued:
        messages.success(request, f"CloudFront invalidation of {queued} path(s) of “{slug}” queued.")
    else:
        messages.warning(request, f"Nothing to invalidate for “{slug}” (no images, or no distribution configured).")
