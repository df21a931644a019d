#!/usr/bin/env bash
# Lists the Wagtail admin messages that neither Wagtail's own zh_Hans catalogs nor the project's
# school/locale_wagtail translate (run after upgrading Wagtail; needs gettext's msgmerge/msgattrib/msgcat).
# Output: a .po file of the missing entries on stdout; translate them into
# school/locale_wagtail/zh_Hans/LC_MESSAGES/<domain>.po and run `make messages` (which compiles it).
# Usage: bin/wagtail-missing-zh.sh [django|djangojs]
set -euo pipefail
domain="${1:-django}"
here="$(cd "$(dirname "$0")/.." && pwd)"
wagtail="$("$here/.venv/bin/python" -c 'import os, wagtail; print(os.path.dirname(wagtail.__file__))')"
ours="$here/school/locale_wagtail/zh_Hans/LC_MESSAGES/$domain.po"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
i=0
while IFS= read -r zh; do
  en="${zh/\/zh_Hans\//\/en\/}"
  [ -f "$en" ] || continue
  i=$((i + 1))
  msgmerge -q --no-fuzzy-matching "$zh" "$en" -o "$work/merged$i.po"
  if [ -f "$ours" ]; then  # what the project already translates counts as translated
    msgcat --use-first "$ours" "$work/merged$i.po" -o "$work/both$i.po"
    msgmerge -q --no-fuzzy-matching "$work/both$i.po" "$en" -o "$work/merged$i.po"
  fi
  msgattrib --untranslated --no-obsolete --no-location --no-wrap "$work/merged$i.po" -o "$work/missing$i.po"
done < <(find "$wagtail" -path "*/zh_Hans/LC_MESSAGES/$domain.po" | sort)
msgcat --use-first --no-location --no-wrap "$work"/missing*.po 2>/dev/null || true
