#!/usr/bin/env bash
# Builds deploy/Dockerfile's image with podman from this checkout's static build (the
# build stage is replaced by a local directory, so no registry is needed), runs it and
# calls it. Needs podman (and, on a cgroup-v1 host, runc):
#   apt-get install podman runc
# Usage: deploy/check-image.sh [module.wasm]   (default: the echo example)
set -euo pipefail
cd "$(dirname "$0")/.."
module=${1:-examples/target/wasm32-wasip2/release/echo.wasm}
cargo build --release --locked -p host
[ -n "${1:-}" ] || cargo build --release --locked --manifest-path examples/Cargo.toml -p echo --target wasm32-wasip2
stage=$(mktemp -d)
trap 'rm -rf "$stage"; podman rm -f bootstrap-check >/dev/null 2>&1 || true' EXIT
mkdir -p "$stage/out/code" "$stage/out/tmp"
chmod 1777 "$stage/out/tmp"
cp target/x86_64-unknown-linux-musl/release/bootstrap "$stage/out/code/bootstrap"
cp "$module" "$stage/out/code/handler.wasm"
"$stage/out/code/bootstrap" compile "$stage/out/code/handler.wasm"
podman build --build-context build="$stage" -f deploy/Dockerfile -t localhost/bootstrap-check .
# cgroup v1 ("hybrid") hosts: crun refuses them, runc with cgroupfs works. Limits are
# lowered, not raised, so no CAP_SYS_RESOURCE is needed.
runtime=()
if [ ! -f /sys/fs/cgroup/cgroup.controllers ] && command -v runc >/dev/null; then
  runtime=(--runtime "$(command -v runc)" --cgroup-manager=cgroupfs)
fi
podman "${runtime[@]}" run -d --name bootstrap-check --ulimit nofile=4096:4096 \
  --ulimit nproc=1024:1024 -p 127.0.0.1:9310:9000 localhost/bootstrap-check
for _ in $(seq 50); do
  answer=$(curl -sf -XPOST 127.0.0.1:9310/invoke -d 'from the image' || true)
  [ -n "$answer" ] && break
  sleep 0.1
done
podman logs bootstrap-check 2>&1 | tail -n 5
echo "answer: $answer"
[ "$answer" = "from the image" ]
echo "the image serves"
