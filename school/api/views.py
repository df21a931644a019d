from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from school.models import Member, Organization
from school.models.members import MemberStatus, PoliticalStatus
from school.permissions import member_of, members_visible_to, organizations_visible_to

from .schema import error_responses
from .serializers import MemberSerializer, OrganizationSerializer

MAX_ID = 2**62
POSITIVE_ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}


def _int_param(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError({name: _("Must be a whole number.")}) from None
    if value < 1 or value > MAX_ID:
        raise ValidationError({name: _("Must be a positive number.")})
    return value


class MeView(APIView):
    @extend_schema(responses={200: MemberSerializer, **error_responses(404)})
    def get(self, request: Request) -> Response:
        member = member_of(request.user)
        if member is None:
            raise NotFound(_("This account has no member profile."))
        return Response(MemberSerializer(member).data)


class OrganizationList(generics.ListAPIView):
    """Organizations the user administers. ``parent`` lists one level; ``q`` searches names and codes."""

    serializer_class = OrganizationSerializer

    @extend_schema(parameters=[
        OpenApiParameter("parent", POSITIVE_ID, description="Only the direct children of this organization."),
        OpenApiParameter("q", str, description="Part of a name or code."),
    ])
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Organization]:
        qs = organizations_visible_to(self.request.user).order_by("path")
        parent_id = _int_param(self.request, "parent")
        if parent_id is not None:
            parent = qs.filter(pk=parent_id).first()
            if parent is None:
                raise NotFound(_("No such organization in your scope."))
            qs = qs.filter(depth=parent.depth + 1).filter(Organization.subtree_q(parent.path))
        q = self.request.query_params.get("q", "").strip()[:100]
        if q:
            qs = qs.filter(name__icontains=q) | qs.filter(code__icontains=q)
        return qs

    def get_serializer_context(self) -> dict[str, object]:
        return {**super().get_serializer_context(), "parent_ids": {}}

    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        assert page is not None
        parent_paths = {o.path[: -o.steplen] for o in page if o.depth > 1}
        parent_ids = dict(Organization.objects.filter(path__in=parent_paths).values_list("path", "pk"))
        data = OrganizationSerializer(page, many=True, context={"parent_ids": parent_ids}).data
        return self.get_paginated_response(data)


class OrganizationDetail(generics.RetrieveAPIView):
    serializer_class = OrganizationSerializer

    def get_queryset(self) -> QuerySet[Organization]:
        return organizations_visible_to(self.request.user)

    def get_serializer_context(self) -> dict[str, object]:
        context = super().get_serializer_context()
        obj = self.get_object()
        parent = obj.get_parent() if obj.depth > 1 else None
        context["parent_ids"] = {parent.path: parent.pk} if parent else {}
        return context


class MemberList(generics.ListAPIView):
    """Members of the organizations the user administers (whole subtrees)."""

    serializer_class = MemberSerializer

    @extend_schema(parameters=[
        OpenApiParameter("organization", POSITIVE_ID, description="Members of this organization's whole subtree."),
        OpenApiParameter("status", str, enum=MemberStatus.values),
        OpenApiParameter("political_status", str, enum=PoliticalStatus.values),
        OpenApiParameter("q", str, description="Part of a name."),
    ])
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Member]:
        qs = members_visible_to(self.request.user)
        org_id = _int_param(self.request, "organization")
        if org_id is not None:
            org = organizations_visible_to(self.request.user).filter(pk=org_id).first()
            if org is None:
                raise NotFound(_("No such organization in your scope."))
            qs = qs.filter(Organization.subtree_q(org.path, "organization__path"))
        for name, choices in (("status", MemberStatus.values), ("political_status", PoliticalStatus.values)):
            value = self.request.query_params.get(name)
            if value:
                if value not in choices:
                    raise ValidationError({name: _("Unknown value.")})
                qs = qs.filter(**{name: value})
        q = self.request.query_params.get("q", "").strip()[:50]
        if q:
            qs = qs.filter(name__icontains=q)
        return qs.order_by("organization__path", "name", "pk")


class MemberDetail(generics.RetrieveAPIView):
    serializer_class = MemberSerializer

    def get_queryset(self) -> QuerySet[Member]:
        return members_visible_to(self.request.user)
