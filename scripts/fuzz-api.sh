#!/usr/bin/env bash
# API fuzzing: schemathesis against the OpenAPI document a demo stack publishes.
#
#   scripts/fuzz-api.sh            # OGCR_BIN=target/release/ogcr scripts/fuzz-api.sh
#
# 1. A Python venv in .venv-tools/schemathesis (git-ignored) with a pinned schemathesis and its
#    whole dependency closure pinned below, made when missing or when the pins change, reused
#    otherwise (a stamp file records what was installed).
# 2. `ogcr up --demo` (anvil, the contracts, the indexer into SQLite, the read and write API,
#    no rate limit) in a throwaway directory on free loopback ports; the script waits until the
#    demo is indexed (GET /health ok, six projects), then adds a seventh whose PDD the indexer
#    cannot fetch, so that the unverified Feature the API serves for it is checked too.
# 3. schemathesis over every operation of GET /openapi.json with the checks
#    not_a_server_error, status_code_conformance, content_type_conformance and
#    response_schema_conformance, in all its phases (examples, coverage, fuzzing, stateful) and
#    both modes (valid and invalid data). The write routes are called with the demo key of the
#    role each needs (developer, validator, verifier, registry operator, holder; the
#    administrator's for the audit log), so that they get past authorization to validation and
#    the chain: accepted writes are real transactions on the throwaway chain.
# 4. Exits non-zero on any finding (schemathesis prints each with a curl reproduction and its
#    seed), or when fewer than OGCR_FUZZ_MIN_REQUESTS requests were answered, counted by the
#    server itself (ogcr_api_requests_total of GET /metrics, before and after). The stack is
#    stopped with SIGINT and the directory removed on exit, whatever happens.
#
# Builds nothing: the binary is OGCR_BIN (default target/debug/ogcr); anvil is OGCR_ANVIL
# (default node_modules/.bin/anvil, from `npm ci`). Needs python3 (>= 3.10, with venv) and curl.
# Network: PyPI on the first run; otherwise 127.0.0.1 only.
#
# Environment:
#   OGCR_FUZZ_EXAMPLES      test cases per operation and phase (default 300: about 13 000
#                           requests, 4 minutes on 2 cores)
#   OGCR_FUZZ_WORKERS       schemathesis worker threads (default 1: with more, CPython 3.11's
#                           ast module fails now and then under hypothesis, "AST constructor
#                           recursion depth mismatch", CPython gh-106905)
#   OGCR_FUZZ_SEED          replay a run (schemathesis prints its seed)
#   OGCR_FUZZ_MIN_REQUESTS  fewer answered requests fail the run (default 10000)
#   OGCR_FUZZ_TIMEOUT       seconds the schemathesis run may take (default 900)
#   OGCR_FUZZ_REPORT_DIR    keep schemathesis's JUnit and NDJSON reports and the document there
#   OGCR_FUZZ_KEEP=1        keep the stack's directory (its logs, database and chain state)
#   PYTHON                  the Python that makes the venv (default python3)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

venv="$root/.venv-tools/schemathesis"
bin="${OGCR_BIN:-$root/target/debug/ogcr}"
anvil="${OGCR_ANVIL:-$root/node_modules/.bin/anvil}"
examples="${OGCR_FUZZ_EXAMPLES:-300}"
workers="${OGCR_FUZZ_WORKERS:-1}"
min_requests="${OGCR_FUZZ_MIN_REQUESTS:-10000}"
run_timeout="${OGCR_FUZZ_TIMEOUT:-900}"
checks=not_a_server_error,status_code_conformance,content_type_conformance
checks+=,response_schema_conformance

# schemathesis and its whole dependency closure (pip freeze of a clean install), installed with
# --no-deps so that nothing unpinned comes in.
readonly SCHEMATHESIS_VERSION=4.32.5
REQUIREMENTS="$(
  cat <<EOF
schemathesis==$SCHEMATHESIS_VERSION
anyio==4.16.0
certifi==2026.10.19.post1
charset-normalizer==3.5.3
click==8.5.1
graphql-core==3.3.2
harfile==0.6.0
hypothesis==6.170.27
hypothesis-graphql==0.13.5
idna==3.21
iniconfig==2.3.1
jsonschema_rs==0.60.3
markdown-it-py==4.3.0
MarkupSafe==3.0.4
mdurl==0.1.2
packaging==26.4
pluggy==1.7.0
Pygments==2.21.0
pyrate-limiter==4.6.0
pytest==9.2.0
PyYAML==6.0.4
requests==2.34.2
rich==15.0.0
sortedcontainers==2.4.0
typing_extensions==4.16.0
urllib3==2.8.0
Werkzeug==3.1.9
EOF
)"
readonly REQUIREMENTS

step() { printf '\n==> %s\n' "$*"; }
die() {
  echo "fuzz-api: $*" >&2
  exit 1
}

[ -x "$bin" ] || die "no ogcr binary at $bin (build it: cargo build -p ogcr-cli, or set OGCR_BIN)"
[ -x "$anvil" ] || die "no anvil at $anvil (run npm ci, or set OGCR_ANVIL)"
command -v curl >/dev/null 2>&1 || die "curl is needed"

# --- 1. the venv -------------------------------------------------------------------------
python="${PYTHON:-python3}"
command -v "$python" >/dev/null 2>&1 || die "$python not found (set PYTHON to a Python >= 3.10)"
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' ||
  die "schemathesis $SCHEMATHESIS_VERSION needs Python >= 3.10 ($("$python" --version 2>&1))"
stamp="$(printf '%s\n%s\n' "$("$python" -c 'import sys; print(sys.version)')" "$REQUIREMENTS" |
  sha256sum | cut -d' ' -f1)"
if [ -x "$venv/bin/schemathesis" ] && [ "$(cat "$venv/.ogcr-stamp" 2>/dev/null)" = "$stamp" ]; then
  step "reusing ${venv#"$root"/} (schemathesis $SCHEMATHESIS_VERSION)"
else
  step "creating ${venv#"$root"/} with schemathesis $SCHEMATHESIS_VERSION from PyPI"
  rm -rf "$venv"
  "$python" -m venv "$venv"
  printf '%s\n' "$REQUIREMENTS" >"$venv/requirements.txt"
  timeout 600 "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
    --timeout 60 --no-deps --requirement "$venv/requirements.txt"
  "$venv/bin/python" -m pip check --disable-pip-version-check >/dev/null ||
    die "the pinned requirements are inconsistent: $("$venv/bin/python" -m pip check 2>&1)"
  printf '%s\n' "$stamp" >"$venv/.ogcr-stamp"
fi
"$venv/bin/schemathesis" --version
py="$venv/bin/python"

# --- 2. the stack ------------------------------------------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/ogcr-fuzz.XXXXXX")"
pid=""
stop_stack() {
  [ -n "$pid" ] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -INT "$pid" 2>/dev/null || true
    for _ in $(seq 1 120); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "fuzz-api: ogcr up did not stop within 60 s of SIGINT; sending SIGTERM" >&2
      kill -TERM "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true
  pid=""
}
cleanup() {
  local rc=$?
  stop_stack
  if [ "${OGCR_FUZZ_KEEP:-}" = 1 ]; then
    echo "kept $work"
  else
    rm -rf "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Two free loopback ports (the kernel's choice; released just before ogcr binds them).
read -r api_port anvil_port < <("$py" -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))
')
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

projects_total() {
  curl -sf "$base/projects?limit=1&offset=0" 2>/dev/null |
    "$py" -c 'import json, sys; print(json.load(sys.stdin)["pagination"]["total"])' 2>/dev/null ||
    true
}
ready=""
for _ in $(seq 1 600); do
  if ! kill -0 "$pid" 2>/dev/null; then
    tail -n 40 "$work/up.log" >&2
    die "ogcr up exited before serving"
  fi
  if curl -sf "$base/health" 2>/dev/null | grep -q '"status":"ok"' &&
    [ "$(projects_total)" = 6 ]; then
    ready=1
    break
  fi
  sleep 0.5
done
if [ -z "$ready" ]; then
  tail -n 40 "$work/up.log" >&2
  die "the demo was not indexed within 300 s"
fi

# One more project, registered by the demo developer (anvil dev account #1, whose key is
# public) with its PDD stored where the indexer does not look: the API serves it as an
# unverified Feature, so that the lists check that shape too.
"$py" - crates/ogcr-core/examples-data/pdd-br-reforestation.geojson "$work/unverified.geojson" \
  <<'EOF'
import json, sys
pdd = json.load(open(sys.argv[1]))
pdd["id"] = "OGCR-XX-0001"
json.dump(pdd, open(sys.argv[2], "w"))
EOF
(
  cd "$work"
  "$bin" project register unverified.geojson --docs-dir "$work/unserved" \
    --rpc-url "http://127.0.0.1:$anvil_port" \
    --private-key 0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d >/dev/null
)
for _ in $(seq 1 120); do
  [ "$(projects_total)" = 7 ] && break
  sleep 0.5
done
[ "$(projects_total)" = 7 ] || die "the unverified project was not indexed within 60 s"
echo "demo indexed: $(curl -s "$base/health")"

# --- 3. schemathesis ---------------------------------------------------------------------
# Each write operation with the key of the role it needs; everything else with the developer's.
"$py" - "$work/.ogcr/demo-api-keys.json" "$work/schemathesis.toml" <<'EOF'
import json, sys
keys = json.load(open(sys.argv[1]))
roles = {
    "developer": ["createProject", "updateProject", "submitProject", "archiveProject",
                  "submitMonitoringReport", "getTask"],
    "validator": ["reviewProject", "approveProject", "rejectProject"],
    "verifier": ["verifyMonitoringReport", "rejectMonitoringReport"],
    "registry_operator": ["issueCredits", "cancelCredit"],
    "holder": ["transferCredits", "splitCredit", "retireCredit"],
    "administrator": ["listAudit"],
}
bearer = lambda role: 'headers = { Authorization = "Bearer %s" }' % keys[role]
out = [bearer("developer"), ""]
for role, ops in roles.items():
    out += ["[[operations]]", "include-operation-id = %s" % json.dumps(ops), bearer(role), ""]
open(sys.argv[2], "w").write("\n".join(out))
EOF

requests_answered() {
  curl -s "$base/metrics" |
    awk '/^ogcr_api_requests_total[{ ]/ { n += $NF } END { printf "%d\n", n }'
}
before=$(requests_answered)

# GET /events/stream never ends (Server-Sent Events): every valid case would wait for the
# request timeout. Its answers and refusals are tested in crates/ogcr-api/tests/it/stream.rs.
seed_args=()
[ -n "${OGCR_FUZZ_SEED:-}" ] && seed_args=(--seed "$OGCR_FUZZ_SEED")
step "schemathesis: every operation; checks $checks; $examples examples per operation and phase"
started=$(date +%s)
set +e
(
  cd "$work"
  timeout --signal=INT "$run_timeout" \
    "$venv/bin/schemathesis" --config-file "$work/schemathesis.toml" run "$base/openapi.json" \
    --checks "$checks" --max-examples "$examples" --workers "$workers" \
    --request-timeout 30 --generation-database none --no-color \
    --exclude-operation-id streamEvents \
    --report junit,ndjson --report-dir "$work/report" "${seed_args[@]}"
)
st_rc=$?
set -e
elapsed=$(($(date +%s) - started))
after=$(requests_answered)
# The first /metrics read counts itself once it has answered.
total=$((after - before - 1))

if [ -n "${OGCR_FUZZ_REPORT_DIR:-}" ]; then
  mkdir -p "$OGCR_FUZZ_REPORT_DIR"
  cp -r "$work/report/." "$OGCR_FUZZ_REPORT_DIR/"
  curl -s "$base/openapi.json" >"$OGCR_FUZZ_REPORT_DIR/openapi.json" || true
fi
stop_stack

# --- 4. the verdict ----------------------------------------------------------------------
step "result"
echo "requests answered by the API during the run: $total (at least $min_requests wanted)"
echo "schemathesis time: ${elapsed} s; exit status $st_rc"
if [ "$st_rc" -eq 124 ]; then
  die "schemathesis did not finish within $run_timeout s"
elif [ "$st_rc" -ne 0 ]; then
  # One line per failing operation, from the JUnit report (the details are above).
  "$py" - "$work"/report/junit-*.xml <<'EOF' || true
import sys, xml.etree.ElementTree as ET
for path in sys.argv[1:]:
    for case in ET.parse(path).iter("testcase"):
        for problem in list(case.iter("failure")) + list(case.iter("error")):
            lines = [l.strip() for l in (problem.text or "").splitlines()]
            titles = [l[2:] for l in lines if l.startswith("- ")]
            what = titles[0] if titles else problem.get("message") or ""
            print(f"  {problem.tag}: {case.get('name')}: {what}"[:200])
EOF
  die "schemathesis found problems (the findings are listed above, each with a curl reproduction)"
fi
[ "$total" -ge "$min_requests" ] || die "only $total requests were made (raise OGCR_FUZZ_EXAMPLES)"
echo "no findings"
