"""JSON errors for everything under /api/: DRF's exceptions, the shop's conflicts, and Django's own 4xx/5xx.

Every error body is ``{"detail": "<one clear sentence>", "code": "<machine name>"}``; a validation error
adds ``errors`` (field → messages), a conflict adds what the client needs to resolve it.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions
from rest_framework.views import exception_handler

API_PREFIX = "/api/"


class Conflict(exceptions.APIException):
    """409: a valid request that the cart, the stock or the prices refuse; ``extra`` is added to the body."""

    status_code = 409
    default_detail = "The request conflicts with the current state of the cart."
    default_code = "conflict"

    def __init__(self, detail: str, code: str, **extra) -> None:
        super().__init__(detail, code)
        self.extra = extra


def _message(detail) -> str:
    """Return the first message of a DRF error detail (a string, or a list or dict of them)."""
    if isinstance(detail, dict):
        if not detail:
            return "Invalid input."
        field, value = next(iter(detail.items()))
        text = _message(value)
        return text if field == "non_field_errors" else f"{field}: {text}"
    if isinstance(detail, list):
        return _message(detail[0]) if detail else "Invalid input."
    return str(detail)


def handler(exc: Exception, context: dict) -> HttpResponse | None:
    """DRF's handler, with every body in the API's error shape."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    response = exception_handler(exc, context)
    if response is None:
        return None  # not an API error: Django's handler500 answers (in JSON under /api/)
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = {"detail": _message(exc.detail), "code": "invalid", "errors": errors}
        return response
    response.data = {"detail": _message(exc.detail), "code": str(exc.get_codes())}
    if isinstance(exc, Conflict):
        response.data.update(exc.extra)
    return response


# Django's own error views (config/urls.py): JSON under /api/, the storefront's pages elsewhere ---------------


def _api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _json(status: int, detail: str, code: str) -> JsonResponse:
    return JsonResponse({"detail": detail, "code": code}, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _api(request):
        return _json(400, "The request could not be understood.", "bad_request")
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _api(request):
        return _json(403, "You do not have permission to perform this action.", "permission_denied")
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _api(request):
        return _json(404, "No such API endpoint; the schema at /api/schema/ lists them.", "not_found")
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _api(request):
        return _json(500, "Something went wrong on our side; please try again.", "server_error")
    return defaults.server_error(request)
