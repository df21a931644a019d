"""Member pages on a phone: the bytes each page makes a phone download (HTML + its CSS + its JS, hls.js
excluded: the video player loads it only where a video plays) and the server time of each page, against
the authenticated no-op view (/api/v1/ping/) in the same run, through the full middleware stack.

    python bench/member_pages.py [--rounds 15]

Prints one line per page and ``metric heaviest_member_page_kb`` (goal ≤ 300), ``metric
slowest_member_page_ms``, ``metric noop_view_ms`` and ``metric slowest_member_page_vs_noop``.
The pages and their data are those of the Chromium accessibility test (tests/e2e/member_world.py), in
both the normal look and 长辈模式. DATABASE_URL may point at a scratch database; else a throwaway SQLite.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _django

EXCLUDED = ("vendor/hls.js/",)  # hls.js, the HLS player library (its file: hls.light.min.js)
ASSET = re.compile(r'<(?:link[^>]+rel="stylesheet"[^>]+href|script[^>]+src)="([^"]+)"')


def asset_bytes(html: str) -> tuple[int, int, list[str]]:
    """(css bytes, js bytes, excluded files) of the page's own stylesheets and scripts."""
    from django.conf import settings
    from django.contrib.staticfiles import finders

    css = js = 0
    excluded = []
    for url in sorted(set(ASSET.findall(html))):
        name = url.split("?")[0].removeprefix(settings.STATIC_URL)
        if name.startswith(EXCLUDED):
            excluded.append(name)
            continue
        found = finders.find(name)
        if not found:
            raise SystemExit(f"asset not found: {url}")
        size = Path(found).stat().st_size
        if name.endswith(".css"):
            css += size
        else:
            js += size
    return css, js, excluded


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    _django.setup()
    from django.test import Client
    from django.test.utils import setup_test_environment

    from school.services.preferences import do_set_elder_mode
    from tests.e2e.member_world import build_member_world, open_attempt_page
    from tests.factories import build_personas

    setup_test_environment()  # the test client may run without a real server
    personas = build_personas()
    world = build_member_world(personas)
    pages = dict(world.pages)
    pages["考试答题"] = open_attempt_page(personas, world)
    client = Client(HTTP_HOST="localhost")
    client.force_login(personas.member.user)

    def get(path: str) -> Any:
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code}")
        return response

    noop = _django.best_of(args.rounds, lambda: get("/api/v1/ping/")) * 1000
    heaviest = (0.0, "")
    slowest = (0.0, "")
    for mode in ("normal", "elder"):
        do_set_elder_mode(personas.member.user, mode == "elder")
        for name, path in pages.items():
            html = get(path).content.decode()
            css, js, excluded = asset_bytes(html)
            total_kb = (len(html.encode()) + css + js) / 1024
            ms = _django.best_of(args.rounds, lambda p=path: get(p)) * 1000
            note = f" (excluded: {', '.join(excluded)})" if excluded else ""
            print(f"{mode:6} {name:8} {path:48} html {len(html.encode()):6} css {css:6} js {js:6} "
                  f"= {total_kb:6.1f} KB  {ms:6.1f} ms{note}", flush=True)
            heaviest = max(heaviest, (total_kb, f"{mode} {name}"))
            slowest = max(slowest, (ms, f"{mode} {name}"))
    print(f"heaviest: {heaviest[1]}; slowest: {slowest[1]}; no-op view {noop:.1f} ms")
    _django.metric("heaviest_member_page_kb", round(heaviest[0], 1))
    _django.metric("slowest_member_page_ms", round(slowest[0], 1))
    _django.metric("noop_view_ms", round(noop, 2))
    _django.metric("slowest_member_page_vs_noop", round(slowest[0] / noop, 1))


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"took {time.perf_counter() - start:.0f} s")
