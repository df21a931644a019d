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
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

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


def run(args: argparse.Namespace) -> None:
    from _search_data import like_baseline

    from search.backends import get_backend
    from search.core import Viewer
    from search.params import parse_query

    backend = get_backend()
    queries = [json.loads(line) for line in Path(args.queries).read_text(encoding="utf-8").splitlines() if line.strip()]
    viewer = Viewer(sees_everything=True)
    backend.search(parse_query({"q": "预热"}), viewer)  # warm the tokenizer and the database cache
    reciprocal: list[float] = []
    times: list[float] = []
    like_times: list[float] = []
    for item in queries:
        query = parse_query({"q": item["q"], "page_size": "10"})
        start = time.perf_counter()
        results = backend.search(query, viewer)
        times.append((time.perf_counter() - start) * 1000)
        titles = [hit.title for hit in results.hits]
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
    print(f"metric mrr {sum(reciprocal) / len(reciprocal):.4f}")
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
    args = parser.parse_args()
    bench_root = ROOT / "var" / "bench"
    bench_root.mkdir(parents=True, exist_ok=True)
    var_dir = Path(tempfile.mkdtemp(prefix="search-", dir=bench_root))
    try:
        setup_django(var_dir)
        start = time.perf_counter()
        count = load_corpus(args.corpus.resolve())
        print(f"metric documents_indexed {count}")
        print(f"metric load_and_index_s {time.perf_counter() - start:.1f}")
        run(args)
    finally:
        if not args.keep:
            shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
