#!/usr/bin/env bash
# System packages the test suite needs beyond Python ones (idempotent; runs as root in CI).
#
# The web desk's browser tests (tests/web/test_browser.py) drive Debian's Chromium through
# Debian's chromedriver: the two come from the same source package, so their versions always
# match, and nothing is downloaded at test time (Selenium Manager is never asked).
set -euo pipefail

CHROMIUM=/usr/bin/chromium
CHROMEDRIVER=/usr/bin/chromedriver

# fonts: readable Latin (Liberation) and CJK (WenQuanYi Micro Hei, 1.6 MB) text in the
# browser tests and in docs/*.png; everything else comes in as chromium's dependencies.
PACKAGES=(chromium chromium-driver fonts-liberation fonts-wqy-microhei)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
missing=()
for pkg in "${PACKAGES[@]}"; do
    installed "$pkg" || missing+=("$pkg")
done
if [[ -x "$CHROMIUM" && -x "$CHROMEDRIVER" && ${#missing[@]} -eq 0 ]]; then
    echo "install-test-deps: chromium, chromedriver and fonts already installed"
    exit 0
fi

SUDO=""
if [[ "$(id -u)" != 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install-test-deps: run as root (or install sudo) to apt-get install chromium chromium-driver" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "${missing[@]:-${PACKAGES[@]}}"

for bin in "$CHROMIUM" "$CHROMEDRIVER"; do
    if [[ ! -x "$bin" ]]; then
        echo "install-test-deps: $bin is missing after apt-get install" >&2
        exit 1
    fi
done
echo "install-test-deps: $("$CHROMIUM" --version 2>/dev/null || echo chromium), $("$CHROMEDRIVER" --version | head -1)"
