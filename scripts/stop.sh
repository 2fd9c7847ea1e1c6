#!/usr/bin/env bash
# `make stop`: stops what `make run` started; the data in .run/ stays.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d .run ] || { echo "nothing is running"; exit 0; }
scripts/stack.sh stop .run
echo "stopped"
