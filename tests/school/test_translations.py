"""The project's catalogs (school/locale first in LOCALE_PATHS, then the apps, all before Wagtail in
INSTALLED_APPS) win over Wagtail's and Django's: a project msgid without context that Wagtail also
uses must not give Wagtail's screens another meaning (the admin sidebar once read 分页 "pagination" for
Pages and a moderation task 学习中 "studying" for In progress). Project strings whose meaning differs
take a context (``{% trans "…" context "…" %}``, ``pgettext``); same meaning in other words is listed."""

from __future__ import annotations

import gettext
import json
from pathlib import Path

import django
import rest_framework
import wagtail
from django.test import Client
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
# Reviewed: the project's wording means the same as Wagtail's/Django's in their screens too.
SAME_MEANING = {
    "All", "Breadcrumb", "Document", "Documents", "Filter", "Log out", "Next", "None", "Previous", "Search",
    "Show", "Summary", "This year", "Yes, delete", "active", "created at", "description", "name", "owner",
    "Page not found", "Your password was changed.",
}


def catalog(path: Path) -> dict[str, str]:
    with path.open("rb") as handle:
        messages: dict[str, str] = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    return {k: v for k, v in messages.items() if isinstance(k, str) and k and "\x04" not in k}


def catalogs(root: Path, pattern: str) -> list[Path]:
    return sorted(root.glob(pattern))


def test_it_never_gives_wagtail_or_django_strings_another_meaning() -> None:
    ours: dict[str, tuple[str, str]] = {}
    for mo in catalogs(ROOT, "*/locale/zh_Hans/LC_MESSAGES/django.mo"):
        for msgid, msgstr in catalog(mo).items():
            ours.setdefault(msgid, (msgstr, str(mo.relative_to(ROOT))))
    theirs: dict[str, set[str]] = {}
    for package in (wagtail, django, rest_framework):
        for mo in catalogs(Path(str(package.__file__)).parent, "**/locale/zh_Hans/LC_MESSAGES/django.mo"):
            for msgid, msgstr in catalog(mo).items():
                theirs.setdefault(msgid, set()).add(msgstr)
    clashes = sorted(f"{msgid!r}: ours {msgstr!r} ({where}), theirs {sorted(theirs[msgid])}"
                     for msgid, (msgstr, where) in ours.items()
                     if msgid in theirs and msgstr not in theirs[msgid] and msgid not in SAME_MEANING)
    assert clashes == []
    assert len(ours) > 500 and len(theirs) > 2000  # the catalogs were found


def test_it_shows_wagtails_own_words_in_the_admin(personas, client: Client) -> None:
    client.force_login(personas.superuser)
    with translation.override("zh-hans"):
        assert translation.gettext("Pages") == "页面" and translation.gettext("In progress") == "进行中"
        assert translation.pgettext("pagination", "Pages") == "分页"
        assert translation.pgettext("study", "In progress") == "学习中"
    html = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    sidebar = html[html.index('id="wagtail-sidebar-props"'):]  # the menu, as JSON with escaped characters
    assert json.dumps("页面")[1:-1] in sidebar and json.dumps("分页")[1:-1] not in sidebar
