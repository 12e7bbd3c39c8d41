"""The VCL contract (deploy/varnish/shopfront.vcl) against a real varnishd and a stand-in origin.

TTL and grace are wall-clock rules: tests that need a copy past its TTL let the clock pass (``elapse``) with
windows generous on the side they assert, so a slow machine only makes copies older, never younger.
"""

import subprocess
import time

import pytest

from tests.support import wait_for

from .backend import PERSONAL, SHARED, request
from .conftest import VCL, varnishd_binary

pytestmark = pytest.mark.slow


def elapse(seconds: float) -> None:
    """Let ``seconds`` of wall-clock time pass (TTLs are defined by the clock, not by another process)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.05)


def until(edge, path: str, predicate, what: str):
    """Request ``path`` until ``predicate(response)`` holds; return that response."""

    def attempt():
        answer = request(edge.port, path)
        return answer if predicate(answer) else None

    return wait_for(attempt, 30, what, edge.varnish.log)


def purge(edge, tags: str, source: str | None = None):
    return request(edge.port, "/", method="PURGE", headers={"xkey-purge": tags}, source=source)


def test_shipped_vcl_compiles_and_names_the_make_run_backend(tmp_path):
    text = VCL.read_text()
    assert '.host = "127.0.0.1";' in text and '.port = "8000";' in text
    result = subprocess.run(
        [varnishd_binary(), "-C", "-f", str(VCL), "-n", str(tmp_path / "work")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_shareable_page_is_stored_and_served_from_the_edge(edge, unique):
    path = f"/products/{unique}/"
    edge.origin.page(path, tags=["tree", f"product:{unique}"])
    first = request(edge.port, path)
    second = request(edge.port, path)
    assert (first.status, first.cache, second.cache) == (200, "MISS", "HIT")
    assert second.body == first.body == f"{path} v1 cookie=-"
    assert edge.origin.pages[path].served == 1
    assert int(second.headers["Age"]) >= 0
    assert second.headers["Cache-Control"] == SHARED  # passed on as the origin wrote it


@pytest.mark.parametrize(
    "cache_control, extra",
    [
        (PERSONAL, {}),
        ("private, max-age=0, s-maxage=60", {}),
        ("public, max-age=60", {}),  # no s-maxage: the origin did not say the edge may keep it
        ("public, s-maxage=60, no-cache", {}),
        ("public, s-maxage=0", {}),
        ("public, s-maxage=60", {"Vary": "Accept-Encoding, Cookie"}),
    ],
)
def test_responses_not_marked_shareable_are_never_stored(edge, unique, cache_control, extra):
    path = f"/products/{unique}/"
    edge.origin.page(path, cache_control=cache_control, headers=extra, tags=[f"product:{unique}"])
    answers = [request(edge.port, path) for _ in range(2)]
    assert [a.cache for a in answers] == ["PASS", "PASS"]
    assert [a.body for a in answers] == [f"{path} v1 cookie=-", f"{path} v2 cookie=-"]


def test_set_cookie_response_on_a_shared_path_is_neither_stored_nor_passed_on(edge, unique):
    path = f"/products/{unique}/"
    edge.origin.page(path, headers={"Set-Cookie": "sessionid=fresh; Path=/"})
    answers = [request(edge.port, path, headers={"Cookie": "sessionid=mine"}) for _ in range(2)]
    assert edge.origin.pages[path].served == 2
    for answer in answers:
        assert answer.cache == "PASS"
        assert "Set-Cookie" not in answer.headers  # it would replace the visitor's own session
        assert answer.headers["X-Edge-Set-Cookie"] == "dropped"


def test_cookies_are_stripped_on_shared_paths_and_left_out_of_the_key(edge, unique):
    path = f"/categories/{unique}/?sort=price&page=2"
    edge.origin.page(path)
    alice = request(edge.port, path, headers={"Cookie": "sessionid=alice; csrftoken=a"})
    bob = request(edge.port, path, headers={"Cookie": "sessionid=bob"})
    anonymous = request(edge.port, path)
    assert (alice.cache, bob.cache, anonymous.cache) == ("MISS", "HIT", "HIT")
    assert alice.body == bob.body == f"{path} v1 cookie=-"
    assert [headers.get("Cookie") for _, headers in edge.origin.requests_for(path)] == [None]


def test_key_is_host_path_and_query(edge, unique):
    base = f"/search/{unique}/"
    for path in (f"{base}?q=knife", f"{base}?q=pan"):
        edge.origin.page(path)
    assert request(edge.port, f"{base}?q=knife").cache == "MISS"
    assert request(edge.port, f"{base}?q=pan").cache == "MISS"
    assert request(edge.port, f"{base}?q=knife").cache == "HIT"
    assert request(edge.port, f"{base}?q=knife", headers={"Host": "other.test"}).cache == "MISS"


@pytest.mark.parametrize(
    "prefix",
    [
        *("/cart/", "/checkout/", "/accounts/", "/orders/", "/admin/", "/visitor/", "/healthz", "/readyz"),
        *("/api/v1/cart/", "/api/v1/checkout/", "/api/v1/orders/", "/api/v1/auth/"),
    ],
)
def test_never_cached_paths_pass_with_their_cookies(edge, unique, prefix):
    path = f"{prefix}{unique}/" if prefix.endswith("/") else f"{prefix}?{unique}"
    # Even an origin that wrongly marks such a page shareable does not get it stored.
    edge.origin.page(path, tags=["tree"])
    answers = [request(edge.port, path, headers={"Cookie": "sessionid=alice"}) for _ in range(2)]
    assert [a.cache for a in answers] == ["PASS", "PASS"]
    assert [h.get("Cookie") for _, h in edge.origin.requests_for(path)] == ["sessionid=alice"] * 2


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_writes_on_any_path_pass_with_their_cookies(edge, unique, method):
    path = f"/products/{unique}/"
    edge.origin.page(path)
    answer = request(edge.port, path, method=method, headers={"Cookie": "csrftoken=t"}, body=b"x=1")
    assert (answer.status, answer.cache) == (200, "PASS")
    assert edge.origin.requests_for(path) == [(method, edge.origin.requests_for(path)[0][1])]
    assert edge.origin.requests_for(path)[0][1]["Cookie"] == "csrftoken=t"


def test_authorization_passes(edge, unique):
    path = f"/products/{unique}/"
    edge.origin.page(path)
    answers = [request(edge.port, path, headers={"Authorization": "Basic eDp5"}) for _ in range(2)]
    assert [a.cache for a in answers] == ["PASS", "PASS"]


def test_tag_header_is_never_shown_to_clients(edge, unique):
    shared, personal = f"/products/{unique}/", f"/cart/{unique}/"
    edge.origin.page(shared, tags=["tree", f"product:{unique}"])
    edge.origin.page(personal, cache_control=PERSONAL, tags=["tree"])
    for answer in (request(edge.port, shared), request(edge.port, shared), request(edge.port, personal)):
        assert answer.status == 200
        assert not {"cache-tag", "xkey", "x-edge-swr"} & {name.lower() for name in answer.headers}


def test_purge_by_tag_removes_exactly_the_tagged_objects(edge, unique):
    pages = {
        f"/products/a-{unique}/": [f"product:a-{unique}", f"card:{unique}"],
        f"/categories/{unique}/": [f"card:{unique}", f"category:{unique}"],
        f"/products/b-{unique}/": [f"product:b-{unique}"],
        f"/search/{unique}/": [f"search-{unique}"],
    }
    for path, tags in pages.items():
        edge.origin.page(path, tags=tags)
        assert request(edge.port, path).cache == "MISS"

    answer = purge(edge, f"card:{unique} search-{unique}")

    assert (answer.status, answer.headers["X-Edge-Purged"]) == (200, "3")
    after = {path: request(edge.port, path) for path in pages}
    assert {path: a.cache for path, a in after.items()} == {
        f"/products/a-{unique}/": "MISS",
        f"/categories/{unique}/": "MISS",
        f"/products/b-{unique}/": "HIT",
        f"/search/{unique}/": "MISS",
    }
    assert after[f"/products/a-{unique}/"].body.startswith(f"/products/a-{unique}/ v2")


def test_purge_from_outside_the_acl_is_refused(edge, unique):
    path = f"/products/{unique}/"
    edge.origin.page(path, tags=[f"product:{unique}"])
    request(edge.port, path)
    refused = purge(edge, f"product:{unique}", source="127.0.0.2")
    assert refused.status == 403
    assert request(edge.port, path).cache == "HIT"
    assert request(edge.port, "/", method="PURGE").status == 400  # from the ACL, but no tags


def test_past_its_ttl_a_copy_is_served_stale_while_one_background_fetch_refreshes_it(edge, unique):
    path = f"/products/{unique}/"
    edge.origin.page(path, cache_control="public, max-age=0, s-maxage=1, stale-while-revalidate=60")
    assert request(edge.port, path).body.startswith(f"{path} v1")
    stale = until(edge, path, lambda a: a.cache == "STALE", "a stale copy")
    assert stale.body.startswith(f"{path} v1")
    fresh = until(edge, path, lambda a: a.body.startswith(f"{path} v2"), "the refreshed copy")
    assert fresh.cache == "HIT"


def test_past_stale_while_revalidate_a_healthy_origin_is_asked_before_answering(edge, unique):
    path = f"/products/{unique}/"
    edge.origin.page(path, cache_control="public, s-maxage=1, stale-while-revalidate=1, stale-if-error=600")
    request(edge.port, path)
    elapse(2.5)
    answer = request(edge.port, path)
    assert (answer.cache, answer.body) == ("MISS", f"{path} v2 cookie=-")


def test_stale_copy_is_served_while_the_origin_is_down_within_stale_if_error(own_edge, unique):
    path = f"/products/{unique}/"
    own_edge.origin.page(path, cache_control="public, max-age=0, s-maxage=1, stale-if-error=600")
    request(own_edge.port, path)
    own_edge.origin.stop()
    elapse(1.5)
    # Asked at once, before the health probe notices the origin is gone: the failed refresh falls back.
    answer = request(own_edge.port, path)
    assert (answer.status, answer.cache, answer.body) == (200, "STALE", f"{path} v1 cookie=-")


def test_stale_copy_is_served_while_the_origin_answers_5xx(edge, unique):
    path = f"/products/{unique}/"
    page = edge.origin.page(path, cache_control="public, max-age=0, s-maxage=1, stale-if-error=600")
    request(edge.port, path)
    page.status, page.cache_control = 503, PERSONAL
    elapse(1.5)
    answer = request(edge.port, path)
    assert (answer.status, answer.cache, answer.body) == (200, "STALE", f"{path} v1 cookie=-")
    assert page.served >= 2  # the refresh was tried (and a background one may follow)


def test_past_stale_if_error_the_origins_error_is_passed_on(own_edge, unique):
    path = f"/products/{unique}/"
    own_edge.origin.page(path, cache_control="public, max-age=0, s-maxage=1, stale-if-error=1")
    request(own_edge.port, path)
    own_edge.origin.stop()
    elapse(2.5)
    assert request(own_edge.port, path).status == 503


def test_purged_page_is_never_served_stale_even_with_the_origin_down(own_edge, unique):
    path = f"/products/{unique}/"
    own_edge.origin.page(path, cache_control="public, max-age=0, s-maxage=60, stale-if-error=600", tags=["x"])
    request(own_edge.port, path)
    assert purge(own_edge, "x").headers["X-Edge-Purged"] == "1"
    own_edge.origin.stop()
    answer = request(own_edge.port, path)
    assert answer.status == 503 and f"{path} v1" not in answer.body
