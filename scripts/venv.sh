#!/usr/bin/env bash
# scripts/venv.sh DIR: a fresh Python virtualenv in DIR (removed first). On a Debian machine
# whose python3 lacks the venv module, installs python3-venv first (as root), as make e2e does.
set -euo pipefail
dir=${1:?usage: venv.sh DIR}
rm -rf "$dir"
if python3 -m venv "$dir" 2> /dev/null; then exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get > /dev/null; then
  echo "venv.sh: python3 -m venv failed: install python3-venv" >&2
  exit 1
fi
apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv > /dev/null
rm -rf "$dir"
python3 -m venv "$dir"
