#!/usr/bin/env bash
# One script, two uses (see README):  bash setup.sh build  |  bash setup.sh test
# Installs what sanwu needs on a Debian machine (as root), then builds the example site or runs the tests.
set -euo pipefail
cd "$(dirname "$0")"
mode="${1:-build}"

debs=(fonts-noto-cjk libharfbuzz-subset0)
# the browser suite (tests/browser): Debian's chromium driven by Playwright, axe-core from npm; nginx: the deploy guide's config
[ "$mode" = test ] && debs+=(poppler-utils zbar-tools git chromium nginx apache2-utils)
# npm may come with another nodejs build (NodeSource's bundles it): ask apt only when there is no npm at all
[ "$mode" = test ] && ! command -v npm >/dev/null && debs+=(nodejs npm)
python3 -c 'import ensurepip' 2>/dev/null || debs+=(python3-venv)
missing=()
for pkg in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "正在安装系统软件包：${missing[*]}"
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'

if [ "$mode" = test ] && [ ! -f tests/browser/node_modules/axe-core/axe.min.js ]; then
  npm ci --prefix tests/browser --no-audit --no-fund --silent
fi

case "$mode" in
  build) .venv/bin/sanwu build --audience all ;;
  test)  .venv/bin/python -m pytest -q -p no:cacheprovider -n 2 --dist loadgroup ;;
  *) echo "用法: bash setup.sh build|test" >&2; exit 2 ;;
esac
