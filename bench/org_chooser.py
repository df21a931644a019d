"""The organization chooser (school.widgets) on a tree of 11,111 organizations.

    python bench/org_chooser.py

Builds 1 + 10 + 100 + 1,000 + 10,000 organizations (committee > general branch > branch > group > …) in a
throwaway database and, as the superuser (who may choose from the whole tree), measures in-process through
Django's test client:

- the size of the member form (one organization) with the chooser, against the same field rendered the old
  way (a <select> of every organization, indented with codes): `form_field_bytes_ratio`;
- the chooser's answers: the roots, one organization's children, a search matching thousands (the first 50
  in tree order) and a search matching a handful (the codes containing 999), in milliseconds and SQL queries, against rendering the old select
  (`search_vs_select_render`), and how the search time grows from the 1,111-organization tree to the
  11,111-organization tree (`search_growth_10x`).
"""

from __future__ import annotations

from typing import Any

import _django

_django.setup()

from django import forms  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from school.models import Organization  # noqa: E402
from school.widgets import OrganizationChooserField  # noqa: E402

CHOOSE = "/admin/school/organizations/choose/"


def old_select() -> forms.ModelChoiceField[Organization]:
    field: forms.ModelChoiceField[Organization] = forms.ModelChoiceField(queryset=Organization.objects.order_by("path"))
    field.label_from_instance = lambda o: "　" * (o.depth - 1) + f"{o.name}（{o.code}）"  # type: ignore[method-assign,assignment]
    return field


def measure(client: Client, prefix: str) -> dict[str, float]:
    root = Organization.objects.get(code=f"{prefix}0")
    big = Organization.objects.filter(code__startswith=prefix, depth=3).order_by("path").first()
    assert big is not None
    out: dict[str, float] = {}
    cases: list[tuple[str, dict[str, Any]]] = [("roots", {}), ("children", {"parent": big.pk}),
                                               ("search_many", {"q": prefix}), ("search_rare", {"q": f"{prefix}999"})]
    for label, params in cases:
        def ask(params: dict[str, Any] = params) -> None:
            response = client.get(CHOOSE, params)
            assert response.status_code == 200, response

        out[f"{label}_ms"] = _django.best_of(7, ask) * 1000
        with CaptureQueriesContext(connection) as context:
            ask()
        out[f"{label}_queries"] = len(context)
    select = old_select()
    out["select_render_ms"] = _django.best_of(3, lambda: select.widget.render("organization", None)) * 1000
    out["select_bytes"] = len(select.widget.render("organization", None).encode())
    chooser = OrganizationChooserField(queryset=Organization.objects.all())
    out["chooser_bytes"] = len(chooser.widget.render("organization", root.pk).encode())
    return out


def main() -> None:
    small = _django.bulk_tree("S", 1, [10, 10, 10], ["committee", "general_branch", "branch", "group"])
    user = get_user_model().objects.create_superuser("bench-root", password=None)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    s = measure(client, "S")
    big = _django.bulk_tree("B", 2, [10, 10, 10, 10], ["committee", "general_branch", "branch", "group"])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "ANALYZE school_organization")
    b = measure(client, "B")
    page = client.get("/admin/school/members/add/")
    assert page.status_code == 200
    total = small + big
    print(f"# {connection.vendor}: {small} + {big} = {total} organizations")
    print(f"# at {small}: search_many {s['search_many_ms']:.2f} ms, search_rare {s['search_rare_ms']:.2f} ms; "
          f"select {s['select_bytes']} bytes")
    _django.metric("organizations", total)
    _django.metric("member_form_page_bytes", len(page.content))
    _django.metric("form_field_bytes_chooser", b["chooser_bytes"])
    _django.metric("form_field_bytes_old_select", b["select_bytes"])
    _django.metric("form_field_bytes_ratio", b["chooser_bytes"] / b["select_bytes"])
    for key in ("roots", "children", "search_many", "search_rare"):
        _django.metric(f"chooser_{key}_ms", b[f"{key}_ms"])
        _django.metric(f"chooser_{key}_queries", b[f"{key}_queries"])
    _django.metric("old_select_render_ms", b["select_render_ms"])
    _django.metric("search_vs_select_render", b["search_many_ms"] / b["select_render_ms"])
    _django.metric("search_many_growth_10x", b["search_many_ms"] / s["search_many_ms"])
    _django.metric("search_rare_growth_10x", b["search_rare_ms"] / s["search_rare_ms"])


if __name__ == "__main__":
    main()
