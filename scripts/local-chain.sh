#!/usr/bin/env bash
# Local registry chain: starts anvil, deploys the ogcr suite, grants the dev roles, prints
# the addresses, and keeps anvil running until Ctrl-C.
#
#   OGCR_PORT   anvil port (default 8545)
#
# Dev accounts (anvil's well-known test mnemonic; never use them on a real network):
#   #0 administrator / deployer, #1 developer, #2 validator, #3 verifier, #4 registry operator.
set -euo pipefail
cd "$(dirname "$0")/.."

port="${OGCR_PORT:-8545}"
rpc="http://127.0.0.1:${port}"

if [ ! -x node_modules/.bin/anvil ] || [ ! -x node_modules/.bin/forge ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> installing the toolchain (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
export PATH="$PWD/node_modules/.bin:$PATH"

if curl -s -o /dev/null "$rpc" 2>/dev/null; then
  echo "error: something already listens on $rpc; set OGCR_PORT to another port" >&2
  exit 1
fi

log="$(mktemp -t ogcr-anvil.XXXXXX.log)"
echo "==> starting anvil on $rpc (log: $log)"
anvil --host 127.0.0.1 --port "$port" --chain-id 31337 >"$log" 2>&1 &
anvil_pid=$!
trap 'echo; echo "==> stopping anvil"; kill "$anvil_pid" 2>/dev/null; wait "$anvil_pid" 2>/dev/null' EXIT INT TERM

for _ in $(seq 1 100); do
  if cast chain-id --rpc-url "$rpc" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$anvil_pid" 2>/dev/null; then echo "error: anvil exited:" >&2; cat "$log" >&2; exit 1; fi
  sleep 0.1
done

echo "==> deploying the suite"
OGCR_DEPLOYER_KEY=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80 \
OGCR_DEVELOPER=0x70997970C51812dc3A010C7d01b50e0d17dc79C8 \
OGCR_VALIDATOR=0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC \
OGCR_VERIFIER=0x90F79bf6EB2c4f870365E785982E1f101E93b906 \
OGCR_OPERATOR=0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65 \
  forge script contracts/script/Deploy.s.sol:Deploy --rpc-url "$rpc" --broadcast --slow 2>&1 \
  | sed -n '/== Logs ==/,/^$/p'

cat <<MSG
==> roles granted to anvil's dev accounts
  administrator      0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266  (#0)
  developer          0x70997970C51812dc3A010C7d01b50e0d17dc79C8  (#1)
  validator          0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC  (#2)
  verifier           0x90F79bf6EB2c4f870365E785982E1f101E93b906  (#3)
  registry operator  0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65  (#4)

RPC: $rpc (chain id 31337). Ctrl-C stops the chain.
MSG
wait "$anvil_pid"
