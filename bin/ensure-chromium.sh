#!/usr/bin/env bash
# Browser tests use Debian's Chromium (never a browser download), and a CJK font so that screenshots
# show Chinese; and poppler-utils + zbar-tools (pdftoppm, zbarimg), with which a test scans the certificate's QR code.
# Install them when we can; when we cannot, those tests skip with a reason.
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi "wqy\|noto.*cjk" || need+=(fonts-wqy-microhei)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v zbarimg >/dev/null 2>&1 || need+=(zbar-tools)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${need[*]} for the browser tests…"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null) \
    || echo "Could not install ${need[*]}; browser tests will be skipped or show no Chinese glyphs."
else
  echo "${need[*]} missing and cannot be installed here; browser tests will be skipped."
fi
