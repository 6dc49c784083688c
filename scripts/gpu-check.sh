#!/usr/bin/env bash
# The CUDA check on a GPU machine that has neither .NET nor a network (the machines lent to some
# sessions): everything it needs is packed here and sent in pieces that each fit one call.
#
#   bash scripts/gpu-check.sh pack           # here: builds .gpu-check/ (git-ignored)
#   bash scripts/gpu-check.sh run [ARGS...]  # there, once every piece has arrived
#
# `pack` restores ONNX Runtime's GPU build (the Linux native libraries of its NuGet package, the
# same version as the CPU build we use; it links CUDA 13 and cuDNN 9), publishes the benchmarks
# self-contained for linux-x64, takes the default model repository from the set-up cache, packs
# all of it with xz and splits it into pieces of PIECE_MB (default 56) MiB, listed with their
# SHA-256 in .gpu-check/manifest. Send one piece per call to the same warm machine (each call
# carries .gpu-check/manifest and its piece; earlier pieces stay there as ignored files), and run
# `run` in the last call. `run` checks the pieces against the manifest, unpacks them under
# $GPU_CHECK_DIR (default /tmp/gpu-check), puts the CUDA and cuDNN libraries of the machine's
# Python packages (nvidia-*) on LD_LIBRARY_PATH, and runs the worker benchmark on the GPU:
# by default `worker --part face,router --device cuda --concurrency 1,8,32 --duration 12 --rounds 2`
# (fr_feature in-process with the CUDA provider against the worker and router + worker serving it
# with --device cuda); ARGS replace those arguments.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/.gpu-check"
ort_version="1.30.0"

pack() {
  local stage native cache
  scratch="$(mktemp -d)"
  trap 'rm -rf "$scratch"' EXIT
  stage="$scratch/stage"
  mkdir -p "$stage/ort" "$stage/cache" "$out"
  rm -f "$out"/piece-* "$out/manifest"

  echo "[gpu-check] ONNX Runtime $ort_version GPU build (NuGet Microsoft.ML.OnnxRuntime.Gpu.Linux)" >&2
  cat > "$scratch/ort.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
    <ImportDirectoryBuildProps>false</ImportDirectoryBuildProps>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Microsoft.ML.OnnxRuntime.Gpu.Linux" Version="$ort_version" />
  </ItemGroup>
</Project>
EOF
  dotnet restore "$scratch/ort.csproj" --packages "$scratch/packages" --nologo -v quiet >&2
  native="$scratch/packages/microsoft.ml.onnxruntime.gpu.linux/$ort_version/runtimes/linux-x64/native"
  cp "$native/libonnxruntime.so" "$stage/ort/libonnxruntime.so.1"
  cp "$native/libonnxruntime_providers_shared.so" "$native/libonnxruntime_providers_cuda.so" "$stage/ort/"

  echo "[gpu-check] benchmarks, self-contained for linux-x64" >&2
  dotnet publish "$root/benchmarks/Serving.Benchmarks" -c Release -r linux-x64 --self-contained \
    -o "$stage/bench" --nologo -v quiet -p:DebugType=none >&2

  cache="${SERVING_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/serving}"
  if [ ! -d "$cache/repository/fr_feature" ]; then
    echo "[gpu-check] no default repository in $cache: run ./serving models setup first" >&2
    exit 1
  fi
  cp -r "$cache/repository" "$stage/cache/repository"

  echo "[gpu-check] packing (xz) into ${PIECE_MB:-56} MiB pieces" >&2
  tar -C "$stage" -cf - . | xz -T2 -1 | split -b "${PIECE_MB:-56}M" - "$out/piece-"
  (cd "$out" && sha256sum piece-* > manifest)
  ls -l "$out" >&2
  echo "[gpu-check] send each piece in its own call (carry .gpu-check/manifest and .gpu-check/piece-XX), then run: bash scripts/gpu-check.sh run" >&2
}

run() {
  local dir="${GPU_CHECK_DIR:-/tmp/gpu-check}" libs site
  [ -f "$out/manifest" ] || { echo "[gpu-check] no $out/manifest: carry it with every piece" >&2; exit 1; }
  (cd "$out" && sha256sum --quiet -c manifest) || { echo "[gpu-check] pieces missing or damaged (see above)" >&2; exit 1; }
  rm -rf "$dir" && mkdir -p "$dir"
  cat "$out"/piece-* | xz -d | tar -C "$dir" -xf -

  # CUDA 13 and cuDNN 9 from the machine's Python packages (nvidia-cublas, nvidia-cudnn-cu13, ...).
  libs=""
  for site in $(python3 -c 'import site; print(" ".join(site.getsitepackages()))' 2>/dev/null); do
    if [ -d "$site/nvidia" ]; then
      libs="$libs:$(find "$site/nvidia" -name 'lib*.so*' -printf '%h\n' | sort -u | paste -sd:)"
    fi
  done
  export LD_LIBRARY_PATH="$dir/ort$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export SERVING_ORT_LIB="$dir/ort/libonnxruntime.so.1" SERVING_CACHE="$dir/cache"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || true
  if [ $# -eq 0 ]; then
    set -- worker --part face,router --device cuda --concurrency 1,8,32 --duration 12 --rounds 2
  fi
  exec "$dir/bench/Serving.Benchmarks" "$@"
}

case "${1:-}" in
  pack) pack ;;
  run) shift; run "$@" ;;
  *) sed -n '2,20p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
esac
