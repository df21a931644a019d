"""Every screen a member, a trainer and an organization administrator opens reads Chinese (zh-hans).

The crawl starts from the URL list the permission matrix knows (``permission_matrix``: every URL pattern of
the project with a rule saying which persona gets a page), requests each one that answers 200 for the
persona, then every same-site link on those pages one level deep, all on the matrix's world of real objects
(a course with lessons, an exam with attempts, a study task, videos, a page in moderation…), so edit and
detail screens render with data. On every HTML page it reads the visible text (text nodes outside
scripts, styles and hidden inputs; and the attributes people see or hear: placeholder, title, aria-label,
alt, the value of buttons) and fails on any Latin-letter word outside ``ALLOWED``. It prints how many
pages it checked, per persona.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.test import Client, override_settings
from django.utils import translation

from .permission_matrix.rules import OK, Case, match_rules
from .permission_matrix.runner import build_url, send
from .permission_matrix.table import RULES
from .permission_matrix.urlconf import all_routes
from .permission_matrix.world import World, build_world

CRAWLED = ("member", "trainer", "admin_a")

# Latin words a Chinese reader meets on these screens as they are: the names of file formats and of the
# programs that make them, as printed on the programs and in every Chinese manual (导出 Excel, 下载 PDF),
# the video format of the player, and API, the name of the JSON interface's documentation page.
ALLOWED = {
    "PDF", "Excel", "Word", "WPS", "ZIP", "CSV", "GBK", "UTF", "OpenDocument", "GIFT", "Moodle", "XML", "JSON",
    "HLS", "API", "KB", "MB", "GB",
}
WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")
# Tokens that are data or codes rather than words: file names and addresses, codes with digits, and up to
# three capitals (answer letters such as AC, organization codes such as TA).
CODE = re.compile(r"\S*[./@:_\\]\S*|\S*\d\S*|[A-Z]{1,3}")
UPPER = re.compile(r"[A-Z]{2,3}")
SEEN_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt", "aria-description", "data-w-tooltip-content-value")
# kbd: key names as printed on the keyboard (Ctrl, Shift, Esc) in the admin's shortcut list.
SKIP_TAGS = {"script", "style", "noscript", "code", "pre", "svg", "kbd", "template"}
# Links not to follow: they change state on GET, serve files, or leave the HTML screens.
NOT_FOLLOWED = re.compile(r"^/(static|uploads|api)/|/logout|/download|/export|\.(xlsx|pdf|m3u8|jpg|png)$")


def latin_words(html: str, data: frozenset[str] = frozenset()) -> list[str]:
    """The visible Latin-letter words of a page, outside the allow-list, codes and ``data`` (login names and
    other values people typed in Latin letters)."""
    root = lxml.html.document_fromstring(html)
    found: list[str] = []

    def check(text: str | None, where: str) -> None:
        if not text:
            return
        for token in text.split():
            if CODE.fullmatch(token):
                continue
            for word in WORD.findall(token):
                if word not in ALLOWED and word not in data and not UPPER.fullmatch(word):
                    found.append(f"{where}: {word!r} in {text.strip()[:80]!r}")

    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        hidden = any(a.tag in SKIP_TAGS or a.get("hidden") is not None or a.get("type") == "hidden"
                     for a in (element, *element.iterancestors()))
        if hidden:
            continue
        where = element.tag + "".join(f".{c}" for c in (element.get("class") or "").split()[:2])
        if element.tag not in SKIP_TAGS:
            check(element.text, where)
        for child in element:
            if isinstance(child.tag, str) and child.tag not in SKIP_TAGS:
                check(child.tail, where)
        for attribute in SEEN_ATTRIBUTES:
            check(element.get(attribute), f"{element.tag}[{attribute}]")
        if element.tag == "input" and element.get("type") in ("submit", "button", "reset"):
            check(element.get("value"), f"{element.tag}[value]")
    return found


def links(url: str, html: str) -> Iterator[str]:
    root = lxml.html.document_fromstring(html)
    for href in root.xpath("//a/@href"):
        target = urlsplit(urljoin(url, href))
        if target.netloc not in ("", "testserver") or not target.path.startswith("/"):
            continue
        if NOT_FOLLOWED.search(target.path):
            continue
        yield target.path + (f"?{target.query}" if target.query else "")


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    media_root = tmp_path_factory.mktemp("crawl-uploads")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=str(media_root)), transaction.atomic():
        cache.clear()
        yield build_world(media_root)
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _media_root() -> None:
    """The world's files stay in its folder for the module (replaces the conftest's per-test folder)."""


def start_urls(world: World, persona: str) -> list[tuple[str, Case]]:
    """Every URL pattern (and case of its rule) that the permission matrix says answers this persona with 200."""
    coverage = match_rules(all_routes(), RULES)
    return [(build_url(route, case, world), case) for route, rule in coverage.matched.items() for case in rule.cases
            if case.get[persona] == OK and not case.content_type]


# Pages with answers the matrix does not request: the member's search with results and facets.
EXTRA_START = {"member": ["/search/?q=党章", "/search/?q=课", "/search/?q=中国共产党&type=document"]}


def crawl(client: Client, world: World, persona: str, data: frozenset[str]) -> tuple[int, list[str]]:
    problems: list[str] = []
    seen: set[str] = set()
    checked = 0

    def visit(url: str, case: Case | None = None) -> list[str]:
        nonlocal checked
        if url in seen:
            return []
        seen.add(url)
        cache.clear()
        with transaction.atomic():
            response = send(client, "GET", url, case) if case is not None else client.get(url)
            transaction.set_rollback(True)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            return []
        raw = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
        body = raw.decode(response.charset or "utf-8")
        if case is not None and case.ajax:  # Wagtail's modals answer JSON with the HTML inside
            return []
        checked += 1
        problems.extend(f"{url}: {p}" for p in latin_words(body, data))
        return list(links(url, body))

    found: list[str] = []
    for url, case in start_urls(world, persona):
        found.extend(visit(url, case))
    for url in EXTRA_START.get(persona, []):
        found.extend(visit(url))
    for url in found:
        visit(url)
    return checked, problems


@pytest.mark.django_db
@pytest.mark.parametrize("persona", CRAWLED)
def test_it_shows_no_english_word_on_any_screen(persona: str, world: World) -> None:
    p = world.personas
    user = {"member": p.member.user, "trainer": p.trainer, "admin_a": p.admin_a}[persona]
    client = Client(headers={"Accept-Language": "zh-hans"})
    client.force_login(user)
    # Login names are Latin letters by design (members may also log in with mobile or ID numbers).
    data = frozenset(get_user_model().objects.values_list("username", flat=True))
    with translation.override("zh-hans"):
        checked, problems = crawl(client, world, persona, data)
    print(f"\n{persona}: crawled {checked} pages")
    assert checked > {"member": 20, "trainer": 100, "admin_a": 40}[persona]
    unique = sorted(set(problems))
    assert not unique, f"{len(unique)} English words on {persona}'s screens:\n" + "\n".join(unique)
