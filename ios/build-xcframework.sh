#!/usr/bin/env bash
# Builds what an iOS app needs to use the Swift package on Apple platforms, from the shipped
# native library (the core without the test tools):
#
#   ios/thecalFFI.xcframework              libthecal.a for iPhone (arm64), the simulator (arm64 +
#                                          x86_64) and macOS (arm64 + x86_64), each with the C
#                                          header and module map of `thecalFFI`
#   ios/Sources/ThecalBindings/thecal.swift  the generated Swift API of that same library
#
#   bash ios/build-xcframework.sh
#
# macOS ONLY: it needs Xcode (xcodebuild, lipo, the iOS SDKs) and rustup. It cannot run on Linux
# (no Apple SDK to link against, no xcodebuild), so the project's Linux CI never runs it; it stops
# at once there. Both outputs are build products: they are gitignored, never committed.
#
# The deployment targets match Package.swift's platforms (iOS 15, macOS 12). CARGO_TARGET_DIR is
# honoured. The Linux test build's files (thecal_sim.swift, the test header) are removed from
# the package, since the shipped library does not have the test tools; ios/run-tests.sh puts
# them back on Linux.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
log() { printf '[xcframework] %s\n' "$*" >&2; }

if [ "$(uname -s)" != Darwin ]; then
  log "this needs macOS with Xcode (xcodebuild, lipo and the iOS SDKs); it cannot run on $(uname -s)"
  exit 2
fi
for tool in xcodebuild lipo rustup cargo; do
  command -v "$tool" >/dev/null || { log "missing $tool"; exit 2; }
done

DEVICE=aarch64-apple-ios
SIMULATOR=(aarch64-apple-ios-sim x86_64-apple-ios)
MACOS=(aarch64-apple-darwin x86_64-apple-darwin)
export IPHONEOS_DEPLOYMENT_TARGET=15.0
export MACOSX_DEPLOYMENT_TARGET=12.0

TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
WORK="$TARGET/xcframework"
OUT="$ROOT/ios/thecalFFI.xcframework"

log "rustup target add (once)"
rustup target add "$DEVICE" "${SIMULATOR[@]}" "${MACOS[@]}" >/dev/null

# The shipped library: no `sim` (test tools), no `cli` (bindgen) feature.
for t in "$DEVICE" "${SIMULATOR[@]}" "${MACOS[@]}"; do
  log "cargo build --release --target $t"
  cargo build --quiet --locked -p thecal-bindings --lib --release --target "$t"
  [ -f "$TARGET/$t/release/libthecal.a" ] || { log "no libthecal.a for $t"; exit 1; }
done

# The generated Swift and C header of the shipped library, from one of its static libraries (the
# metadata UniFFI reads is the same in every slice). The bindgen tool is built for this Mac, in a
# target dir of its own so that its `cli` feature never rebuilds the library.
log "generate the Swift API and the C module"
CARGO_TARGET_DIR="$TARGET/bindgen" cargo build --quiet --locked -p thecal-bindings --features cli --bin uniffi-bindgen
rm -rf "$WORK"
mkdir -p "$WORK/generated" "$WORK/headers" "$WORK/simulator" "$WORK/macos"
"$TARGET/bindgen/debug/uniffi-bindgen" generate --language swift --out-dir "$WORK/generated" \
  "$TARGET/$DEVICE/release/libthecal.a" >/dev/null
cp "$WORK/generated/thecalFFI.h" "$WORK/headers/thecalFFI.h"
# In an XCFramework the module map is named module.modulemap, next to the header.
cp "$WORK/generated/thecalFFI.modulemap" "$WORK/headers/module.modulemap"

# One static library per platform: the simulator's and macOS's architectures joined by lipo.
# (Written for the bash 3.2 that macOS ships: no mapfile.)
simulator_libs=()
for t in "${SIMULATOR[@]}"; do simulator_libs+=("$TARGET/$t/release/libthecal.a"); done
macos_libs=()
for t in "${MACOS[@]}"; do macos_libs+=("$TARGET/$t/release/libthecal.a"); done
lipo -create "${simulator_libs[@]}" -output "$WORK/simulator/libthecal.a"
lipo -create "${macos_libs[@]}" -output "$WORK/macos/libthecal.a"

log "xcodebuild -create-xcframework -> $OUT"
rm -rf "$OUT"
xcodebuild -create-xcframework \
  -library "$TARGET/$DEVICE/release/libthecal.a" -headers "$WORK/headers" \
  -library "$WORK/simulator/libthecal.a" -headers "$WORK/headers" \
  -library "$WORK/macos/libthecal.a" -headers "$WORK/headers" \
  -output "$OUT" >/dev/null

# The package's Swift sources now match the shipped library.
rm -f ios/Sources/ThecalBindings/thecal_sim.swift ios/Sources/thecalFFI/thecalFFI.h ios/Sources/thecalFFI/thecal_simFFI.h
cp "$WORK/generated/Thecal.swift" ios/Sources/ThecalBindings/thecal.swift

log "done: $OUT and ios/Sources/ThecalBindings/thecal.swift"
log "check it: cd ios && swift build (macOS), or build the app for a device and the simulator"
