"""Storefront pages: home, search, cart and sign-up."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_POST

from catalog import selectors as catalog_selectors

from . import services
from .cache.keys import digest
from .cache.shared import shared
from .cart import Cart, CartError, cart_total, parse_product_id, parse_quantity
from .forms import SignupForm
from .http import mark_cache, page_number, site_url

ROBOTS_DISALLOW = ["/admin/", "/accounts/", "/cart/", "/checkout/", "/orders/"]


@shared(lambda request: ())
def home(request):
    tree, featured, best = catalog_selectors.home_page()
    context = {"tree": tree, "featured": featured.value, "bestsellers": best.value}
    return mark_cache(render(request, "shop/home.html", context), featured)


def _search_key(request) -> tuple | None:
    raw = request.GET.get("q", "")
    page = page_number(request.GET.get("page"))
    if page is None or "\x00" in raw or len(raw) > catalog_selectors.MAX_QUERY_LENGTH:
        return None  # answered privately with its 400
    return (digest(raw), page)


@shared(_search_key)
def search(request):
    raw = request.GET.get("q", "")
    query = catalog_selectors.normalize_query(raw)
    page = page_number(request.GET.get("page"))
    context = {"query": raw[: catalog_selectors.MAX_QUERY_LENGTH], "results": None}
    if "\x00" in raw or len(raw) > catalog_selectors.MAX_QUERY_LENGTH:
        context["error"] = f"Search terms must be at most {catalog_selectors.MAX_QUERY_LENGTH} characters of text."
        return render(request, "shop/search.html", context, status=400)
    if page is None:
        context["error"] = "That page number is not valid."
        return render(request, "shop/search.html", context, status=400)
    if not query:
        return render(request, "shop/search.html", context)
    tree, result = catalog_selectors.search_page(query, page)
    context = context | {"tree": tree, "results": result.value, "base_qs": urlencode({"q": raw}) + "&"}
    return mark_cache(render(request, "shop/search.html", context), result)


def cart_detail(request, status: int = 200):
    lines = Cart(request.session).lines()
    return render(request, "shop/cart.html", {"lines": lines, "total": cart_total(lines)}, status=status)


def _cart_error(request, exc: CartError):
    """Show the cart with the reason the change was refused; nothing in the cart changed."""
    messages.error(request, str(exc))
    return cart_detail(request, status=400)


@require_POST
def cart_add(request):
    try:
        product_id = parse_product_id(request.POST.get("product_id"))
        quantity = parse_quantity(request.POST.get("quantity", "1"))
        product = services.cart_add(session=request.session, product_id=product_id, quantity=quantity)
    except CartError as exc:
        return _cart_error(request, exc)
    messages.success(request, f"Added {quantity} × {product.name} to your cart.")
    return redirect("cart")


@require_POST
def cart_update(request):
    try:
        product_id = parse_product_id(request.POST.get("product_id"))
        quantity = parse_quantity(request.POST.get("quantity"), allow_zero=True)
        services.cart_set_quantity(session=request.session, product_id=product_id, quantity=quantity)
    except CartError as exc:
        return _cart_error(request, exc)
    messages.success(request, "Cart updated.")
    return redirect("cart")


@require_POST
def cart_remove(request):
    try:
        product_id = parse_product_id(request.POST.get("product_id"))
    except CartError as exc:
        return _cart_error(request, exc)
    services.cart_remove(session=request.session, product_id=product_id)
    messages.success(request, "Removed from your cart.")
    return redirect("cart")


def signup(request):
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome! Your account is ready.")
        return redirect("home")
    return render(request, "registration/signup.html", {"form": form}, status=400 if form.errors else 200)


@shared(lambda request: ())
def robots_txt(request):
    """Return robots.txt: personal pages stay out of search engines; the sitemap lists the rest."""
    origin = site_url(request)
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW), f"Sitemap: {origin}/sitemap.xml"]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def favicon(request):
    """Send /favicon.ico (asked for by browsers on pages without an icon link, e.g. the admin) to the icon."""
    return redirect(static("favicon.svg"), permanent=True)
