#!/usr/bin/env bash
# TuxPilot's whole check, as CI runs it: a real engine, formatting, lints, licences, all tests.
#
#   scripts/test.sh            engine tests skip (with a message) if no engine can be had
#   TUXPILOT_REQUIRE_DOCKER=1 scripts/test.sh    engine tests fail instead (what .ci/run does)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*"; }

step "Docker Engine for the real-engine tests (scripts/dev-engine.sh)"
if ! bash scripts/dev-engine.sh; then
  if [[ "${TUXPILOT_REQUIRE_DOCKER:-}" == 1 ]]; then
    echo "error: no Docker engine and TUXPILOT_REQUIRE_DOCKER=1" >&2
    exit 1
  fi
  echo "warning: no Docker engine; real-engine tests will be skipped" >&2
fi

step "A 3-node Swarm for the Swarm tests (scripts/dev-swarm.sh)"
if out=$(bash scripts/dev-swarm.sh up 3); then
  export TUXPILOT_SWARM_HOST="${out##*DOCKER_HOST=}"
  [[ "${TUXPILOT_REQUIRE_DOCKER:-}" == 1 ]] && export TUXPILOT_REQUIRE_SWARM=1
  # Nothing left behind when the run ends, however it ends.
  trap 'bash scripts/dev-swarm.sh down >/dev/null 2>&1 || true' EXIT
else
  if [[ "${TUXPILOT_REQUIRE_DOCKER:-}" == 1 ]]; then
    echo "error: no swarm and TUXPILOT_REQUIRE_DOCKER=1" >&2
    exit 1
  fi
  echo "warning: no swarm; Swarm tests will be skipped" >&2
fi

step "An engine of its own for the assistant's safety set, which acts on \"all containers\""
if out=$(bash scripts/dev-swarm.sh solo); then
  export TUXPILOT_SOLO_HOST="${out##*TUXPILOT_SOLO_HOST=}"
elif [[ "${TUXPILOT_REQUIRE_DOCKER:-}" == 1 ]]; then
  echo "error: no solo engine and TUXPILOT_REQUIRE_DOCKER=1" >&2
  exit 1
fi

step "No file imports a file that imports it back (scripts/check-file-cycles.py)"
python3 scripts/check-file-cycles.py

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo deny (bans, licenses, sources; the advisory DB is unreachable here)"
if ! command -v cargo-deny >/dev/null 2>&1; then
  echo "installing cargo-deny"
  cargo install cargo-deny --locked --quiet
fi
cargo deny --log-level error check bans licenses sources

step "cargo test"
cargo test --workspace --locked --no-fail-fast
