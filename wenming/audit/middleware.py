from __future__ import annotations

from wenming.audit.context import _current, actor_for_request


class AuditContextMiddleware:
    """Makes the request's user and IP the actor of every audit entry written while it runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current.set(actor_for_request(request))
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
