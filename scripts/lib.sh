# Shared helpers for scripts/: board files, tool installation, building.
# Source it; it sets $root to the repository root.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

die() { echo "error: $*" >&2; exit 1; }

board_names() {
    local f
    for f in "$root"/boards/*.toml; do basename "$f" .toml; done
}

# board_field BOARD KEY: the value of KEY in boards/BOARD.toml, quotes removed.
board_field() {
    sed -n "s/^$2[[:space:]]*=[[:space:]]*//p" "$root/boards/$1.toml" | sed 's/^"\(.*\)"$/\1/' | head -n 1
}

require_board() {
    [ -f "$root/boards/$1.toml" ] && return 0
    echo "error: unknown board '$1'; known boards: $(board_names | tr '\n' ' ')" >&2
    exit 2
}

# Installs Debian packages that provide the given commands when missing.
# Usage: ensure_commands cmd:package [cmd:package ...]
ensure_commands() {
    local missing=() pair
    for pair in "$@"; do
        command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "installing: ${missing[*]}" >&2
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
}

ensure_qemu() { ensure_commands qemu-system-mips:qemu-system-mips; }

ensure_rust_src() {
    local sysroot
    sysroot=$(cd "$root" && rustc --print sysroot)
    [ -d "$sysroot/lib/rustlib/src/rust/library" ] && return 0
    (cd "$root" && rustup component add rust-src) >&2
}

ensure_binutils() {
    ensure_commands mips-linux-gnu-as:binutils-mips-linux-gnu mipsel-linux-gnu-as:binutils-mipsel-linux-gnu \
        mips64el-linux-gnuabi64-as:binutils-mips64el-linux-gnuabi64
}

# The ELF the cargo build for TARGET produces (TARGET as a board file names it).
target_dir_name() { basename "$1" .json; }

# build_guest BOARD: release-builds our guest OS (qemu-tests/guest) for the
# board (its guest_target, and its guest_features if any) and prints the ELF's path.
build_guest() {
    local target features dir
    target=$(board_field "$1" guest_target)
    features=$(board_field "$1" guest_features)
    [ -n "$target" ] || die "no build of qemu-tests/guest for board $1 yet"
    dir=$root/qemu-tests/guest/target
    # A build with features has its own directory, so it never overwrites the plain build of the same target.
    [ -z "$features" ] || dir=$dir/features-$features
    (cd "$root/qemu-tests/guest" &&
        cargo build --release --target "$target" --target-dir "$dir" ${features:+--features "$features"} >&2) ||
        die "guest build for $1 failed"
    echo "$dir/$(target_dir_name "$target")/release/mipsvisor-guest"
}

# build_monitor BOARD [GUEST_ELF]: release-builds the monitor for the
# board's target, with GUEST_ELF built in if given, and prints the ELF's path.
build_monitor() {
    local target
    target=$(board_field "$1" target)
    (cd "$root" && MIPSVISOR_GUEST_ELF="${2:-}" cargo build --release --target "$target" >&2) ||
        die "monitor build for $1 failed"
    echo "$root/target/$(target_dir_name "$target")/release/mipsvisor"
}

# QEMU's side of the monitor's exit status (`on_halt=exit`): UHI semihosting,
# which QEMU takes only from kernel mode (the monitor's), never from the guest.
semihosting_args=(-semihosting-config enable=on,target=native)

# with_on_halt_exit WORDS: the command line WORDS with `on_halt=exit` first
# among the monitor's words (a later on_halt= in WORDS wins), so a halt ends
# QEMU with the run's exit status.
with_on_halt_exit() {
    echo "on_halt=exit${1:+ $1}"
}

# qemu_command BOARD ELF: the QEMU invocation for a board, one word per line,
# console on stdio (no QEMU monitor on it, so a test can own the stream).
qemu_command() {
    board_qemu_args "$1" -kernel "$2"
}

# board_qemu_args BOARD ARGS...: the board's QEMU binary, machine, CPU, RAM
# and semihosting, then ARGS, one word per line.
board_qemu_args() {
    local board=$1
    shift
    printf '%s\n' "$(board_field "$board" qemu)" -M "$(board_field "$board" machine)" \
        -cpu "$(board_field "$board" cpu)" -m "$(board_field "$board" ram_mib)" "${semihosting_args[@]}" "$@"
}

# build_host_tool NAME: builds a host tool (tools/NAME.rs) and prints its
# path. Built from outside the tree, as scripts/host-test says why.
build_host_tool() {
    local host
    host=$(rustc -vV | sed -n 's/^host: //p')
    (cd / && cargo +nightly build --release --manifest-path "$root/Cargo.toml" --features host-tools \
        --bin "$1" --target "$host" >&2) || die "$1 build failed"
    echo "$root/target/$host/release/$1"
}

# build_bundle OUT KERNEL_ELF [INITRAMFS [CMDLINE]]: a guest bundle (tools/mkbundle.rs); prints OUT.
build_bundle() {
    local out=$1 kernel=$2 initramfs=${3:-} cmdline=${4:-} tool
    tool=$(build_host_tool mkbundle)
    mkdir -p "$(dirname "$out")"
    "$tool" "$out" --kernel "$kernel" ${initramfs:+--initramfs "$initramfs"} ${cmdline:+--cmdline "$cmdline"} >&2 ||
        die "guest bundle failed"
    echo "$out"
}

# build_flash BOARD OUT [mkflash options: --append WORDS, --guest ELF,
# --guest-in-ram FILE]: the monitor for BOARD as the board's flash image at
# OUT (QEMU -bios); prints OUT.
build_flash() {
    local board=$1 out=$2 elf mkflash
    shift 2
    elf=$(build_monitor "$board")
    mkflash=$(build_host_tool mkflash)
    mkdir -p "$(dirname "$out")"
    "$mkflash" "$elf" "$out" --ram-mib "$(board_field "$board" ram_mib)" "$@" >&2 ||
        die "flash image for $board failed"
    echo "$out"
}

# flash_qemu_command BOARD IMAGE: the QEMU invocation booting a flash image
# as the board's firmware, one word per line (console on stdio as qemu_command).
flash_qemu_command() {
    board_qemu_args "$1" -bios "$2"
}

# The guest's RAM address when the board's loader places it (flash::GUEST_LOAD_PHYS).
guest_load_phys=0x04000000
# A guest larger than this goes beside the flash in RAM, not into it.
flash_guest_max_bytes=$((3 << 20))

# build_fit BOARD OUT [GUEST_ELF]: the monitor for a Boston board, with
# GUEST_ELF built in, as a U-Boot FIT image at OUT: the monitor as a raw
# kernel image (load and entry from its ELF) and the board's device tree
# (QEMU's own for the board, dumped), one configuration compatible with
# "img,boston" (what U-Boot and QEMU's Boston select). Prints OUT.
build_fit() {
    local board=$1 out=$2 elf tmp load entry
    elf=$(build_monitor "$board" "${3:-}")
    ensure_commands mkimage:u-boot-tools dtc:device-tree-compiler
    ensure_binutils
    tmp=$(mktemp -d)
    # The first loadable segment's address; the raw image starts there (objcopy fills gaps).
    load=$(readelf -lW "$elf" | awk '$1 == "LOAD" { print $3; exit }')
    entry=$(readelf -hW "$elf" | awk '/Entry point address/ { print $4 }')
    mips64el-linux-gnuabi64-objcopy -O binary "$elf" "$tmp/monitor.bin" || die "objcopy of $elf failed"
    # QEMU writes the device tree it would give the board's kernel, then stops.
    "$(board_field "$board" qemu)" -M "$(board_field "$board" machine),dumpdtb=$tmp/board.dtb" \
        -cpu "$(board_field "$board" cpu)" -m "$(board_field "$board" ram_mib)" -display none \
        -kernel "$elf" >/dev/null 2>&1 || true
    [ -s "$tmp/board.dtb" ] || die "QEMU did not dump the $board device tree"
    fit_cells() { printf '0x%08x 0x%08x' $(( $1 >> 32 & 0xffffffff )) $(( $1 & 0xffffffff )); }
    cat > "$tmp/image.its" <<ITS
/dts-v1/;
/ {
    description = "mipsvisor for $board";
    #address-cells = <2>;
    images {
        monitor {
            description = "mipsvisor";
            data = /incbin/("monitor.bin");
            type = "kernel";
            arch = "mips";
            os = "linux";
            compression = "none";
            load = <$(fit_cells "$load")>;
            entry = <$(fit_cells "$entry")>;
        };
        fdt {
            description = "$board device tree";
            data = /incbin/("board.dtb");
            type = "flat_dt";
            arch = "mips";
            compression = "none";
        };
    };
    configurations {
        default = "boston";
        boston {
            description = "mipsvisor on $board";
            kernel = "monitor";
            fdt = "fdt";
            compatible = "img,boston";
        };
    };
};
ITS
    mkdir -p "$(dirname "$out")"
    (cd "$tmp" && mkimage -f image.its "$out" >&2) || die "mkimage failed for $board"
    rm -rf "$tmp"
    echo "$out"
}

# build_srec BOARD OUT [GUEST_ELF]: the monitor for a 32-bit Malta board,
# with GUEST_ELF built in, as Motorola S-records (S3 data, S7 start address)
# for YAMON's `load` then `go`. Prints OUT.
build_srec() {
    local board=$1 out=$2 elf
    elf=$(build_monitor "$board" "${3:-}")
    ensure_binutils
    case $(board_field "$board" target) in
        *64*) die "S-records carry 32-bit addresses: $board's monitor is a 64-bit image" ;;
    esac
    mkdir -p "$(dirname "$out")"
    mips-linux-gnu-objcopy -O srec --srec-forceS3 "$elf" "$out" || die "objcopy -O srec of $elf failed"
    echo "$out"
}
