#!/usr/bin/env bash
# Runs every test of Serving. Does all set-up itself (idempotent): the Debian packages the
# interop and metrics tests need (python3-grpcio, python3-grpc-tools, prometheus), ONNX Runtime
# 1.30 and the real models into the cache, the node reference implementation; then builds and
# runs the tests.
#   ./test.sh [extra dotnet test arguments, e.g. --filter FullyQualifiedName~Grpc]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"

scripts/setup.sh tests

echo "[test] building (Release)..." >&2
dotnet build Serving.sln -c Release --nologo -v quiet -clp:ErrorsOnly

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
# One test project at a time: the machine has two cores and several suites start real servers.
dotnet test Serving.sln -c Release --no-build --nologo -m:1 "$@" 2>&1 | tee "$log" || status=$?

# dotnet test prints one summary per project; add them up into one closing line.
awk '
  /(Passed|Failed)!/ {
    for (i = 1; i <= NF; i++) {
      v = $(i+1); gsub(/,/, "", v)
      if ($i == "Failed:") failed += v
      if ($i == "Passed:") passed += v
      if ($i == "Skipped:") skipped += v
    }
  }
  END { printf "%d passed, %d failed, %d skipped\n", passed, failed, skipped }' "$log"
exit "$status"
