#!/usr/bin/env bash
# The whole local registry in one process: installs the npm toolchain if missing, builds the
# `ogcr` CLI, and runs `ogcr up` — anvil with its state kept in .ogcr/, the contracts (deployed
# once, then reused), the indexer into ./ogcr.db and the read API on http://127.0.0.1:8080.
# Arguments go to `ogcr up` (e.g. --demo, --port 9000, --fresh, --database-url postgres://…).
# Ctrl-C stops everything; running it again resumes the same chain and database.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x node_modules/.bin/anvil ] || [ ! -x node_modules/.bin/forge ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> installing the toolchain (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
export PATH="$PWD/node_modules/.bin:$PATH"

echo "==> building the ogcr CLI (the first build takes a few minutes)"
cargo build --locked -p ogcr-cli --bin ogcr
exec target/debug/ogcr up "$@"
