#!/usr/bin/env bash
# Browser tests of the explorer: headless Chromium (Debian's package, driven by playwright-core
# from package-lock.json) against `ogcr up --demo` in a throwaway directory on free loopback
# ports. What each test checks is in tests/browser/explorer.test.mjs; screenshots of every page
# type are written to $OGCR_SCREENSHOTS (default target/browser-screenshots, not committed).
#
#   scripts/browser-tests.sh          # OGCR_BIN=target/release/ogcr scripts/browser-tests.sh
#
# Installs Debian's chromium when /usr/bin/chromium is missing (as root; otherwise it says what
# to install). Builds nothing: the binary is OGCR_BIN (default target/debug/ogcr), anvil
# OGCR_ANVIL (default node_modules/.bin/anvil, from `npm ci`). OGCR_BROWSER_KEEP=1 keeps the
# stack's directory. Network: Debian's mirror on the first run; otherwise 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bin="${OGCR_BIN:-$root/target/debug/ogcr}"
anvil="${OGCR_ANVIL:-$root/node_modules/.bin/anvil}"
chromium="${CHROMIUM:-/usr/bin/chromium}"
export OGCR_SCREENSHOTS="${OGCR_SCREENSHOTS:-$root/target/browser-screenshots}"

step() { printf '\n==> %s\n' "$*"; }
die() {
  echo "browser-tests: $*" >&2
  exit 1
}

[ -x "$bin" ] || die "no ogcr binary at $bin (build it: cargo build -p ogcr-cli, or set OGCR_BIN)"
[ -x "$anvil" ] || die "no anvil at $anvil (run npm ci, or set OGCR_ANVIL)"
[ -d node_modules/playwright-core ] && [ -d node_modules/axe-core ] ||
  die "playwright-core and axe-core are missing: run npm ci"
command -v node >/dev/null 2>&1 || die "node is needed (it runs the tests)"
if [ ! -x "$chromium" ]; then
  [ "$(id -u)" -eq 0 ] || die "Chromium is needed at $chromium: apt-get install chromium (or set CHROMIUM)"
  step "installing Debian's chromium"
  DEBIAN_FRONTEND=noninteractive apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium
fi
"$chromium" --version
export CHROMIUM="$chromium"

work="$(mktemp -d "${TMPDIR:-/tmp}/ogcr-browser.XXXXXX")"
pid=""
cleanup() {
  local rc=$?
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -INT "$pid" 2>/dev/null || true
    for _ in $(seq 1 120); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    kill -TERM "$pid" 2>/dev/null || true
  fi
  [ -n "$pid" ] && wait "$pid" 2>/dev/null || true
  if [ "${OGCR_BROWSER_KEEP:-}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

read -r api_port anvil_port < <(node -e '
const net = require("net");
const a = net.createServer().listen(0, "127.0.0.1", () => {
  const b = net.createServer().listen(0, "127.0.0.1", () => {
    console.log(a.address().port, b.address().port); a.close(); b.close();
  });
});')
base="http://127.0.0.1:$api_port"

step "ogcr up --demo on $base (anvil on 127.0.0.1:$anvil_port) in $work"
mkdir -p "$work/deploy"
cp deploy/networks.toml "$work/deploy/"
(
  cd "$work"
  OGCR_ANVIL="$anvil" exec "$bin" up --demo --host 127.0.0.1 --port "$api_port" \
    --anvil-port "$anvil_port" --rate-limit 0 >"$work/up.log" 2>&1
) &
pid=$!

# Ready when the demo's summary is written and every retirement in it is indexed.
ready=""
for _ in $(seq 1 600); do
  if ! kill -0 "$pid" 2>/dev/null; then
    tail -n 40 "$work/up.log" >&2
    die "ogcr up exited before serving"
  fi
  if [ -f "$work/.ogcr/demo-summary.json" ] &&
    node -e '
      const want = require(process.argv[1]).retirements.length;
      fetch(process.argv[2] + "/retirements?limit=1", { headers: { accept: "application/json" } })
        .then((r) => r.json()).then((j) => process.exit(j.pagination.total === want ? 0 : 1))
        .catch(() => process.exit(1));' "$work/.ogcr/demo-summary.json" "$base" 2>/dev/null; then
    ready=1
    break
  fi
  sleep 0.5
done
if [ -z "$ready" ]; then
  tail -n 40 "$work/up.log" >&2
  die "the demo was not indexed within 300 s"
fi

step "explorer tests in headless Chromium"
OGCR_URL="$base" timeout 600 node tests/browser/explorer.test.mjs
