#!/usr/bin/env bash
# Builds every guest in guests/src into guests/bin/NAME.polkavm:
#   C --(clang-19, rv64emac, lp64e)--> ELF with relocations --(polkavm-linker, JamV1)--> .polkavm
# Needs clang-19 and lld-19 (Debian: apt-get install clang-19 lld-19; `--install` does it).
# The blobs are committed so that tests and benchmarks need no C toolchain; CI rebuilds them and
# fails if they differ from the committed ones (`--check`).
set -euo pipefail
cd "$(dirname "$0")"

if [[ "${1:-}" == "--install" ]]; then
    shift
    if ! command -v clang-19 >/dev/null || ! command -v ld.lld-19 >/dev/null; then
        SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
        $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q clang-19 lld-19
    fi
fi
CHECK=0
[[ "${1:-}" == "--check" ]] && CHECK=1

CFLAGS=(--target=riscv64 -march=rv64emac -mabi=lp64e -O2 -ffreestanding -nostdlib -fPIC -fvisibility=hidden)
LDFLAGS=(--target=riscv64 -march=rv64emac -mabi=lp64e -nostdlib -fPIC --ld-path="$(command -v ld.lld-19)"
         -Wl,--emit-relocs -Wl,--no-relax -Wl,-shared -Wl,-z,notext)

mkdir -p build bin
cargo build --release -q --manifest-path link/Cargo.toml
LINK=link/target/release/jarkit-guest-link

# libc.c must not be turned back into calls to itself.
clang-19 "${CFLAGS[@]}" -fno-builtin -c src/libc.c -o build/libc.o
status=0
# With --check, a fresh build must equal the committed file; otherwise it replaces it.
place() { # place BUILT COMMITTED
    if [[ $CHECK == 1 ]]; then
        if ! cmp -s "$1" "$2"; then
            echo "guests/$2 differs from a fresh build ($1)" >&2
            status=1
        fi
    else
        cp "$1" "$2"
    fi
}
for src in src/*.c; do
    name=$(basename "$src" .c)
    [[ "$name" == libc ]] && continue
    clang-19 "${CFLAGS[@]}" -c "$src" -o "build/$name.o"
    clang-19 "${LDFLAGS[@]}" "build/$name.o" build/libc.o -o "build/$name.elf"
    "$LINK" "build/$name.elf" "build/$name.polkavm"
    place "build/$name.polkavm" "bin/$name.polkavm"
    echo "$name: $(stat -c %s "build/$name.polkavm") bytes"
done
# jar1's example programs as manifests (JAVM code from src/kernel, the frame-feeding program
# with its C renderer, every guest transpiled), for `jarkit run guests/bin/jar1/NAME.jar`.
cargo run --release -q --example kernel_programs -- build/jar1 >/dev/null
mkdir -p bin/jar1
for f in build/jar1/*.jar; do
    place "$f" "bin/jar1/$(basename "$f")"
done
echo "jar1 manifests: $(ls build/jar1 | wc -l)"
exit $status
