"""GET /api/v1/search/: the same search as the page, as JSON (in the OpenAPI schema)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from school.api.schema import error_responses

from .core import CONTENT_TYPES, ORDERS, VALIDITIES, SearchResults, SearchUnavailable
from .params import DEFAULT_PAGE_SIZE, MAX_PAGE, MAX_PAGE_SIZE, MAX_YEAR, MIN_YEAR, InvalidSearch, parse_query
from .service import run_search


class BadSearch(APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = _("Invalid search.")
    default_code = "invalid"


class EngineDown(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("Search is unavailable at the moment; please try again later.")
    default_code = "search_unavailable"


class HitSerializer(serializers.Serializer):
    key = serializers.CharField()
    content_type = serializers.ChoiceField(choices=CONTENT_TYPES)
    title = serializers.CharField()
    title_html = serializers.CharField(help_text="HTML-escaped title with <mark> around matches")
    url = serializers.CharField()
    article_url = serializers.CharField(help_text="url#anchor of the best matching article")
    article_label = serializers.CharField(help_text="e.g. 第十二条")
    chapter = serializers.CharField()
    snippet_html = serializers.CharField(help_text="HTML-escaped passage with <mark> around matches")
    doc_number = serializers.CharField()
    category = serializers.CharField()
    issuer = serializers.CharField()
    issue_date = serializers.DateField(allow_null=True)
    validity = serializers.CharField()
    other_versions = serializers.IntegerField()
    score = serializers.FloatField()


class FacetValueSerializer(serializers.Serializer):
    value = serializers.CharField()
    count = serializers.IntegerField()


class ResultsSerializer(serializers.Serializer):
    q = serializers.CharField(source="query.q")
    page = serializers.IntegerField(source="query.page")
    page_size = serializers.IntegerField(source="query.page_size")
    total = serializers.IntegerField()
    num_pages = serializers.IntegerField()
    message = serializers.CharField()
    hits = HitSerializer(many=True)
    facets = serializers.DictField(child=FacetValueSerializer(many=True))


PARAMETERS = [
    OpenApiParameter("q", str, description="Words, a remembered phrase or a document number (cut at 100 characters)"),
    OpenApiParameter("type", str, enum=list(CONTENT_TYPES)),
    OpenApiParameter("category", str),
    OpenApiParameter("issuer", str),
    OpenApiParameter("validity", str, enum=list(VALIDITIES)),
    OpenApiParameter("year_from", {"type": "integer", "minimum": MIN_YEAR, "maximum": MAX_YEAR}),
    OpenApiParameter("year_to", {"type": "integer", "minimum": MIN_YEAR, "maximum": MAX_YEAR},
                     description="Not before year_from"),
    OpenApiParameter("order", str, enum=list(ORDERS)),
    OpenApiParameter("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}),
    OpenApiParameter("page_size", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
                     description=f"Default {DEFAULT_PAGE_SIZE}"),
]


class SearchView(APIView):
    """Published documents, courses and lessons the user may see, best match first."""

    @extend_schema(parameters=PARAMETERS, responses={200: ResultsSerializer, **error_responses(503)}, operation_id="search")
    def get(self, request: Request) -> Response:
        try:
            query = parse_query(request.query_params)
        except InvalidSearch as exc:
            raise BadSearch(exc.message) from None
        try:
            results: SearchResults = run_search(query, request.user)
        except SearchUnavailable as exc:
            raise EngineDown(str(exc)) from None
        return Response(ResultsSerializer(results).data)
