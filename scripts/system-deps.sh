#!/usr/bin/env bash
# Debian packages the test suite and `make report` need: a headless browser (to check that the
# rendered HTML draws its charts offline) and CJK fonts (so Chinese text renders in it).
# Installs only what is missing; needs root (as on CI) or prints what to install.
set -euo pipefail
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# grep reads everything (no -q): an early exit would SIGPIPE fc-list and, under pipefail, look like a miss
fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null || need+=(fonts-noto-cjk)
command -v fc-list >/dev/null 2>&1 || need+=(fontconfig)
# OpenCV (OCR of scans) loads libGL and glib at import
ldconfig -p 2>/dev/null | grep "libGL.so.1" >/dev/null || need+=(libgl1)
ldconfig -p 2>/dev/null | grep "libglib-2.0.so.0" >/dev/null || need+=(libglib2.0-0)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ]; then
  echo "installing Debian packages: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "missing Debian packages (install them as root): ${need[*]}" >&2
fi
