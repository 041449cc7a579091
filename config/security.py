"""Response headers that restrict what a page may load and do: the Content-Security-Policy (a
strict policy for the site, a looser one for the Wagtail back office) and the Permissions-Policy.
"""

from csp.middleware import CSPMiddleware, PolicyParts
from csp.utils import default_config

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase


def _is_admin(request: HttpRequest) -> bool:
    return request.path_info.startswith(tuple(settings.CONTENT_SECURITY_POLICY_ADMIN_PREFIXES))


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with `CONTENT_SECURITY_POLICY_ADMIN` for the back office.

    The site's pages (public, learner, trainer, signing, survey, verification) get the strict
    `CONTENT_SECURITY_POLICY`: no inline script or style, nothing from another origin. Wagtail's
    admin still writes inline scripts and styles, so its URLs get their own policy; a view's
    `csp_update` / `csp_replace` decorators apply on top of either.
    """

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and parts.config is None and _is_admin(request):
            parts.config = default_config(settings.CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"])
        return parts


class PermissionsPolicyMiddleware:
    """Adds `Permissions-Policy` from `PERMISSIONS_POLICY` (feature → allowed origins) to every
    response: no camera, microphone, geolocation… for any page or frame."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(origins)})" for feature, origins in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response
