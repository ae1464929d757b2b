#!/usr/bin/env bash
# The GPU benchmark, for a machine with a GPU, python3 with PyTorch, and no network and no Node
# (docs/gpu.md). From the repository root, with bench/gpu/dist/payload.tar.xz carried there
# (node --import tsx bench/gpu/build.ts makes it):
#   bash bench/gpu/run.sh [bench.ts options]
# Figures and logs go to $OUT (the machine's output folder, where it has one) or a temporary folder.
set -uo pipefail
cd "$(dirname "$0")/../.."
PAYLOAD=bench/gpu/dist/payload.tar.xz
if [ ! -f "$PAYLOAD" ]; then
  echo "run.sh: $PAYLOAD is missing: build it with 'node --import tsx bench/gpu/build.ts' and carry bench/gpu/dist" >&2
  exit 3
fi
OUTDIR=${OUT:-$(mktemp -d /tmp/cgan-gpu-out.XXXXXX)}
W=$(mktemp -d /tmp/cgan-gpu.XXXXXX)
# python3's tarfile reads .tar.xz without the xz tool, which such a machine may lack.
python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$PAYLOAD" "$W" || exit 3
chmod +x "$W/node"

# The Vulkan loader: the recipe known to work there (unpack Debian's packages into / and run ldconfig)
# where we are root, else (or with CGAN_GPU_PRIVATE_LIBS=1, as the dry run here uses) into a private
# folder on LD_LIBRARY_PATH.
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1 '; then
  if [ "$(id -u)" = 0 ] && [ -z "${CGAN_GPU_PRIVATE_LIBS:-}" ] && command -v dpkg >/dev/null; then
    for f in "$W"/*.deb; do dpkg -x "$f" /; done
    ldconfig
  else
    mkdir -p "$W/vk"
    for f in "$W"/*.deb; do dpkg -x "$f" "$W/vk"; done
    export LD_LIBRARY_PATH="$W/vk/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  fi
fi
# The NVIDIA driver's ICD sits in the driver's mount there, where the loader does not look.
NV=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ] && [ -f "$NV" ] \
  && ! ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json >/dev/null 2>&1; then
  export VK_DRIVER_FILES=$NV __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
fi
echo "node $("$W/node" --version); libvulkan in ldconfig: $(ldconfig -p 2>/dev/null | grep -c 'libvulkan.so.1 ')"
echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}; Vulkan driver files: ${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | tee "$OUTDIR/nvidia-smi.txt"

# PyTorch first (its figures are printed again beside the Node ones), then the Node half.
# TORCH_ARGS: torch_reference.py options; NODE_TIMEOUT: seconds for the Node half (the dry run here,
# on SwiftShader at CPU speed, passes small sizes and a longer limit).
PYTHONUNBUFFERED=1 timeout 150 python3 bench/gpu/torch_reference.py --json "$OUTDIR/torch.json" ${TORCH_ARGS:-} 2>&1 \
  | tee "$OUTDIR/torch.log"
timeout "${NODE_TIMEOUT:-300}" "$W/node" "$W/bench.mjs" \
  --torch "$OUTDIR/torch.json" --json "$OUTDIR/gpu-bench.json" "$@" 2>&1 | tee "$OUTDIR/node.log"
rc=${PIPESTATUS[0]}
rm -rf "$W"
exit "$rc"
