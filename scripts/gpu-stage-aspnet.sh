#!/usr/bin/env bash
# Completes a folder staged by ../shared/gpu/stage.sh for the test assembly (which carries the CLI):
#
#   scripts/gpu-stage-aspnet.sh STAGE_DIR
#
# - The runtime stage.sh packs holds Microsoft.NETCore.App only, but the test assembly and the CLI reference
#   the service, so their runtimeconfig asks for Microsoft.AspNetCore.App too: without it the host refuses to
#   start them ("No frameworks were found"). The ASP.NET Core shared framework of the same version is added
#   to STAGE_DIR/base/dotnet-rt.tar.xz (built once, cached beside stage.sh's own cache).
# - To make room for it within one device call (64 MiB with the working tree), every file of the app over
#   64 KiB travels zstd-compressed; run.sh unpacks every .zst of the app on the host.
set -euo pipefail
stage=${1:?usage: gpu-stage-aspnet.sh STAGE_DIR}
[ -f "$stage/base/dotnet-rt.tar.xz" ] || { echo "gpu-stage-aspnet.sh: $stage/base/dotnet-rt.tar.xz is missing: run stage.sh first" >&2; exit 2; }
dn=$(dirname "$(readlink -f "$(command -v dotnet)")")
ver=$(ls "$dn/shared/Microsoft.NETCore.App" | sort -V | tail -1)
[ -d "$dn/shared/Microsoft.AspNetCore.App/$ver" ] || { echo "gpu-stage-aspnet.sh: no ASP.NET Core $ver beside .NET $ver in $dn" >&2; exit 2; }
cache=${XDG_CACHE_HOME:-$HOME/.cache}/vae-gpu; mkdir -p "$cache"
runtime=$cache/dotnet-aspnet-$ver.tar.xz
if [ ! -f "$runtime" ]; then
  tar -C "$dn" -cf - dotnet host/fxr "shared/Microsoft.NETCore.App/$ver" "shared/Microsoft.AspNetCore.App/$ver" | xz -9e -T0 > "$runtime.tmp"
  mv "$runtime.tmp" "$runtime"
fi
cp "$runtime" "$stage/base/dotnet-rt.tar.xz"
find "$stage/base/app" -type f -size +64k ! -name '*.zst' -exec zstd -q -19 -T0 --rm {} \;
du -sh "$stage/base"
