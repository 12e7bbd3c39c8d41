"""What search engines read about a product: schema.org Product data, built from the cached page data."""

from typing import Any

from django.urls import reverse

AVAILABILITY = {"in": "InStock", "low": "LimitedAvailability", "out": "OutOfStock"}


def _absolute(url: str, site_url: str) -> str:
    return f"{site_url}{url}" if url.startswith("/") else url


def product_structured_data(product: dict[str, Any], site_url: str) -> dict[str, Any]:
    """Return schema.org ``Product`` JSON-LD for ``product`` (the plain data of the product page).

    It is built from the same cached value as the page, so it is exactly as fresh as the page itself.
    """
    url = _absolute(reverse("product", kwargs={"slug": product["slug"]}), site_url)
    images = [_absolute(img["sizes"].get("detail") or img["url"], site_url) for img in product["images"]]
    return {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product["name"],
        "description": product["description"],
        "sku": str(product["id"]),
        "url": url,
        **({"image": images} if images else {}),
        "offers": {
            "@type": "Offer",
            "url": url,
            "price": product["price"],
            "priceCurrency": "EUR",
            "availability": f"https://schema.org/{AVAILABILITY[product['availability']['state']]}",
            "itemCondition": "https://schema.org/NewCondition",
        },
    }
