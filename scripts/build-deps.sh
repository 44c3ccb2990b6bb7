#!/usr/bin/env bash
# What installing Encore builds against: PyICU (accounts._look_alike, display names compared by their look-alike
# letters) has no wheel on PyPI and compiles against the system's ICU, so `pkg-config`, `libicu-dev`, `g++` and the
# Python headers (`python3-dev`) come first, from Debian, when missing (review30c H1: without the headers pip failed
# one step later). The Python the venv is made with is the first argument (the Makefile's $(PYTHON)). Run by `make install` (so `make run` on a fresh machine too) and by
# `make system-deps`. Not root and missing: says what to install and stops, before pip fails on it.
set -euo pipefail

need=()
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
pkg-config --exists icu-i18n 2>/dev/null || need+=(libicu-dev)
command -v g++ >/dev/null 2>&1 || need+=(g++)
# and it is a C extension: the headers of the Python that builds the venv (Debian's python3: python3-dev)
python="${1:-python3}"
"$python" -c 'import os, sysconfig, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' ||
    need+=(python3-dev)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != "0" ]; then
    echo "Encore's install builds PyICU against the system's ICU: install ${need[*]} (e.g. sudo apt-get install ${need[*]}), then run make again." >&2
    exit 1
fi
echo "Installing ${need[*]} from Debian (PyICU builds against them) ..."
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; }
