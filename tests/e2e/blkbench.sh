#!/bin/sh
# Block benchmark, run INSIDE the e2e test host (e2e.mode=blkbench) by
# bench/block.
#
# One 512 MiB raw image in the test host's RAM (tmpfs), given to the guest
# as its only disk by each VMM in turn: crosvm (--rwdisk) and QEMU
# (-M q35, virtio-blk-pci), both with KVM, 1 vCPU, 512 MiB, and the host
# page cache in use on both sides (crosvm's default, QEMU cache=writeback;
# tmpfs takes no O_DIRECT, so cache=none is not possible here). In the
# guest, /bin/blkbench (O_DIRECT) measures sequential 1 MiB write and read
# MB/s and 4 KiB random-read IOPS at queue depth 1 and 4. BENCH_RUNS
# rounds (default 3), VMMs alternating; prints a table of medians and
# BENCH-DONE.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
RUNS=${BENCH_RUNS:-3}
CROSVM=${CROSVM:-/e2e/crosvm}
KERNEL=${E2E_KERNEL:-/e2e/vmlinuz}
INITRD=${E2E_INITRD:-/e2e/guest.cpio}
QEMU=${QEMU:-/usr/bin/qemu-system-x86_64}
WORK=${BENCH_WORK:-/tmp/blkbench}
PARAMS="quiet e2e=blkbench"
IMG=$WORK/disk.img

mkdir -p "$WORK"
: >"$WORK/results"
dd if=/dev/zero of="$IMG" bs=1M count=512 2>/dev/null

run_one() { # NAME ROUND COMMAND...
	name=$1
	round=$2
	shift 2
	timeout -k 5 300 "$@" </dev/null >"$WORK/$name.$round.log" 2>&1
	line=$(tr -d '\r' <"$WORK/$name.$round.log" | grep '^BLKBENCH ' | head -n 1)
	if [ -n "$line" ]; then
		echo "BENCH-RUN vmm=$name run=$round ${line#BLKBENCH }"
		echo "$name ${line#BLKBENCH }" >>"$WORK/results"
	else
		echo "BENCH-FAIL $name run $round: no BLKBENCH line; log tail:"
		tail -n 15 "$WORK/$name.$round.log" | tr -d '\r' | sed 's/^/    | /'
	fi
}

echo "BENCH: $RUNS rounds, 512 MiB raw image on tmpfs, 1 vCPU, 512 MiB guest, O_DIRECT in the guest"
i=1
while [ "$i" -le "$RUNS" ]; do
	run_one crosvm "$i" "$CROSVM" run -c 1 -m 512 --rwdisk "$IMG" -p "$PARAMS" -i "$INITRD" "$KERNEL"
	run_one qemu-q35 "$i" "$QEMU" -enable-kvm -cpu host -M q35 -smp 1 -m 512 -nodefaults \
		-no-user-config -nographic -serial stdio -no-reboot \
		-drive "file=$IMG,format=raw,if=none,id=d0,cache=writeback" \
		-device virtio-blk-pci,drive=d0 \
		-kernel "$KERNEL" -initrd "$INITRD" -append "console=ttyS0 $PARAMS"
	i=$((i + 1))
done

echo "BENCH-TABLE"
awk '
function median(list, n,    a, i, j, t) {
	split(list, a, " ")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
	vmm = $1
	if (!(vmm in seen)) { seen[vmm] = 1; order[++nv] = vmm }
	n[vmm]++
	for (f = 2; f <= NF; f++) {
		split($f, kv, "=")
		v[vmm, kv[1]] = v[vmm, kv[1]] " " kv[2]
	}
}
END {
	printf "%-10s %5s %14s %14s %16s %16s\n", "VMM", "runs", "seq write MB/s", "seq read MB/s", "4K rand QD1 IOPS", "4K rand QD4 IOPS"
	for (k = 1; k <= nv; k++) {
		m = order[k]
		printf "%-10s %5d %14.1f %14.1f %16.0f %16.0f\n", m, n[m],
			median(v[m, "seq_write_MBps"], n[m]), median(v[m, "seq_read_MBps"], n[m]),
			median(v[m, "randread_qd1_iops"], n[m]), median(v[m, "randread_qd4_iops"], n[m])
	}
}' "$WORK/results"
echo "BENCH-DONE"
