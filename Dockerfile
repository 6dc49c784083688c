# syntax=docker/dockerfile:1.7
# Serving images: one build, three targets.
#   docker build --target router      -t serving:<v>-router .
#   docker build --target worker      -t serving:<v>-worker .       (CPU, the default target)
#   docker build --target worker-cuda -t serving:<v>-worker-cuda .  (NVIDIA GPU)
# Every final image runs `serving` as UID 1654 with only the published app, ONNX Runtime (workers)
# and libstb0 added to the runtime base. HEALTHCHECK calls `serving health`, a grpc.health.v1
# Check against the process's own gRPC port (exit 0 when SERVING).

ARG DOTNET_TAG=10.0-noble
ARG ORT_VERSION=1.30.0
ARG CUDA_BASE=nvidia/cuda:13.0.1-cudnn-runtime-ubuntu24.04
ARG NODE_BASE=node:20-bookworm-slim

# ---- build: restore and publish the one executable ----
FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_TAG} AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props Serving.sln ./
COPY protos/ protos/
COPY src/ src/
RUN --mount=type=cache,target=/root/.nuget/packages \
    dotnet publish src/Serving.Cli -c Release -o /app --nologo -p:UseAppHost=true -p:DebugType=none

# ---- ort-cpu: libonnxruntime.so.1 (CPU) from npm onnxruntime-node, no install scripts ----
FROM ${NODE_BASE} AS ort-cpu
ARG ORT_VERSION
WORKDIR /ort
RUN npm pack --silent "onnxruntime-node@${ORT_VERSION}" \
 && tar -xzf "onnxruntime-node-${ORT_VERSION}.tgz" package/bin/napi-v6/linux/x64/libonnxruntime.so.1 \
 && mkdir -p /opt/onnxruntime/lib \
 && cp package/bin/napi-v6/linux/x64/libonnxruntime.so.1 /opt/onnxruntime/lib/libonnxruntime.so.1

# ---- ort-gpu: the official ONNX Runtime GPU build (CUDA 13, cuDNN 9: 1.30 links libcublas.so.13, libcudart.so.13) ----
FROM debian:bookworm-slim AS ort-gpu
ARG ORT_VERSION
# Optional: the tarball's SHA-256 to pin the download.
ARG ORT_GPU_SHA256=""
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /ort
RUN curl -fsSL -o ort.tgz "https://github.com/microsoft/onnxruntime/releases/download/v${ORT_VERSION}/onnxruntime-linux-x64-gpu-${ORT_VERSION}.tgz" \
 && if [ -n "$ORT_GPU_SHA256" ]; then echo "$ORT_GPU_SHA256  ort.tgz" | sha256sum -c -; fi \
 && tar -xzf ort.tgz \
 && mkdir -p /opt/onnxruntime/lib \
 && cp -a "onnxruntime-linux-x64-gpu-${ORT_VERSION}/lib/libonnxruntime.so"* \
          "onnxruntime-linux-x64-gpu-${ORT_VERSION}/lib/libonnxruntime_providers_shared.so" \
          "onnxruntime-linux-x64-gpu-${ORT_VERSION}/lib/libonnxruntime_providers_cuda.so" \
          /opt/onnxruntime/lib/

# ---- runtime-base: ASP.NET Core runtime + libstb0 and libwebp7 (image decode), non-root ----
FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_TAG} AS runtime-base
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
RUN apt-get update \
 && apt-get install -y --no-install-recommends libstb0 libwebp7 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build --chown=root:root /app /app
ENV DOTNET_EnableDiagnostics=0 \
    DOTNET_gcServer=0 \
    SERVING_CACHE=/tmp/serving-cache
LABEL org.opencontainers.image.title="serving" \
      org.opencontainers.image.description="SLO-aware gRPC model serving for vision models" \
      org.opencontainers.image.source="https://github.com/serving/serving" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
WORKDIR /app

# ---- router ----
FROM runtime-base AS router
LABEL org.opencontainers.image.title="serving-router"
# UID 1654 is the aspnet images' "app" user.
USER 1654:1654
EXPOSE 8001 8002
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["/app/serving", "health", "--address", "127.0.0.1:8001", "--timeout", "2"]
ENTRYPOINT ["/app/serving"]
CMD ["router", "--port", "8001", "--metrics-port", "8002", "--config", "/etc/serving/router.yaml", "--workers", "serving-worker:8001"]

# ---- worker-cuda: CUDA + cuDNN runtime, the .NET runtime copied in, ONNX Runtime GPU ----
FROM ${CUDA_BASE} AS worker-cuda
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libstb0 libwebp7 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 1654 app \
 && useradd --uid 1654 --gid 1654 --no-create-home --shell /usr/sbin/nologin app
COPY --from=runtime-base /usr/share/dotnet /usr/share/dotnet
COPY --from=ort-gpu /opt/onnxruntime/lib /opt/onnxruntime/lib
COPY --from=build --chown=root:root /app /app
ENV DOTNET_ROOT=/usr/share/dotnet \
    DOTNET_EnableDiagnostics=0 \
    DOTNET_gcServer=0 \
    SERVING_ORT_LIB=/opt/onnxruntime/lib/libonnxruntime.so.1 \
    SERVING_CACHE=/tmp/serving-cache \
    LD_LIBRARY_PATH=/opt/onnxruntime/lib:/usr/local/cuda/lib64:/usr/local/nvidia/lib:/usr/local/nvidia/lib64
LABEL org.opencontainers.image.title="serving-worker-cuda" \
      org.opencontainers.image.description="SLO-aware gRPC model serving for vision models (CUDA worker)" \
      org.opencontainers.image.source="https://github.com/serving/serving" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
WORKDIR /app
USER 1654:1654
EXPOSE 8001 8002
HEALTHCHECK --interval=10s --timeout=3s --start-period=120s --retries=3 \
  CMD ["/app/serving", "health", "--address", "127.0.0.1:8001", "--timeout", "2"]
ENTRYPOINT ["/app/serving"]
CMD ["worker", "--repository", "/models", "--port", "8001", "--metrics-port", "8002", "--device", "cuda", "--grace-period", "30"]

# ---- worker (CPU): the default target ----
FROM runtime-base AS worker
LABEL org.opencontainers.image.title="serving-worker"
COPY --from=ort-cpu /opt/onnxruntime/lib /opt/onnxruntime/lib
ENV SERVING_ORT_LIB=/opt/onnxruntime/lib/libonnxruntime.so.1
USER 1654:1654
EXPOSE 8001 8002
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["/app/serving", "health", "--address", "127.0.0.1:8001", "--timeout", "2"]
ENTRYPOINT ["/app/serving"]
CMD ["worker", "--repository", "/models", "--port", "8001", "--metrics-port", "8002", "--device", "cpu", "--grace-period", "30"]
