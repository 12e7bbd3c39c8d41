"""The request mix: Zipf-ranked product pages, category listings, home and search, anonymous or logged in."""

import bisect
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass

SORTS = ["newest", "price", "-price", "name"]
# Page 1 of a listing is the one most visitors see; deeper pages exist for every category here.
PAGES = [1, 1, 1, 2, 3]
SEARCH_WORDS = ["oak", "linen", "lamp", "knife", "wool", "steel", "mug", "tote", "blanket", "planner", "copper"]
MIX = {"product": 0.70, "listing": 0.20, "home": 0.05, "search": 0.05}


@dataclass(frozen=True)
class Request:
    kind: str
    path: str
    logged_in: bool


class Zipf:
    """Draw ranks 0..n-1 with P(rank k) proportional to 1 / (k + 1) ** s."""

    def __init__(self, n: int, s: float, rng: random.Random) -> None:
        self.cum = list(itertools.accumulate(1 / (k + 1) ** s for k in range(n)))
        self.rng = rng

    def __call__(self) -> int:
        return bisect.bisect_left(self.cum, self.rng.random() * self.cum[-1])


def build(
    *,
    product_slugs: Sequence[str],
    category_slugs: Sequence[str],
    n: int,
    seed: int = 7,
    zipf_s: float = 1.0,
    logged_in_share: float = 0.2,
    mix: dict[str, float] = MIX,
) -> list[Request]:
    """Return ``n`` requests; popularity ranks are a seeded shuffle of the slugs (not their database order)."""
    rng = random.Random(seed)
    products = list(product_slugs)
    categories = list(category_slugs)
    rng.shuffle(products)
    rng.shuffle(categories)
    pick_product, pick_category = Zipf(len(products), zipf_s, rng), Zipf(len(categories), zipf_s, rng)
    kinds, weights = list(mix), list(itertools.accumulate(mix.values()))
    out = []
    for _ in range(n):
        kind = kinds[min(bisect.bisect_right(weights, rng.random() * weights[-1]), len(kinds) - 1)]
        if kind == "product":
            path = f"/products/{products[pick_product()]}/"
        elif kind == "listing":
            path = f"/categories/{categories[pick_category()]}/?sort={rng.choice(SORTS)}&page={rng.choice(PAGES)}"
        elif kind == "home":
            path = "/"
        else:
            path = f"/search/?q={rng.choice(SEARCH_WORDS)}"
        out.append(Request(kind, path, rng.random() < logged_in_share))
    return out


def ranked(slugs: Sequence[str], seed: int = 7) -> list[str]:
    """Return ``slugs`` most popular first: the ranks ``build`` draws from with the same seed."""
    out = list(slugs)
    random.Random(seed).shuffle(out)
    return out


def floor_requests(requests: Sequence[Request], path: str) -> list[Request]:
    """Return the same requests (same logged-in share) all aimed at the floor view."""
    return [Request("floor", path, r.logged_in) for r in requests]


def slug_of(request: Request) -> str:
    """Return the product slug of a product-page request."""
    return request.path.split("/")[2]


def retarget(requests: Sequence[Request], pattern: str, kind: str) -> list[Request]:
    """Return the product-page requests aimed at ``pattern`` (``{slug}`` filled in), e.g. the API's detail."""
    return [Request(kind, pattern.format(slug=slug_of(r)), r.logged_in) for r in requests]


def write(requests: Sequence[Request], filename: str, etags: dict[str, str] | None = None) -> None:
    """Write one ``<path>\\t<0|1 logged in>[\\t<ETag>]`` line per request, for bench/mix.lua."""
    with open(filename, "w") as f:
        for r in requests:
            etag = (etags or {}).get(r.path)
            f.write(f"{r.path}\t{int(r.logged_in)}" + (f"\t{etag}" if etag else "") + "\n")
