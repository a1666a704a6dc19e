#!/usr/bin/env bash
# Every check and test of ogcr, from a fresh clone on a fresh machine.
#
# Installs what is missing (the npm toolchain: forge, anvil, cast, solc-js, OpenZeppelin),
# then runs the CI-style checks and all tests:
#   Solidity: forge fmt --check, forge build --sizes, forge test (unit, fuzz, invariant)
#             with the gas snapshots in snapshots/ compared against the committed figures,
#             slither (pinned, in a venv) gated on contracts/slither-triage.json;
#   Rust:     cargo fmt --check, cargo clippy -D warnings, cargo nextest, the store tests on
#             both SQLite and PostgreSQL, the end-to-end tests (the README's write-API
#             walkthrough among them, with curl and jq, installed from Debian if missing);
#   Explorer: headless Chromium (Debian's chromium, installed if missing; playwright-core and
#             axe-core from package-lock.json) against a demo stack (scripts/browser-tests.sh);
#   API:      schemathesis (pinned, in a venv) against a demo stack: every operation, no 5xx,
#             responses as documented (scripts/fuzz-api.sh).
# PostgreSQL: a throwaway cluster from scripts/pg-test-cluster.sh (which installs the Debian
# package if needed), stopped and deleted on exit, unless OGCR_TEST_POSTGRES_URL is already set
# (then that server is used). OGCR_REQUIRE_POSTGRES=1 makes a test fail rather than skip the
# PostgreSQL half when no server is given.
# With CI=true the `ci` Foundry profile (more fuzz and invariant runs) is used.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "npm ci: Foundry, solc-js and OpenZeppelin from package-lock.json"
npm ci --no-audit --no-fund --loglevel=error
export PATH="$PWD/node_modules/.bin:$PATH"
if [ "${CI:-}" = "true" ]; then export FOUNDRY_PROFILE="${FOUNDRY_PROFILE:-ci}"; fi
echo "forge: $(forge --version | head -n1); solc: $(scripts/solc --version | tail -n1); profile: ${FOUNDRY_PROFILE:-default}"

step "forge fmt --check"
forge fmt --check

step "forge build --sizes contracts/src (fails if a contract exceeds the EIP-170 size limit)"
forge build --sizes contracts/src

step "forge test (gas snapshots compared with snapshots/*.json)"
FORGE_SNAPSHOT_CHECK=true forge test
if [ -n "$(git status --porcelain -- snapshots 2>/dev/null)" ]; then
  echo "gas snapshots changed; review and commit snapshots/:" >&2
  git --no-pager diff --stat -- snapshots >&2
  git status --porcelain -- snapshots >&2
  exit 1
fi

step "slither on contracts/src (fails on a high or medium finding not triaged in contracts/slither-triage.json)"
scripts/slither.sh

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy --workspace --all-targets -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "curl and jq (the README's write-API walkthrough is run by a test)"
if ! command -v curl >/dev/null 2>&1 || ! command -v jq >/dev/null 2>&1; then
  [ "$(id -u)" -eq 0 ] || { echo "curl and jq are needed: install them (apt-get install curl jq)" >&2; exit 1; }
  echo "installing the Debian curl and jq packages"
  DEBIAN_FRONTEND=noninteractive apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends curl jq
fi
echo "curl: $(curl --version | head -n1 | cut -d' ' -f1-2); jq: $(jq --version)"

step "PostgreSQL for the store tests"
export OGCR_REQUIRE_POSTGRES=1
if [ -n "${OGCR_TEST_POSTGRES_URL:-}" ]; then
  echo "using OGCR_TEST_POSTGRES_URL from the environment"
else
  pg_dir="$(mktemp -d "${TMPDIR:-/tmp}/ogcr-pg.XXXXXX")"
  trap 'scripts/pg-test-cluster.sh stop "$pg_dir"' EXIT
  OGCR_TEST_POSTGRES_URL="$(scripts/pg-test-cluster.sh start "$pg_dir")"
  export OGCR_TEST_POSTGRES_URL
  echo "throwaway cluster: $OGCR_TEST_POSTGRES_URL"
fi

step "cargo nextest run --workspace"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked
else
  echo "cargo-nextest not installed; using cargo test"
  cargo test --workspace --locked
fi

step "explorer in headless Chromium: every page type, map, search, timeline, provenance, certificates, axe-core"
OGCR_BIN="$PWD/target/debug/ogcr" scripts/browser-tests.sh

step "API fuzzing: schemathesis over every operation of a demo stack's /openapi.json (>= 10 000 requests)"
OGCR_BIN="$PWD/target/debug/ogcr" scripts/fuzz-api.sh
