#!/usr/bin/env bash
# Installs the system parts the test suite talks to (PostgreSQL, Redis, Chromium, nginx) when missing, those PyICU
# builds against (scripts/build-deps.sh), and, if it can, espeak-ng (optional: the demo interview's words; without it the interview is a wordless voice).
# Only as root; otherwise the tests that need them skip with a loud reason (and fail in CI).
set -euo pipefail

need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/sbin/nginx ] || need+=(nginx)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
[ -x /usr/bin/redis-server ] || need+=(redis-server)
command -v runuser >/dev/null 2>&1 || need+=(util-linux)
[ "$(id -u)" = "0" ] && bash "$(dirname "$0")/build-deps.sh"
fonts_dir=/usr/share/fonts/truetype/dejavu
[ -d "$fonts_dir" ] || need+=(fonts-dejavu-core)

if ! command -v espeak-ng >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
    # Optional: a machine that cannot install it still runs and tests everything else.
    (export DEBIAN_FRONTEND=noninteractive
     apt-get install -y -qq --no-install-recommends espeak-ng >/dev/null 2>&1 ||
         { apt-get update -qq && apt-get install -y -qq --no-install-recommends espeak-ng >/dev/null 2>&1; }) ||
        echo "note: espeak-ng could not be installed; the demo interview will be a wordless voice" >&2
fi

if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" != "0" ]; then
    echo "WARNING: missing ${need[*]}; not root, so the tests that need them will be SKIPPED." >&2
    exit 0
fi
echo "Installing ${need[*]} from Debian ..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# Debian starts a cluster and nginx on install; the tests run their own on loopback.
(service postgresql stop || true) >/dev/null 2>&1
(service nginx stop || true) >/dev/null 2>&1
(service redis-server stop || true) >/dev/null 2>&1
