#!/usr/bin/env bash
# Builds Strata (release) and runs every role in one process, data under ./data.
# Extra arguments are passed to strata, e.g. scripts/run.sh -auth.multitenancy-enabled=false
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build -c release --product strata
mkdir -p data
exec .build/release/strata -target=all -blocks-storage.tsdb.dir=./data/tsdb "$@"
