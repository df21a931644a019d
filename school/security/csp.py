"""Content Security Policy: a strict policy for the member site, a looser one for the Wagtail admin.

django-csp builds the header; this middleware only chooses which of the two policies a response gets,
by path, and keeps ``X-Frame-Options`` consistent with the policy's ``frame-ancestors``:

* member site (everything outside ``/admin/``): ``CONTENT_SECURITY_POLICY`` — scripts and styles
  only from this site (no inline script, no inline style, no eval), nothing may frame the page;
* Wagtail admin (``/admin/…``, including the statistics pages and the page preview):
  ``SCHOOL_ADMIN_CONTENT_SECURITY_POLICY`` — Wagtail 8 still writes inline ``<script>`` elements
  (inline panels, date/time widgets) and inline styles, so it needs ``'unsafe-inline'`` for both;
  the preview panel frames admin URLs, so ``frame-ancestors 'self'`` and ``X-Frame-Options:
  SAMEORIGIN`` there.

A response that already carries a policy (Wagtail's document view sets ``default-src 'none'``; the
file views below set sandboxing policies) keeps it.
"""

from __future__ import annotations

from typing import Any

from csp.constants import HEADER
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase

ADMIN_PREFIX = "/admin/"
_MARK = "_school_csp"  # which of our policies this middleware put on a response
# For files users uploaded (documents, images): never run script, never render as a page of ours.
SANDBOX_POLICY = "default-src 'none'; sandbox; frame-ancestors 'none'"


def is_admin_path(path: str) -> bool:
    return path.startswith(ADMIN_PREFIX)


class SchoolCSPMiddleware(CSPMiddleware):
    def get_policy_parts(self, request: HttpRequest, response: HttpResponseBase,
                         report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and parts.config is None and is_admin_path(request.path_info):
            admin_policy: dict[str, Any] = settings.SCHOOL_ADMIN_CONTENT_SECURITY_POLICY
            parts.config = admin_policy["DIRECTIVES"]
        return parts

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        admin = is_admin_path(request.path_info)
        if admin and getattr(response, _MARK, None) == "member":
            # Wagtail renders a page preview by running a request for the page's own URL through the
            # middleware; the admin URL that frames it answers with the admin policy instead.
            del response[HEADER]
            if "X-Frame-Options" in response:
                del response["X-Frame-Options"]
        had_policy = HEADER in response
        response = super().process_response(request, response)
        if not had_policy and HEADER in response:
            setattr(response, _MARK, "admin" if admin else "member")
        # Runs before XFrameOptionsMiddleware (listed after it), which keeps a header that is set.
        if "X-Frame-Options" not in response and not getattr(response, "xframe_options_exempt", False):
            response["X-Frame-Options"] = "SAMEORIGIN" if admin else "DENY"
        return response
