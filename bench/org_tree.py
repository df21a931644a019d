"""Organization tree queries at 1,000 and 100,000 organizations.

    python bench/org_tree.py

Prints how subtree (descendants) and ancestor queries grow with the tree, and how the path-range
query compares with treebeard's own LIKE-based get_descendants on the same data.
"""

from __future__ import annotations

import _django

_django.setup()

from django.db import connection  # noqa: E402

from school.models import Organization  # noqa: E402


def build(prefix: str, fanout: list[int]) -> int:
    """A tree under a new root with the given fan-out per level."""
    root_index = Organization.objects.filter(depth=1).count() + 1
    return _django.bulk_tree(prefix, root_index, fanout, ["committee", "general_branch", "branch", "group"])


def measure(root: Organization, leaf: Organization) -> tuple[float, float, float]:
    target = Organization.objects.get(pk=root.pk)
    subtree = _django.best_of(5, lambda: len(list(target.subtree().values_list("pk", flat=True))))
    like = _django.best_of(5, lambda: len(list(target.get_descendants().values_list("pk", flat=True))))
    ancestors = _django.best_of(20, lambda: list(Organization.objects.filter(path__in=leaf.ancestor_paths())))
    return subtree, like, ancestors


def main() -> None:
    small = build("S", [4, 5, 8, 6])  # 1 + 4 + 20 + 160 + 960 = 1,145
    small_branch = Organization.objects.filter(code__startswith="S", depth=2).order_by("path").first()
    small_leaf = Organization.objects.filter(code__startswith="S", depth=5).order_by("-path").first()
    assert small_branch and small_leaf
    s_sub, _s_like, s_anc = measure(small_branch, small_leaf)

    big = build("B", [40, 20, 25, 5])  # 1 + 40 + 800 + 20,000 + 100,000 ≈ 120,841
    big_branch = Organization.objects.filter(code__startswith="B", depth=2).order_by("path").first()
    big_leaf = Organization.objects.filter(code__startswith="B", depth=5).order_by("-path").first()
    assert big_branch and big_leaf
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.vendor == "sqlite" else "ANALYZE school_organization")
    b_sub, b_like, b_anc = measure(big_branch, big_leaf)
    print(f"# {connection.vendor}: {small} and {small + big} organizations; subtree sizes "
          f"{small_branch.subtree().count()} and {big_branch.subtree().count()}")
    print(f"# subtree {s_sub * 1000:.2f} ms -> {b_sub * 1000:.2f} ms; ancestors {s_anc * 1000:.3f} -> {b_anc * 1000:.3f} ms")
    # The bigger subtree returns ~10x the rows, so growth is judged per row returned.
    rows_growth = big_branch.subtree().count() / small_branch.subtree().count()
    _django.metric("organizations", small + big)
    _django.metric("subtree_ms_at_120k", b_sub * 1000)
    _django.metric("subtree_time_per_row_growth", (b_sub / s_sub) / rows_growth)
    _django.metric("ancestors_growth_100x", b_anc / s_anc)
    _django.metric("subtree_range_vs_like_speedup", b_like / b_sub)


if __name__ == "__main__":
    main()
