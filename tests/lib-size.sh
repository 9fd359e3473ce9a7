#!/usr/bin/env bash
# Prints the size of the shipped native library: release (LTO, opt-level s), stripped, x86_64.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q -p thecal-bindings --release --lib
so=target/release/libthecal.so
printf 'libthecal.so (release, stripped, %s): %s bytes (%s)\n' "$(uname -m)" "$(stat -c %s "$so")" "$(du -h "$so" | cut -f1)"
