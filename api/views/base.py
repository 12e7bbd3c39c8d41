"""What every API view shares: JSON only; catalog reads anonymous and shared, shopper calls throttled."""

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import SAFE_METHODS, AllowAny
from rest_framework.views import APIView

from ..throttles import AddressWriteThrottle, UserWriteThrottle


class JSONOnly(DefaultContentNegotiation):
    """Answer JSON whatever the Accept header says: a shared response is the same bytes for every client.

    Request bodies are still chosen by Content-Type (JSON only), so a cross-site form cannot post one.
    """

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class CatalogView(APIView):
    """A catalog read, the same for everyone: no authentication, session, CSRF or throttle runs.

    Credentials sent along are ignored (catalog data is public), so the response can be shared
    (``shop.cache.shared``) and an edge may keep it.
    """

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = ()
    content_negotiation_class = JSONOnly


class ShopperView(APIView):
    """A shopper's own cart, checkout or orders: token or session log-in (or none); writes are throttled."""

    content_negotiation_class = JSONOnly

    def get_throttles(self):
        if self.request.method in SAFE_METHODS:
            return []
        return [UserWriteThrottle(), AddressWriteThrottle()]
