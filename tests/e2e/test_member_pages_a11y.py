"""Every member page at 390×844, in the normal look and in 长辈模式: axe-core (vendored from npm under
tests/e2e/vendor/axe-core, injected with add_script_tag, never from a CDN) finds no serious or critical violation, every tap target is at
least 44×44 CSS px, and nothing scrolls sideways at 320 px. The pages checked are printed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from school.services.preferences import do_set_elder_mode
from tests.e2e.conftest import PHONE, login, shot
from tests.e2e.member_world import build_member_world, open_attempt_page
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"

# Interactive elements and their tap target: a radio or checkbox inside a label is tapped through the label.
# Links inside running text are exempt (WCAG 2.5.8's inline exception): a link whose parent has text of its own.
SMALL_TARGETS = """() => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]';
  const small = [];
  for (const el of document.querySelectorAll(selector)) {
    let target = el;
    if ((el.type === 'radio' || el.type === 'checkbox') && el.closest('label')) target = el.closest('label');
    const style = getComputedStyle(target);
    if (style.visibility === 'hidden' || style.display === 'none' || target.closest('[hidden], dialog:not([open])')) continue;
    const box = target.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (el.tagName === 'A' && style.display === 'inline') {
      const own = [...el.parentElement.childNodes].some(n => n !== el && n.nodeType === 3 && n.textContent.trim());
      if (own) continue;
    }
    if (box.width < 44 || box.height < 44) {
      small.push(`${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} "${(el.innerText || el.value || el.name || '').trim().slice(0, 20)}" ${Math.round(box.width)}x${Math.round(box.height)}`);
    }
  }
  return small;
}"""

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`);
}"""


def check_page(page: Any, base: str, name: str, path: str, mode: str) -> list[str]:
    page.set_viewport_size(PHONE["viewport"])
    response = page.goto(base + path)
    assert response is not None and response.status < 400, f"{name} {path}: {response and response.status}"
    page.wait_for_load_state("load")
    problems = [f"{name} [{mode}] small tap target: {t}" for t in page.evaluate(SMALL_TARGETS)]
    page.add_script_tag(path=str(AXE))
    problems += [f"{name} [{mode}] axe: {v}" for v in page.evaluate(RUN_AXE)]
    page.set_viewport_size({"width": 320, "height": 700})
    page.wait_for_timeout(50)
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > 320:
        problems.append(f"{name} [{mode}] scrolls sideways at 320 px: {width}")
    page.set_viewport_size(PHONE["viewport"])
    return problems


def test_it_passes_axe_and_the_tap_target_rule_on_every_member_page(personas, wagtail_site, live_server,
                                                                   browser) -> None:
    world = build_member_world(personas)
    pages = dict(world.pages)
    pages["考试答题"] = open_attempt_page(personas, world)
    # add_script_tag inserts the file's text as an inline <script>, which the site's CSP blocks (rightly);
    # this context bypasses the CSP so axe can run. tests/e2e/test_security_csp.py checks the CSP itself.
    context = browser.new_context(locale="zh-CN", bypass_csp=True, **PHONE)
    page = context.new_page()
    page.set_default_timeout(20_000)
    login(page, live_server.url, "xiaoming", PASSWORD)
    # axe itself is live: an image without a text alternative on the home page is a critical violation.
    page.goto(live_server.url + "/")
    page.add_script_tag(path=str(AXE))
    page.evaluate("() => document.querySelector('main').append(Object.assign(document.createElement('img'), {src: '/x.png'}))")
    assert any(v.startswith("image-alt (critical)") for v in page.evaluate(RUN_AXE))
    problems: list[str] = []
    checked: list[str] = []
    for mode in ("普通模式", "长辈模式"):
        do_set_elder_mode(personas.member.user, mode == "长辈模式")
        for name, path in pages.items():
            problems += check_page(page, live_server.url, name, path, mode)
            checked.append(f"{mode} {name} {path}")
        shot(page, f"a11y-{'elder' if mode == '长辈模式' else 'normal'}-last-page")
    context.close()
    print("member pages checked (axe-core serious/critical, 44×44 px, 320 px width):")
    print("\n".join(checked))
    assert len(checked) == 2 * len(pages) >= 40
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)
