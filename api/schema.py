"""OpenAPI pieces the views share: error responses and the conditional-GET header."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from .serializers.shopping import Conflict, Error

_WHY = {
    400: "Invalid input (the body's `errors` names the fields).",
    401: "Missing or invalid credentials (send `Authorization: Token <token>`).",
    403: "Refused: CSRF check failed for a session log-in, or not allowed.",
    404: "No such resource (a path that names none is no endpoint at all: 404 too).",
    409: "Refused by the cart, the stock or the prices (see `code`).",
    415: "The body is not JSON (Content-Type: application/json).",
    429: "Too many requests (see Retry-After).",
}


def errors(*statuses: int) -> dict[int, OpenApiResponse]:
    """Return the documented error responses for ``statuses``."""
    return {
        status: OpenApiResponse(Conflict if status == 409 else Error, description=_WHY[status]) for status in statuses
    }


IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="An ETag from an earlier answer: 304 without a body while nothing shown has changed.",
)
NOT_MODIFIED = {304: OpenApiResponse(description="Not modified: the ETag sent is still current.")}
PAGE = OpenApiParameter(
    "page",
    {"type": "integer", "minimum": 1, "maximum": 999999},
    OpenApiParameter.QUERY,
    description="Page number, from 1 (24 items a page).",
)
