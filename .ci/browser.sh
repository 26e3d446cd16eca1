#!/usr/bin/env bash
# Headless Chromium for tests/browser.rs: installs Debian's chromium when /usr/bin/chromium is
# missing (CI runs as root), quietly. Anything that fails here fails CI.
set -euo pipefail
if [ -x /usr/bin/chromium ] || [ -n "${POSTURE_CHROMIUM:-}" ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "error: chromium is missing and installing it needs root: apt-get install chromium" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
if ! { apt-get update -qq && apt-get install -y -qq chromium; } >"$log" 2>&1; then
    cat "$log" >&2
    exit 1
fi
rm -f "$log"
test -x /usr/bin/chromium
echo "installed $(/usr/bin/chromium --version 2>/dev/null | tail -n 1)"
