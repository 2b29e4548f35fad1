#!/bin/sh
# Boot benchmark, run INSIDE the e2e test host (e2e.mode=bench) by bench/boot.
#
# Boots the Debian kernel + guest.cpio to the GUEST-INIT-OK marker
# BENCH_RUNS times (default 5) with each VMM: crosvm, QEMU -M microvm and
# QEMU -M q35 (all with KVM, 1 vCPU, 256 MiB, the same kernel parameters).
# vmmtime measures launch-to-marker time and the VMM's peak RSS (VmHWM) at
# the marker, the same way for every VMM. Prints one BENCH-RUN line per
# boot, a table, and BENCH-DONE.

export PATH=/bin:/sbin:/usr/bin:/usr/sbin
RUNS=${BENCH_RUNS:-5}
CROSVM=${CROSVM:-/e2e/crosvm}
KERNEL=${E2E_KERNEL:-/e2e/vmlinuz}
INITRD=${E2E_INITRD:-/e2e/guest.cpio}
VMMTIME=${VMMTIME:-/e2e/vmmtime}
QEMU=${QEMU:-/usr/bin/qemu-system-x86_64}
WORK=${BENCH_WORK:-/tmp/bench}
PARAMS="quiet e2e=poweroff"
MEM=256
MARKER=GUEST-INIT-OK

mkdir -p "$WORK"
: >"$WORK/results"

qemu_args() {
	echo "-enable-kvm -cpu host -M $1 -smp 1 -m $MEM -nodefaults -no-user-config -nographic -serial stdio -no-reboot"
}

bench_one() { # NAME COMMAND...
	name=$1
	shift
	i=1
	while [ "$i" -le "$RUNS" ]; do
		res=$("$VMMTIME" -t 90 -g 10 -o "$WORK/$name.$i.log" "$MARKER" -- "$@")
		echo "BENCH-RUN vmm=$name run=$i $res"
		case "$res" in
		*"marker=1"*) ;;
		*)
			echo "BENCH-FAIL $name run $i: no $MARKER; log tail:"
			tail -n 15 "$WORK/$name.$i.log" | tr -d '\r' | sed 's/^/    | /'
			;;
		esac
		echo "$name $res" >>"$WORK/results"
		i=$((i + 1))
	done
}

# bench.sh smp: SMP boots only, counted by outcome (bench/smp).
if [ "${1:-}" = smp ]; then
	smp_one() { # NAME RUNS COMMAND...
		name=$1
		n_runs=$2
		shift 2
		i=1
		while [ "$i" -le "$n_runs" ]; do
			log=$WORK/$name.$i.log
			res=$("$VMMTIME" -t 120 -g 20 -o "$log" "$MARKER" -- "$@")
			tf=0
			tr -d '\r' <"$log" | grep -qi 'triple fault' && tf=1
			echo "SMP-RUN vmm=$name run=$i triple=$tf $res"
			case "$res" in
			*"marker=1"*"exit=0"*) ;;
			*)
				echo "SMP-FAIL $name run $i: log tail:"
				tail -n 25 "$log" | tr -d '\r' | sed 's/^/    | /'
				;;
			esac
			echo "$name triple=$tf $res" >>"$WORK/results"
			i=$((i + 1))
		done
	}
	echo "SMP: $RUNS boots each (QEMU: ${BENCH_PEER_RUNS:-$RUNS}) to $MARKER and power-off, kernel params '$PARAMS', $MEM MiB"
	for n in 2 4; do
		smp_one "crosvm-c$n" "$RUNS" "$CROSVM" run -c "$n" -m "$MEM" -p "$PARAMS" -i "$INITRD" "$KERNEL"
	done
	# The peer on the same nested KVM: do its SMP boots fail too?
	for n in 2 4; do
		# shellcheck disable=SC2046 # word splitting of the option list is intended
		smp_one "qemu-microvm-smp$n" "${BENCH_PEER_RUNS:-$RUNS}" "$QEMU" $(qemu_args microvm,rtc=on | sed "s/-smp 1/-smp $n/") \
			-kernel "$KERNEL" -initrd "$INITRD" -append "console=ttyS0 $PARAMS"
	done
	echo "SMP-TABLE"
	awk '
	{
		v = $1
		if (!(v in seen)) { seen[v] = 1; order[++nv] = v }
		total[v]++
		if ($0 ~ /marker=1/ && $0 ~ /exit=0 /) ok[v]++
		if ($0 ~ /triple=1/) tf[v]++
		if ($0 ~ /killed=1/) hung[v]++
	}
	END {
		printf "%-20s %6s %10s %14s %12s\n", "VMM", "boots", "clean", "triple faults", "timed out"
		for (k = 1; k <= nv; k++) {
			v = order[k]
			printf "%-20s %6d %10d %14d %12d\n", v, total[v], ok[v], tf[v], hung[v]
		}
	}' "$WORK/results"
	echo "SMP-DONE"
	exit 0
fi

echo "BENCH: $RUNS boots per VMM to $MARKER, kernel params '$PARAMS', $MEM MiB, 1 vCPU"
if [ -x "$CROSVM" ]; then
	bench_one crosvm "$CROSVM" run -c 1 -m "$MEM" -p "$PARAMS" -i "$INITRD" "$KERNEL"
	# The sandbox's cost: the same boot with every device in the VMM process.
	bench_one crosvm-nosandbox "$CROSVM" run --disable-sandbox -c 1 -m "$MEM" -p "$PARAMS" \
		-i "$INITRD" "$KERNEL"
else
	echo "BENCH: no crosvm in this test host, skipping it"
fi
# shellcheck disable=SC2046 # word splitting of the option list is intended
bench_one qemu-microvm "$QEMU" $(qemu_args microvm,rtc=on) \
	-kernel "$KERNEL" -initrd "$INITRD" -append "console=ttyS0 $PARAMS"
# shellcheck disable=SC2046
bench_one qemu-q35 "$QEMU" $(qemu_args q35) \
	-kernel "$KERNEL" -initrd "$INITRD" -append "console=ttyS0 $PARAMS"

# Table: median of the successful runs (marker seen) per VMM.
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
	total[vmm]++
	if ($0 !~ /marker=1/) next
	for (f = 2; f <= NF; f++) {
		split($f, kv, "=")
		if (kv[1] == "marker_s") t = kv[2]
		if (kv[1] == "hwm_kb") r = kv[2] / 1024
		if (kv[1] == "pss_kb") p = kv[2] / 1024
		if (kv[1] == "nproc") np = kv[2]
	}
	ok[vmm]++
	ts[vmm] = ts[vmm] " " t
	rs[vmm] = rs[vmm] " " r
	ps[vmm] = ps[vmm] " " p
	procs[vmm] = np
}
END {
	printf "%-16s %6s %18s %20s %24s\n", "VMM", "boots", "median s to marker", "median peak RSS MiB", "median PSS MiB (procs)"
	for (k = 1; k <= nv; k++) {
		v = order[k]
		if (ok[v] > 0)
			printf "%-16s %3d/%-2d %18.3f %20.1f %18.1f (%d)\n", v, ok[v], total[v], median(ts[v], ok[v]), median(rs[v], ok[v]), median(ps[v], ok[v]), procs[v]
		else
			printf "%-16s %3d/%-2d %18s %20s %24s\n", v, 0, total[v], "-", "-", "-"
	}
}' "$WORK/results"
echo "BENCH-DONE"
