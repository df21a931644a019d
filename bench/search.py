"""Search relevance and latency on the real corpus.

    python bench/search.py --corpus ../shared/corpus/regulations.jsonl --queries ../shared/corpus/queries-dev.jsonl

Builds a throwaway SQLite database under var/bench/ (settings school.settings.dev, VAR_DIR pointed
there), migrates it, loads the corpus through the courses app's ``import_documents`` code path, indexes
every page with the configured backend (embedded unless ELASTICSEARCH_URL is set), then runs each query
as a member would type it and prints:

    metric mrr X                          mean reciprocal rank of the first relevant title in the top 10
    metric median_query_ms X              median time of one search (backend + ranking + snippets)
    metric median_query_ms_like_baseline  the same queries as a naive LIKE scan over titles and full texts
    metric latency_ratio_vs_like          median_query_ms / median_query_ms_like_baseline

A query file holds known-item lines (``{"q": …, "relevant": [titles]}``, scored by ``mrr``) or graded
judgments (``{"q": …, "judgments": [{"title", "grade", "articles"?, "version_note"?}]}``, 3 = answers it,
2 = clearly relevant, 1 = related), scored by:

    metric ndcg10                  nDCG of the top 10 (linear gains, log2 discount): a hit on a listed article of
                                   a judged document gains its grade, the right document on another article (or
                                   none) half of it; each judgment gains once; a judgment with a ``version_note``
                                   ("2023年版") counts only for the version of that year
    metric success3                share of queries with a grade-3 document in the top 3
    metric current_version_first   over the queries whose best (highest-graded) document has several versions:
                                   share where that document's first hit is its current version
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def setup_django(var_dir: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "school.settings.dev"
    os.environ["VAR_DIR"] = str(var_dir)
    os.environ.pop("DATABASE_URL", None)
    os.environ["DEBUG"] = "0"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import logging

    logging.disable(logging.INFO)  # Wagtail logs every page it creates
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def load_corpus(corpus: Path) -> int:
    from _search_data import load_corpus as load

    return load(corpus)


def _year(text: str) -> int | None:
    match = re.search(r"(19|20)\d\d", text or "")
    return int(match.group(0)) if match else None


def _judgment_for(hit: Any, judgments: list[dict[str, Any]], versions: Mapping[str, tuple[int | None, bool]]) -> int | None:
    """Index of the judgment ``hit`` satisfies (title, and the version's year when the judgment names one)."""
    for i, judgment in enumerate(judgments):
        if judgment["title"] != hit.title:
            continue
        wanted = _year(judgment.get("version_note") or "")
        if wanted is not None and versions.get(hit.key, (None, False))[0] != wanted:
            continue
        return i
    return None


def _article_hit(label: str, articles: list[str]) -> bool:
    label = label.strip()
    return bool(label) and any(label == a or a.startswith(label) or label.startswith(a) for a in articles)


def graded(hits: list[Any], judgments: list[dict[str, Any]],
           versions: Mapping[str, tuple[int | None, bool]]) -> tuple[float, bool, bool | None]:
    """(ndcg10, success3, current_version_first or None when the best document has one version)."""
    gained: set[int] = set()
    dcg = 0.0
    success = False
    for rank, hit in enumerate(hits[:10], start=1):
        index = _judgment_for(hit, judgments, versions)
        if index is None or index in gained:
            continue
        gained.add(index)
        judgment = judgments[index]
        articles = judgment.get("articles") or []
        gain = float(judgment["grade"]) if not articles or _article_hit(hit.article_label, articles) else judgment["grade"] / 2
        dcg += gain / math.log2(rank + 1)
        if rank <= 3 and judgment["grade"] == 3:
            success = True
    ideal = sum(g / math.log2(r + 1) for r, g in enumerate(sorted((j["grade"] for j in judgments), reverse=True)[:10], 1))
    best = max(judgments, key=lambda j: j["grade"])
    current_first: bool | None = None
    keys = [key for key, _ in versions.items() if _title_of.get(key) == best["title"]]
    if len(keys) > 1:
        first = next((hit for hit in hits if hit.title == best["title"]), None)
        current_first = bool(first is not None and versions[first.key][1])
    return (dcg / ideal if ideal else 0.0), success, current_first


_title_of: dict[str, str] = {}


def run(args: argparse.Namespace) -> None:
    from _search_data import document_versions, like_baseline

    from search.backends import get_backend
    from search.core import Viewer
    from search.params import parse_query

    backend = get_backend()
    queries = [json.loads(line) for line in Path(args.queries).read_text(encoding="utf-8").splitlines() if line.strip()]
    viewer = Viewer(sees_everything=True)
    backend.search(parse_query({"q": "预热"}), viewer)  # warm the tokenizer and the database cache
    versions = document_versions()  # search key -> (version year, is current version)
    _title_of.update({key: title for key, (title, _year, _current) in versions.items()})
    version_of = {key: (year, current) for key, (_title, year, current) in versions.items()}
    reciprocal: list[float] = []
    ndcgs: list[float] = []
    successes: list[bool] = []
    current_firsts: list[bool] = []
    times: list[float] = []
    like_times: list[float] = []
    for item in queries:
        query = parse_query({"q": item["q"], "page_size": "10"})
        start = time.perf_counter()
        results = backend.search(query, viewer)
        times.append((time.perf_counter() - start) * 1000)
        titles = [hit.title for hit in results.hits]
        if "judgments" in item:
            ndcg, success, current_first = graded(results.hits, item["judgments"], version_of)
            ndcgs.append(ndcg)
            successes.append(success)
            if current_first is not None:
                current_firsts.append(current_first)
            if args.verbose:
                top = [f"{h.title[:16]}{'' if version_of.get(h.key, (0, True))[1] else '(旧)'} {h.article_label}"
                       for h in results.hits[:3]]
                print(f"{ndcg:.2f} {'ok ' if success else 'NO '} {'' if current_first is None else current_first} "
                      f"{item['q']} -> {top}")
        else:
            rank = next((i for i, title in enumerate(titles, start=1) if title in item["relevant"]), None)
            reciprocal.append(1.0 / rank if rank else 0.0)
            if args.verbose:
                print(f"{'ok ' if rank == 1 else 'MISS' if rank is None else f'#{rank} '} {item['q']} -> {titles[:3]}")
        start = time.perf_counter()
        like_baseline(item["q"], 10)
        like_times.append((time.perf_counter() - start) * 1000)
    median = statistics.median(times)
    like_median = statistics.median(like_times)
    print(f"metric backend {backend.name}")
    print(f"metric queries {len(queries)}")
    if reciprocal:
        print(f"metric mrr {sum(reciprocal) / len(reciprocal):.4f}")
    if ndcgs:
        print(f"metric ndcg10 {sum(ndcgs) / len(ndcgs):.4f}")
        print(f"metric success3 {sum(successes) / len(successes):.4f}")
    if current_firsts:
        print(f"metric current_version_first {sum(current_firsts) / len(current_firsts):.4f}")
        print(f"metric current_version_queries {len(current_firsts)}")
    print(f"metric median_query_ms {median:.2f}")
    print(f"metric p90_query_ms {statistics.quantiles(times, n=10)[-1]:.2f}")
    print(f"metric median_query_ms_like_baseline {like_median:.2f}")
    print(f"metric latency_ratio_vs_like {median / like_median:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", required=True, type=Path)
    parser.add_argument("--queries", required=True, type=Path)
    parser.add_argument("--verbose", action="store_true", help="print each query's rank and top titles")
    parser.add_argument("--keep", action="store_true", help="keep the bench database under var/bench/")
    parser.add_argument("--reuse", type=Path, help="a database kept with --keep: skip loading and indexing "
                                                   "(when tuning the ranking; re-index after changing indexing)")
    args = parser.parse_args()
    bench_root = ROOT / "var" / "bench"
    bench_root.mkdir(parents=True, exist_ok=True)
    var_dir = args.reuse.resolve() if args.reuse else Path(tempfile.mkdtemp(prefix="search-", dir=bench_root))
    try:
        setup_django(var_dir)
        if not args.reuse:
            start = time.perf_counter()
            count = load_corpus(args.corpus.resolve())
            print(f"metric documents_indexed {count}")
            print(f"metric load_and_index_s {time.perf_counter() - start:.1f}")
        run(args)
    finally:
        if not args.keep and not args.reuse:
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
