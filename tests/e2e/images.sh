#!/usr/bin/env bash
# Build the e2e images into build/e2e/ (override with E2E_OUT):
#   vmlinuz              current Debian linux-image-amd64 kernel (unpacked .deb)
#   modules/*.ko         irqbypass, ccp, kvm, kvm-amd (uncompressed)
#   guest.cpio           guest initramfs: busybox-static + guest-init.sh as /init
#   elfkernel            tiny ELF64 test kernel (elfkernel.S)
#   vmmtime              static timing/RSS helper (vmmtime.c)
#   testhost.cpio        nested test host initramfs (busybox, modules, crosvm
#                        and its libraries, the images above, cases.sh, ...)
#   testhost-bench.cpio  testhost.cpio + Debian's QEMU, for bench/boot (--bench)
#
# Usage: tests/e2e/images.sh [--bench] [--no-crosvm] [--refresh-kernel]
#   --bench           also build testhost-bench.cpio
#   --no-crosvm       do not require build/crosvm (test host gets none)
#   --refresh-kernel  download the current kernel even if one is cached
# Env: CROSVM_BIN (default build/crosvm), E2E_OUT (default build/e2e).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
E2E_SRC=$ROOT/tests/e2e
OUT=${E2E_OUT:-$ROOT/build/e2e}
CROSVM_BIN=${CROSVM_BIN:-$ROOT/build/crosvm}

want_bench=0
need_crosvm=1
refresh_kernel=0
for arg in "$@"; do
	case "$arg" in
	--bench) want_bench=1 ;;
	--no-crosvm) need_crosvm=0 ;;
	--refresh-kernel) refresh_kernel=1 ;;
	-h | --help)
		sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "images.sh: unknown argument: $arg" >&2
		exit 2
		;;
	esac
done

log() { printf 'images: %s\n' "$*" >&2; }
die() {
	printf 'images: error: %s\n' "$*" >&2
	exit 1
}

export DEBIAN_FRONTEND=noninteractive
apt_updated=0
apt_install() {
	if [[ $apt_updated == 0 ]] && ! apt-get install -y --no-install-recommends "$@" >/dev/null; then
		apt-get update >/dev/null
		apt_updated=1
	fi
	apt-get install -y --no-install-recommends "$@" >/dev/null
}

# need COMMAND PACKAGE: install PACKAGE when COMMAND is missing.
need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	log "installing $2 (for $1)"
	apt_install "$2"
	command -v "$1" >/dev/null 2>&1 || die "$1 still missing after installing $2"
}

need cpio cpio
need busybox busybox-static
need gcc gcc
need dpkg-deb dpkg
need ldd libc-bin
need xz xz-utils
need readelf binutils
need mkfs.ext4 e2fsprogs
need debugfs e2fsprogs
need mksquashfs squashfs-tools
need qemu-img qemu-utils
QEMU_IMG=$(command -v qemu-img)
BUSYBOX=$(command -v busybox)
file_is_static() { ! ldd "$1" >/dev/null 2>&1; }
if ! file_is_static "$BUSYBOX"; then
	# A dynamic busybox (package "busybox") would need its libraries.
	apt_install busybox-static
	BUSYBOX=/bin/busybox
	file_is_static "$BUSYBOX" || die "no static busybox found"
fi

mkdir -p "$OUT"
# One image build at a time (they share staging directories).
exec 8>"$OUT/images.lock"
flock 8

# ---------------------------------------------------------------- kernel
apt_download() {
	apt-get -o APT::Sandbox::User=root download "$@" >/dev/null 2>&1 && return 0
	apt-get update >/dev/null
	apt-get -o APT::Sandbox::User=root download "$@" >/dev/null
}

kvm_modules=(irqbypass ccp kvm kvm-amd)
# The test host's TAP devices for the virtio-net cases.
testhost_modules=(tun)
# Guest drivers for our virtio-pci devices, in load order.
guest_modules=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
	virtio-rng virtio_blk virtio_balloon virtio_console failover net_failover virtio_net)
# File systems for the root-image cases, loaded by the guest only for e2e=root.
root_modules=(crc16 mbcache crc32c_generic jbd2 ext4 squashfs)
# The ACPI power button and its input events, loaded by the guest only for e2e=powerbtn.
acpi_modules=(button evdev)

kernel_cached() {
	[[ -s $OUT/vmlinuz && -s $OUT/kernel-version ]] || return 1
	local m
	for m in "${kvm_modules[@]}" "${testhost_modules[@]}" "${guest_modules[@]}" "${root_modules[@]}" "${acpi_modules[@]}"; do
		[[ -s $OUT/modules/$m.ko ]] || return 1
	done
}

fetch_kernel() {
	local dl=$OUT/deb meta dep deb tree m src
	rm -rf "$dl" "$OUT/kernel-tree"
	mkdir -p "$dl"
	log "downloading the current linux-image-amd64"
	(cd "$dl" && apt_download linux-image-amd64)
	meta=$(ls "$dl"/linux-image-amd64_*.deb)
	dep=$(dpkg-deb -f "$meta" Depends | tr ',|' '\n' | sed 's/(.*//; s/[[:space:]]//g' |
		grep -E '^linux-image-[0-9].*-amd64$' | head -n 1) ||
		die "cannot read the kernel package from $(basename "$meta")'s Depends"
	log "downloading $dep"
	(cd "$dl" && apt_download "$dep")
	deb=$(ls "$dl/${dep}"_*.deb)
	tree=$OUT/kernel-tree
	dpkg-deb -x "$deb" "$tree"
	cp "$(ls "$tree"/boot/vmlinuz-*)" "$OUT/vmlinuz.tmp"
	rm -rf "$OUT/modules"
	mkdir -p "$OUT/modules"
	for m in "${kvm_modules[@]}" "${testhost_modules[@]}" "${guest_modules[@]}" "${root_modules[@]}" "${acpi_modules[@]}"; do
		src=$(find "$tree" -path '*/modules/*' \( -name "$m.ko" -o -name "$m.ko.*" \) -print -quit)
		[[ -n $src ]] || die "module $m not found in $dep"
		case "$src" in
		*.ko) cp "$src" "$OUT/modules/$m.ko" ;;
		*.ko.xz) xz -dc "$src" >"$OUT/modules/$m.ko" ;;
		*.ko.zst) need zstd zstd && zstd -q -dc "$src" >"$OUT/modules/$m.ko" ;;
		*.ko.gz) gzip -dc "$src" >"$OUT/modules/$m.ko" ;;
		*) die "unknown module compression: $src" ;;
		esac
	done
	mv "$OUT/vmlinuz.tmp" "$OUT/vmlinuz"
	echo "$dep" >"$OUT/kernel-version"
	rm -rf "$tree" "$dl"
}

if [[ $refresh_kernel == 1 ]] || ! kernel_cached; then
	fetch_kernel
else
	log "reusing cached kernel $(cat "$OUT/kernel-version")"
fi

# ---------------------------------------------------------------- vmlinux
# The test host boots ~2x faster under TCG from the uncompressed ELF kernel
# through its PVH entry point (no decompression at emulation speed).
# Extract it from the bzImage payload; testhost.sh falls back to vmlinuz
# when this is missing.
extract_vmlinux() {
	local z=$OUT/vmlinuz setup_sects payload_offset start magic decomp
	setup_sects=$(od -An -tu1 -j $((0x1f1)) -N1 "$z" | tr -d ' ')
	payload_offset=$(od -An -tu4 -j $((0x248)) -N4 "$z" | tr -d ' ')
	start=$(((setup_sects + 1) * 512 + payload_offset))
	magic=$(od -An -tx1 -j "$start" -N4 "$z" | tr -d ' \n')
	case "$magic" in
	fd377a58) decomp=(xz -dc --single-stream) ;;
	1f8b*) decomp=(gzip -dc) ;;
	28b52ffd) need zstd zstd && decomp=(zstd -q -dc) ;;
	*)
		log "note: unknown kernel payload compression ($magic), the test host boots from vmlinuz"
		return 0
		;;
	esac
	rm -f "$OUT/vmlinux"
	# The payload may carry trailing bytes (the decompressed size): ignore
	# the decompressor's complaint about them, check the result instead.
	tail -c +$((start + 1)) "$z" 2>/dev/null | "${decomp[@]}" >"$OUT/vmlinux.tmp" 2>/dev/null || true
	# Keep it only when it is an ELF with a XEN_ELFNOTE_PHYS32_ENTRY (0x12) note.
	if readelf -n "$OUT/vmlinux.tmp" 2>/dev/null | grep -qE 'Xen.*(0x00000012|PHYS32)'; then
		mv "$OUT/vmlinux.tmp" "$OUT/vmlinux"
	else
		log "note: kernel has no PVH entry, the test host boots from vmlinuz"
		rm -f "$OUT/vmlinux.tmp"
	fi
}
if [[ ! -e $OUT/vmlinux || $OUT/vmlinuz -nt $OUT/vmlinux ]]; then
	log "extracting vmlinux for PVH boot"
	extract_vmlinux
fi
# The file offset of the PVH note's type word: the vmlinux-64 case patches it
# in a copy to boot the same kernel through its 64-bit entry instead.
if [[ -s $OUT/vmlinux && (! -s $OUT/vmlinux.pvh-offset || $OUT/vmlinux -nt $OUT/vmlinux.pvh-offset) ]]; then
	need python3 python3
	python3 - "$OUT/vmlinux" >"$OUT/vmlinux.pvh-offset.tmp" <<'PY' || true
import struct, sys
f = open(sys.argv[1], 'rb').read()
phoff, = struct.unpack_from('<Q', f, 0x20)
phentsize, phnum = struct.unpack_from('<HH', f, 0x36)
for i in range(phnum):
    p_type, _, p_offset, _, _, p_filesz = struct.unpack_from('<IIQQQQ', f, phoff + i * phentsize)
    off, end = p_offset, p_offset + p_filesz
    while p_type == 4 and off + 12 <= end:
        namesz, descsz, ntype = struct.unpack_from('<III', f, off)
        if ntype == 18 and f[off + 12:off + 16] == b'Xen\0':
            print(off + 8)
            sys.exit(0)
        off += 12 + (namesz + 3) // 4 * 4 + (descsz + 3) // 4 * 4
sys.exit(1)
PY
	if [[ -s $OUT/vmlinux.pvh-offset.tmp ]]; then
		mv "$OUT/vmlinux.pvh-offset.tmp" "$OUT/vmlinux.pvh-offset"
	else
		log "note: no PVH note found in vmlinux: the e2e vmlinux cases will fail"
		rm -f "$OUT/vmlinux.pvh-offset.tmp"
	fi
fi

# ---------------------------------------------------------------- helpers
# mkcpio DIR OUT: uncompressed newc archive of DIR, owned by root.
mkcpio() {
	(cd "$1" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
		cpio --null -o -H newc -R 0:0 --reproducible --quiet) >"$2.tmp"
	mv "$2.tmp" "$2"
}

# add_busybox ROOTDIR: busybox plus a symlink for every applet.
add_busybox() {
	local root=$1 applet
	mkdir -p "$root/bin" "$root/sbin" "$root/usr/bin" "$root/usr/sbin"
	cp "$BUSYBOX" "$root/bin/busybox"
	while IFS= read -r applet; do
		[[ $applet == bin/busybox ]] && continue
		[[ -e $root/$applet ]] || ln -s /bin/busybox "$root/$applet"
	done < <("$BUSYBOX" --list-full)
}

# add_base ROOTDIR: directories and the console device node.
add_base() {
	local root=$1
	mkdir -p "$root"/{dev,proc,sys,tmp,run,root,etc}
	mknod -m 600 "$root/dev/console" c 5 1
	mknod -m 666 "$root/dev/null" c 1 3
}

# add_elf ROOTDIR FILE [DEST]: copy an ELF executable and every shared
# library ldd lists (plus the dynamic loader), keeping their paths.
add_elf() {
	local root=$1 file=$2 dest=${3:-$2} lib
	if ldd "$file" 2>/dev/null | grep -q 'not found'; then
		die "$file needs libraries this machine does not have: $(ldd "$file" | grep 'not found' | tr -s ' \t\n' ' ')"
	fi
	mkdir -p "$root/$(dirname "$dest")"
	cp -L "$file" "$root/$dest"
	while IFS= read -r lib; do
		[[ -e $root/$lib ]] && continue
		mkdir -p "$root/$(dirname "$lib")"
		cp -L "$lib" "$root/$lib"
	done < <(ldd "$file" 2>/dev/null | awk '
		$2 == "=>" && $3 ~ /^\// { print $3; next }
		$1 ~ /^\// { print $1 }')
}

# stamp NAME INPUTS...: true when build/e2e/NAME is newer than all inputs.
fresh() {
	local target=$OUT/$1 f
	shift
	[[ -e $target ]] || return 1
	for f in "$@"; do
		[[ -e $f && ! $f -nt $target ]] || return 1
	done
}

# ---------------------------------------------------------------- elfkernel
if ! fresh elfkernel "$E2E_SRC/elfkernel.S" "$E2E_SRC/elfkernel.ld"; then
	log "building elfkernel"
	gcc -nostdlib -static -no-pie -Wl,-T,"$E2E_SRC/elfkernel.ld" \
		-Wl,--build-id=none -Wl,--no-warn-rwx-segments \
		-o "$OUT/elfkernel" "$E2E_SRC/elfkernel.S"
fi

# ---------------------------------------------------------------- vmmtime
if ! fresh vmmtime "$E2E_SRC/vmmtime.c"; then
	log "building vmmtime"
	gcc -O2 -Wall -Wextra -static -o "$OUT/vmmtime" "$E2E_SRC/vmmtime.c"
fi

# ---------------------------------------------------------------- blkbench
if ! fresh blkbench "$E2E_SRC/blkbench.c"; then
	log "building blkbench"
	gcc -O2 -Wall -Wextra -static -pthread -o "$OUT/blkbench" "$E2E_SRC/blkbench.c"
fi

# ---------------------------------------------------------------- guest.cpio
if ! fresh guest.cpio "$E2E_SRC/guest-init.sh" "$BUSYBOX" "$OUT/kernel-version" "$E2E_SRC/images.sh" \
	"$OUT/blkbench"; then
	log "building guest.cpio"
	stage=$OUT/guest.root
	rm -rf "$stage"
	mkdir -p "$stage"
	add_base "$stage"
	add_busybox "$stage"
	install -m 755 "$E2E_SRC/guest-init.sh" "$stage/init"
	install -m 755 "$OUT/blkbench" "$stage/bin/blkbench"
	mkdir -p "$stage/lib/modules/e2e"
	for m in "${guest_modules[@]}" "${root_modules[@]}" "${acpi_modules[@]}"; do
		cp "$OUT/modules/$m.ko" "$stage/lib/modules/e2e/"
	done
	printf '%s\n' "${guest_modules[@]}" >"$stage/lib/modules/e2e/order"
	printf '%s\n' "${root_modules[@]}" >"$stage/lib/modules/e2e/order-root"
	printf '%s\n' "${acpi_modules[@]}" >"$stage/lib/modules/e2e/order-acpi"
	mkcpio "$stage" "$OUT/guest.cpio"
	rm -rf "$stage"
fi

# ---------------------------------------------------------------- root file systems
# The same tree as ext4 (mkfs.ext4 -d) and squashfs (mksquashfs), plus an
# empty ext4 data disk the guest writes to.
if ! fresh root.ext4 "$E2E_SRC/rootfs-init.sh" "$BUSYBOX" ||
	! fresh root.sqfs "$E2E_SRC/rootfs-init.sh" "$BUSYBOX" || [[ ! -s $OUT/data.ext4 ]]; then
	log "building root.ext4, root.sqfs and data.ext4"
	stage=$OUT/rootfs.root
	rm -rf "$stage"
	mkdir -p "$stage/mnt"
	add_base "$stage"
	add_busybox "$stage"
	install -m 755 "$E2E_SRC/rootfs-init.sh" "$stage/sbin/init"
	echo "crosvm-e2e-rootfs" >"$stage/etc/e2e-root"
	rm -f "$OUT/root.ext4" "$OUT/root.sqfs" "$OUT/data.ext4"
	mkfs.ext4 -q -F -E root_owner=0:0 -L e2e-root -d "$stage" "$OUT/root.ext4" 8M
	mksquashfs "$stage" "$OUT/root.sqfs" -all-root -noappend -quiet >/dev/null
	mkfs.ext4 -q -F -L e2e-data "$OUT/data.ext4" 4M
	rm -rf "$stage"
fi

# ---------------------------------------------------------------- gdb
# Debian's gdb-minimal (no Python, so no interpreter's library to carry): the
# gdb case debugs the guest kernel with it inside the test host. Its libraries
# are gdb's own, installed here so that ldd resolves them.
gdb_libs=(libdebuginfod1 libexpat1 libgmp10 libipt2 liblzma5 libreadline8 libstdc++6 libtinfo6
	libxxhash0 libzstd1 zlib1g)
if [[ ! -x $OUT/gdb/usr/bin/gdb ]]; then
	log "fetching gdb-minimal for the gdb case"
	apt_install "${gdb_libs[@]}"
	rm -rf "$OUT/gdb" "$OUT/gdb-deb"
	mkdir -p "$OUT/gdb-deb"
	(cd "$OUT/gdb-deb" && apt_download gdb-minimal)
	dpkg-deb -x "$(ls "$OUT"/gdb-deb/gdb-minimal_*.deb)" "$OUT/gdb.tmp"
	rm -rf "$OUT/gdb-deb"
	mv "$OUT/gdb.tmp" "$OUT/gdb"
fi
if ldd "$OUT/gdb/usr/bin/gdb" | grep -q 'not found'; then
	log "installing gdb-minimal's libraries"
	apt_install "${gdb_libs[@]}"
fi

# ---------------------------------------------------------------- testhost.cpio
crosvm_inputs=()
# crosvm's modules (the video encoder's backend) live next to the binary.
crosvm_modules=()
if [[ -x $CROSVM_BIN ]]; then
	crosvm_inputs=("$CROSVM_BIN")
	for m in "$(dirname "$CROSVM_BIN")"/crosvm-video-*.so; do
		[[ -e $m ]] && crosvm_modules+=("$m") && crosvm_inputs+=("$m")
	done
elif [[ $need_crosvm == 1 ]]; then
	die "$CROSVM_BIN does not exist: build crosvm first (meson setup build && meson compile -C build)"
else
	log "note: no $CROSVM_BIN, the test host will have no crosvm"
fi

# The test guest's kernel as an ELF vmlinux too (crosvm run vmlinux), where it could be made.
vmlinux_inputs=()
[[ -s $OUT/vmlinux && -s $OUT/vmlinux.pvh-offset ]] && vmlinux_inputs=("$OUT/vmlinux" "$OUT/vmlinux.pvh-offset")
testhost_inputs=("$OUT/vmlinuz" "$OUT/guest.cpio" "$OUT/elfkernel" "$OUT/vmmtime" "${vmlinux_inputs[@]}"
	"$OUT/root.ext4" "$OUT/root.sqfs" "$OUT/data.ext4"
	"$E2E_SRC/testhost-init.sh" "$E2E_SRC/cases.sh" "$E2E_SRC/bench.sh" "$E2E_SRC/blkbench.sh" "$E2E_SRC/demo.sh"
	"$ROOT"/seccomp/x86_64/*.policy "$OUT/gdb/usr/bin/gdb" "$QEMU_IMG" "${crosvm_inputs[@]}")
# A test host built with a crosvm must be rebuilt once crosvm is gone and
# the other way round: remember which.
have_crosvm=$([[ ${#crosvm_inputs[@]} -gt 0 ]] && echo yes || echo no)
if ! fresh testhost.cpio "${testhost_inputs[@]}" ||
	[[ $(cat "$OUT/testhost.crosvm" 2>/dev/null) != "$have_crosvm" ]]; then
	log "building testhost.cpio"
	stage=$OUT/testhost.root
	rm -rf "$stage"
	mkdir -p "$stage"
	add_base "$stage"
	add_busybox "$stage"
	install -m 755 "$E2E_SRC/testhost-init.sh" "$stage/init"
	mkdir -p "$stage/lib/modules/e2e" "$stage/e2e"
	for m in "${kvm_modules[@]}" "${testhost_modules[@]}"; do
		cp "$OUT/modules/$m.ko" "$stage/lib/modules/e2e/"
	done
	cp "$OUT/vmlinuz" "$OUT/guest.cpio" "$OUT/elfkernel" "$OUT/root.ext4" "$OUT/root.sqfs" \
		"$OUT/data.ext4" "${vmlinux_inputs[@]}" "$stage/e2e/"
	# debugfs reads back what a guest wrote into an ext4 image.
	add_elf "$stage" "$(command -v debugfs)" /sbin/debugfs
	add_elf "$stage" "$OUT/gdb/usr/bin/gdb" /usr/bin/gdb
	# qemu-img (Debian's qemu-utils) makes, checks and converts the qcow2 cases' images.
	add_elf "$stage" "$QEMU_IMG" /usr/bin/qemu-img
	install -m 755 "$OUT/vmmtime" "$stage/e2e/vmmtime"
	for s in cases.sh bench.sh blkbench.sh demo.sh; do
		install -m 755 "$E2E_SRC/$s" "$stage/e2e/$s"
	done
	# The seccomp policies as shipped: the violation cases edit copies of them.
	mkdir -p "$stage/e2e/policy"
	cp "$ROOT"/seccomp/x86_64/*.policy "$stage/e2e/policy/"
	if [[ $have_crosvm == yes ]]; then
		add_elf "$stage" "$CROSVM_BIN" /e2e/crosvm
		for m in "${crosvm_modules[@]}"; do
			add_elf "$stage" "$m" "/e2e/$(basename "$m")"
		done
	fi
	mkcpio "$stage" "$OUT/testhost.cpio"
	echo "$have_crosvm" >"$OUT/testhost.crosvm"
	rm -rf "$stage"
fi

# ---------------------------------------------------------------- testhost-bench.cpio
if [[ $want_bench == 1 ]]; then
	need qemu-system-x86_64 qemu-system-x86
	qemu=$(command -v qemu-system-x86_64)
	if ! fresh qemu.cpio "$qemu"; then
		log "building qemu.cpio"
		stage=$OUT/qemu.root
		rm -rf "$stage"
		mkdir -p "$stage"
		add_elf "$stage" "$qemu" /usr/bin/qemu-system-x86_64
		# Firmware for -M microvm (qboot) and -M q35 (SeaBIOS) and the
		# option ROMs QEMU loads for -kernel boots.
		qemu_share=$(dirname "$(readlink -f "$qemu")")/../share
		mkdir -p "$stage/usr/share/qemu" "$stage/usr/share/seabios"
		for f in bios-microvm.bin qboot.rom linuxboot.bin linuxboot_dma.bin \
			kvmvapic.bin multiboot.bin multiboot_dma.bin pvh.bin; do
			[[ -e $qemu_share/qemu/$f ]] && cp -L "$qemu_share/qemu/$f" "$stage/usr/share/qemu/"
		done
		for f in bios.bin bios-256k.bin bios-microvm.bin; do
			[[ -e $qemu_share/seabios/$f ]] && cp -L "$qemu_share/seabios/$f" "$stage/usr/share/seabios/"
		done
		mkcpio "$stage" "$OUT/qemu.cpio"
		rm -rf "$stage"
	fi
	if ! fresh testhost-bench.cpio "$OUT/testhost.cpio" "$OUT/qemu.cpio"; then
		log "building testhost-bench.cpio"
		cat "$OUT/testhost.cpio" "$OUT/qemu.cpio" >"$OUT/testhost-bench.cpio.tmp"
		mv "$OUT/testhost-bench.cpio.tmp" "$OUT/testhost-bench.cpio"
	fi
fi

log "images ready in $OUT ($(cat "$OUT/kernel-version"))"
