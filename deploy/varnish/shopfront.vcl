#
# Shopfront's local edge: Varnish 7.1 with xkey (Debian: varnish, varnish-modules). `make edge` runs it on
# 127.0.0.1:8080 in front of `make run` (127.0.0.1:8000). CloudFront implements the same contract in
# production (deploy/template.yaml); docs/edge.md describes both.
#
# Contract
#   Never cached, passed with every cookie and header: every method but GET/HEAD; the paths /cart/,
#     /checkout/, /accounts/, /orders/, /admin/, /visitor/, the API's /api/v1/cart/, /api/v1/checkout/,
#     /api/v1/orders/, /api/v1/auth/ (and below), /healthz, /readyz; requests with Authorization.
#   Shared paths (everything else, GET/HEAD): the Cookie header is removed before lookup, so the origin
#     never sees who asks and cannot personalise what is stored. Cache key: host + path + query.
#   Stored: only responses with Cache-Control "public" and "s-maxage", without private/no-store/no-cache,
#     Set-Cookie or Vary: Cookie. A Set-Cookie on a shared path would overwrite the visitor's cookies from a
#     request that carried none: it is dropped (X-Edge-Set-Cookie: dropped) and the response not stored.
#   TTL = s-maxage (minus the origin's Age). Past it, the copy is served:
#     - for stale-while-revalidate seconds, while one background fetch refreshes it;
#     - for stale-if-error seconds, when the origin is down, answers 5xx or a refresh fails.
#     Beyond stale-while-revalidate with a healthy origin, the client waits for a fresh copy.
#   Tags: the origin's Cache-Tag header (comma-separated) becomes the object's xkey set.
#   Purge: "PURGE /" with "xkey-purge: <tag> <tag> ..." (space-separated), from 127.0.0.1/::1 only,
#     answered 200 with X-Edge-Purged: <objects removed>; others get 403, a PURGE without tags 400.
#     It is a hard purge: a purged object is gone, never served stale, even with the origin down.
#   Clients never see Cache-Tag or xkey. X-Edge-Cache tells what the edge did: HIT (fresh copy), STALE
#     (copy past its TTL), MISS (fetched, stored), PASS (fetched, not stored). Age is kept.
#
# The backend below is the one `make run` serves; tests substitute their own port in a copy of this file.

vcl 4.1;

import std;
import xkey;

backend default {
    .host = "127.0.0.1";
    .port = "8000";
    .connect_timeout = 1s;
    .first_byte_timeout = 15s;
    .between_bytes_timeout = 10s;
    # Sick after three failed probes in a row (15 s): stale copies are then served without trying it.
    .probe = {
        .url = "/healthz";
        .interval = 5s;
        .timeout = 2s;
        .window = 3;
        .threshold = 1;
        .initial = 1;
    }
}

acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    call vcl_req_host;
    if (req.restarts == 0) {
        # Internal markers: never taken from a client.
        unset req.http.X-Edge-Stale;
        unset req.http.X-Edge-Cache;
        unset req.http.X-Edge-Purged;
    }
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (!req.http.xkey-purge) {
            return (synth(400, "xkey-purge header required"));
        }
        set req.http.X-Edge-Purged = xkey.purge(req.http.xkey-purge);
        return (synth(200, "Purged"));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.url ~ "^/(cart|checkout|accounts|orders|admin|visitor)(/|\?|$)" ||
        req.url ~ "^/api/v1/(cart|checkout|orders|auth)(/|\?|$)" ||
        req.url ~ "^/(healthz|readyz)(\?|$)" ||
        req.http.Authorization) {
        return (pass);
    }
    unset req.http.Cookie;
    if (req.http.X-Edge-Stale == "refresh") {
        # Second pass of a copy past stale-while-revalidate: look it up as a miss and fetch in the foreground.
        set req.grace = 0s;
    } elsif (req.http.X-Edge-Stale == "error") {
        # Third pass, that fetch failed: the object's own grace again (a restart keeps req.grace).
        set req.grace = 3650d;
    }
    return (hash);
}

sub vcl_hash {
    hash_data(req.url);
    if (req.http.host) {
        hash_data(req.http.host);
    } else {
        hash_data(server.ip);
    }
    return (lookup);
}

sub vcl_hit {
    if (obj.ttl >= 0s) {
        set req.http.X-Edge-Cache = "HIT";
        return (deliver);
    }
    set req.http.X-Edge-Cache = "STALE";
    # Each branch that delivers a stale copy also starts one background refresh.
    if (req.http.X-Edge-Stale == "error") {
        return (deliver);
    }
    if (obj.ttl + std.duration(obj.http.X-Edge-SWR + "s", 0s) >= 0s) {
        return (deliver);
    }
    if (!std.healthy(req.backend_hint)) {
        return (deliver);
    }
    # Grace is max(swr, sie); past swr a healthy origin is asked first, and the copy kept for its failure.
    set req.http.X-Edge-Stale = "refresh";
    return (restart);
}

sub vcl_miss {
    set req.http.X-Edge-Cache = "MISS";
}

sub vcl_pass {
    set req.http.X-Edge-Cache = "PASS";
}

sub vcl_backend_fetch {
    unset bereq.http.X-Edge-Cache;
}

sub vcl_backend_response {
    # A failed refresh keeps the stale copy: abandoning does not replace it.
    if (beresp.status >= 500 && (bereq.is_bgfetch || bereq.http.X-Edge-Stale == "refresh")) {
        return (abandon);
    }
    if (bereq.uncacheable) {
        return (deliver);
    }
    if (beresp.http.Set-Cookie) {
        unset beresp.http.Set-Cookie;
        set beresp.http.X-Edge-Set-Cookie = "dropped";
        call edge_dont_store;
    }
    if (beresp.http.Cache-Control !~ "(?i)(^|[,\s])public([,\s]|$)" ||
        beresp.http.Cache-Control !~ "(?i)(^|[,\s])s-maxage=[0-9]+" ||
        beresp.http.Cache-Control ~ "(?i)(^|[,\s])(private|no-store|no-cache)([,=\s]|$)" ||
        beresp.http.Vary ~ "(?i)(^|[,\s])(cookie|\*)([,\s]|$)" ||
        beresp.ttl <= 0s) {
        call edge_dont_store;
    }
    if (beresp.http.Cache-Tag) {
        set beresp.http.xkey = regsuball(beresp.http.Cache-Tag, "[,\s]+", " ");
    }
    set beresp.http.X-Edge-SWR = "0";
    if (beresp.http.Cache-Control ~ "(?i)stale-while-revalidate=[0-9]+") {
        set beresp.http.X-Edge-SWR = regsub(beresp.http.Cache-Control,
            "(?i)^.*stale-while-revalidate=([0-9]+).*$", "\1");
    }
    set beresp.grace = std.duration(beresp.http.X-Edge-SWR + "s", 0s);
    if (beresp.http.Cache-Control ~ "(?i)stale-if-error=[0-9]+") {
        set beresp.http.X-Edge-SIE = regsub(beresp.http.Cache-Control, "(?i)^.*stale-if-error=([0-9]+).*$", "\1");
        if (std.duration(beresp.http.X-Edge-SIE + "s", 0s) > beresp.grace) {
            set beresp.grace = std.duration(beresp.http.X-Edge-SIE + "s", 0s);
        }
        unset beresp.http.X-Edge-SIE;
    }
    # Past grace the copy still lets the edge revalidate with If-None-Match (the origin answers 304).
    set beresp.keep = 10m;
    return (deliver);
}

sub edge_dont_store {
    # Hit-for-miss: requests for this key go to the origin for two minutes, and any cacheable answer is stored.
    set beresp.ttl = 120s;
    set beresp.grace = 0s;
    set beresp.uncacheable = true;
    return (deliver);
}

sub vcl_backend_error {
    if (bereq.is_bgfetch || bereq.http.X-Edge-Stale == "refresh") {
        return (abandon);
    }
}

sub vcl_synth {
    if (resp.status == 503 && req.http.X-Edge-Stale == "refresh" && req.restarts < 3) {
        # The foreground refresh failed (abandoned): look up again with full grace to find the stale copy.
        set req.http.X-Edge-Stale = "error";
        return (restart);
    }
    if (req.method == "PURGE") {
        set resp.http.X-Edge-Purged = req.http.X-Edge-Purged;
        set resp.http.Content-Type = "text/plain; charset=utf-8";
        set resp.body = resp.reason + " " + req.http.X-Edge-Purged + {"
"};
        return (deliver);
    }
}

sub vcl_deliver {
    if (obj.uncacheable) {
        set resp.http.X-Edge-Cache = "PASS";
    } else {
        set resp.http.X-Edge-Cache = req.http.X-Edge-Cache;
    }
    unset resp.http.Cache-Tag;
    unset resp.http.xkey;
    unset resp.http.X-Edge-SWR;
}
