#!/usr/bin/env bash
# The tap's version, made from git; the Makefile stamps it into every binary it builds
# (make build, make release-snapshot, make wheel) and scripts/wheel.py turns it into the
# wheel's PEP 440 version.
#
#   on a tag v0.1.0                      v0.1.0
#   3 commits after it                   v0.1.0-3-g1a2b3c4
#   with uncommitted changes             ...-dirty
#   no v* tag reachable (a clone         v0.0.0-58-g1a2b3c4  (58 = commits in HEAD's history)
#   without tags, before the first one)
#   not a git checkout                   v0.0.0-unknown
#
# Only tags of the form vMAJOR.MINOR.PATCH[-PRERELEASE] count.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! git rev-parse --verify -q HEAD > /dev/null 2>&1; then
  echo v0.0.0-unknown
  exit 0
fi
if git describe --tags --match 'v[0-9]*.[0-9]*.[0-9]*' --dirty 2> /dev/null; then
  exit 0
fi
dirty=
git diff --quiet HEAD -- 2> /dev/null || dirty=-dirty
echo "v0.0.0-$(git rev-list --count HEAD)-g$(git rev-parse --short HEAD)$dirty"
