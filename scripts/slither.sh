#!/usr/bin/env bash
# Slither static analysis of contracts/src; fails on any high or medium finding that is not
# triaged in contracts/slither-triage.json.
#
#   scripts/slither.sh
#
# 1. A Python venv in .venv-tools/slither (git-ignored) with a pinned slither-analyzer and its
#    whole dependency closure pinned below, made when missing or when the pins change, reused
#    otherwise (a stamp file records what was installed).
# 2. forge builds contracts/src with the project's foundry.toml (solc-js behind scripts/solc,
#    via-IR, offline) and --build-info, into .venv-tools/slither/build: out/ and cache/ of
#    `forge build`/`forge test` are left alone. Tests and scripts are not compiled.
# 3. slither reads that build (--ignore-compile); findings in node_modules (OpenZeppelin),
#    lib/, contracts/test and contracts/script are dropped.
# 4. Every High or Medium finding must match an entry of contracts/slither-triage.json
#    (detector + file + target [+ nodes]; the file's "about" says how). Untriaged ones are
#    printed with a triage template and the script exits 1; otherwise it prints one summary
#    line. Triage entries that match nothing are reported as stale (a warning, not a failure).
#    Low, informational and optimization findings are counted, not gated.
#
# Needs python3 (>= 3.10, with venv) and the npm toolchain (runs `npm ci` if forge or solc-js
# is missing). Network: PyPI (first run only) and the npm registry (only if npm ci runs).
# Each stage is bounded by `timeout`; a cold run takes about a minute on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly SLITHER_VERSION=0.11.6
readonly TOOL_DIR=.venv-tools/slither
readonly VENV="$TOOL_DIR/venv"
readonly BUILD="$TOOL_DIR/build"
readonly TRIAGE=contracts/slither-triage.json
# Results in these paths are dropped: dependencies (not ours) and tests and scripts (not
# deployed). slither strips leading and trailing '/' and '.' from the regex, hence the '.+'
# (a bare trailing '/' would be lost and 'lib' would then match contracts/src/libraries).
readonly FILTER_PATHS='(^|/)(node_modules|lib|contracts/test|contracts/script)/.+'

# slither-analyzer and its full dependency closure (pip freeze of a clean install), installed
# with --no-deps so that nothing unpinned comes in.
REQUIREMENTS="$(
  cat <<EOF
slither-analyzer==$SLITHER_VERSION
crytic-compile==0.4.2
solc-select==1.2.0
aiohappyeyeballs==2.7.1
aiohttp==3.14.5
aiosignal==1.4.0
annotated-types==0.8.0
attrs==26.1.0
bitarray==3.12.3
cbor2==6.3.0
certifi==2026.10.19.post1
charset-normalizer==3.5.3
ckzg==2.1.8
cytoolz==1.2.0
eth-account==0.14.0
eth-hash==0.8.0
eth-keyfile==0.10.0
eth-keys==0.8.0
eth-rlp==3.0.0
eth-typing==6.0.0
eth-utils==6.0.0
eth_abi==6.0.0
frozenlist==1.8.0
hexbytes==2.0.0
idna==3.21
multidict==7.2.1
packaging==26.4
parsimonious==0.10.0
prettytable==3.19.0
propcache==0.5.4
py-ecc==8.0.0
pycryptodome==3.24.1
pydantic==2.14.4
pydantic_core==2.50.5
pyunormalize==18.0.0
regex==2026.12.2
requests==2.34.2
rlp==5.0.0
toolz==1.2.0
types-requests==2.33.0.20261030
typing-inspection==0.4.5
typing_extensions==4.16.0
urllib3==2.8.0
wcwidth==0.9.5
web3==7.16.0
websockets==15.0.1
yarl==1.25.1
EOF
)"
readonly REQUIREMENTS

log() { printf 'slither.sh: %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 2
}

# --- 1. the venv -------------------------------------------------------------------------
python="${PYTHON:-python3}"
command -v "$python" >/dev/null 2>&1 || die "$python not found (set PYTHON to a Python >= 3.10)"
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 10))' ||
  die "slither-analyzer $SLITHER_VERSION needs Python >= 3.10 ($("$python" --version 2>&1))"

stamp="$(printf '%s\n%s\n' "$("$python" -c 'import sys; print(sys.version)')" "$REQUIREMENTS" |
  sha256sum | cut -d' ' -f1)"
if [ -x "$VENV/bin/slither" ] && [ "$(cat "$VENV/.ogcr-stamp" 2>/dev/null)" = "$stamp" ]; then
  log "reusing $VENV (slither-analyzer $SLITHER_VERSION)"
else
  log "creating $VENV with slither-analyzer $SLITHER_VERSION from PyPI"
  rm -rf "$VENV"
  mkdir -p "$TOOL_DIR"
  "$python" -m venv "$VENV"
  printf '%s\n' "$REQUIREMENTS" >"$TOOL_DIR/requirements.txt"
  timeout 600 "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
    --timeout 60 --no-deps --requirement "$TOOL_DIR/requirements.txt"
  "$VENV/bin/python" -m pip check --disable-pip-version-check >/dev/null ||
    die "the pinned requirements are inconsistent: $("$VENV/bin/python" -m pip check 2>&1)"
  printf '%s\n' "$stamp" >"$VENV/.ogcr-stamp"
fi

# --- 2. the build ------------------------------------------------------------------------
if [ ! -x node_modules/.bin/forge ] || [ ! -d node_modules/solc ]; then
  log "npm ci: forge and solc-js from package-lock.json"
  timeout 600 npm ci --no-audit --no-fund --loglevel=error
fi
export PATH="$PWD/node_modules/.bin:$PATH"

# A fresh directory each run: slither reads every build-info file in it, and stale ones would
# describe old sources.
rm -rf "$BUILD"
mkdir -p "$BUILD"
log "forge build --build-info contracts/src (into $BUILD)"
if ! FOUNDRY_OUT="$BUILD/out" FOUNDRY_CACHE_PATH="$BUILD/cache" \
  timeout 600 forge build --build-info --force contracts/src >"$BUILD/forge.log" 2>&1; then
  cat "$BUILD/forge.log" >&2
  die "forge build failed"
fi

# --- 3. slither --------------------------------------------------------------------------
log "slither (filter-paths $FILTER_PATHS)"
# --fail-none: the exit code says whether slither ran; the findings are judged in step 4.
if ! timeout 600 "$VENV/bin/slither" . \
  --ignore-compile --foundry-out-directory "$BUILD/out" \
  --filter-paths "$FILTER_PATHS" --exclude-dependencies \
  --fail-none --disable-color --json "$BUILD/slither.json" >"$BUILD/slither.log" 2>&1; then
  cat "$BUILD/slither.log" >&2
  die "slither failed"
fi

# --- 4. triage ---------------------------------------------------------------------------
"$VENV/bin/python" - "$BUILD/slither.json" "$TRIAGE" "$SLITHER_VERSION" <<'PY'
"""Compare slither's High/Medium findings with the triage file; exit 1 on untriaged ones."""
import json
import sys

report_path, triage_path, version = sys.argv[1:4]
GATED = ("High", "Medium")

with open(report_path) as f:
    report = json.load(f)
if not report.get("success"):
    sys.exit(f"slither.sh: slither reported an error: {report.get('error')}")
findings = report.get("results", {}).get("detectors", [])

with open(triage_path) as f:
    triage = json.load(f)
entries = triage.get("findings", [])
for i, entry in enumerate(entries):
    missing = [k for k in ("detector", "file", "target", "status", "reason") if not entry.get(k)]
    if missing:
        sys.exit(f"slither.sh: {triage_path} entry {i} lacks {', '.join(missing)}")
    if entry["status"] not in ("false-positive", "accepted"):
        sys.exit(f"slither.sh: {triage_path} entry {i}: status must be false-positive or accepted")


def target_of(element):
    """Contract.function(signature), Contract.variable or Contract, whatever the element is."""
    kind = element.get("type")
    fields = element.get("type_specific_fields", {})
    parent = fields.get("parent", {})
    if kind == "node" and parent:
        return target_of(parent)
    if kind == "function":
        name = fields.get("signature", element.get("name"))
        return f"{parent['name']}.{name}" if parent.get("name") else name
    if parent.get("name") and parent.get("type") == "contract":
        return f"{parent['name']}.{element.get('name')}"
    return element.get("name", "?")


def key_of(finding):
    elements = finding.get("elements", [])
    head = next((e for e in elements if e.get("type") != "node"), elements[0] if elements else {})
    mapping = head.get("source_mapping", {})
    lines = mapping.get("lines") or [0]
    return {
        "detector": finding["check"],
        "file": mapping.get("filename_relative", "?"),
        "target": target_of(head) if head else "?",
        "nodes": sorted(e["name"] for e in elements if e.get("type") == "node"),
        "where": f"{mapping.get('filename_relative', '?')}#{lines[0]}-{lines[-1]}",
    }


def matches(entry, key):
    if (entry["detector"], entry["file"], entry["target"]) != (
        key["detector"],
        key["file"],
        key["target"],
    ):
        return False
    return "nodes" not in entry or sorted(entry["nodes"]) == key["nodes"]


gated = [f for f in findings if f.get("impact") in GATED]
other = len(findings) - len(gated)
used = set()
untriaged = []
for finding in gated:
    key = key_of(finding)
    hits = [i for i, entry in enumerate(entries) if matches(entry, key)]
    used.update(hits)
    if not hits:
        untriaged.append((finding, key))

for i, entry in enumerate(entries):
    if i not in used:
        print(
            f"slither.sh: warning: stale triage entry {i} ({entry['detector']} in {entry['target']})"
            " matches no finding; remove it",
            file=sys.stderr,
        )

if untriaged:
    print(f"slither {version}: {len(untriaged)} untriaged high/medium finding(s):")
    for finding, key in untriaged:
        print(
            f"\n[{finding['impact']}/{finding['confidence']}] {key['detector']} in {key['target']}"
            f" ({key['where']})"
        )
        print("  " + finding.get("description", "").strip().replace("\n", "\n  "))
        template = {k: key[k] for k in ("detector", "file", "target", "nodes")}
        template.update(status="false-positive | accepted", reason="...")
        print("  triage entry, if it is a false positive or accepted:")
        print("  " + json.dumps(template))
    print(f"\nfix the code, or triage each finding with its reason in {triage_path}")
    sys.exit(1)

print(
    f"slither {version}: {len(gated)} high/medium finding(s), all triaged in {triage_path}; "
    f"{other} low/informational/optimization finding(s) not gated"
)
PY
