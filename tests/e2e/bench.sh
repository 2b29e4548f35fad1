#!/bin/sh
# Boot benchmark, run INSIDE the e2e test host (e2e.mode=bench) by bench/boot.
#
# Boots the Debian kernel + guest.cpio to the GUEST-INIT-OK marker
# BENCH_RUNS times (default 5, after one unmeasured warm-up, round-robin so
# drifting load hits all alike) with each VMM: crosvm (sandboxed, unsandboxed,
# and with the same kernel as an ELF vmlinux), QEMU -M microvm (bzImage and
# vmlinux through PVH) and QEMU -M q35 (all with KVM, 1 vCPU, 256 MiB, the same
# kernel parameters). vmmtime measures launch-to-marker time and the VMM's
# peak RSS (VmHWM) at the marker, the same way for every VMM; the guest prints
# its own uptime at the marker. Prints one BENCH-RUN line per boot, a table
# (with the ratio to QEMU microvm), and BENCH-DONE.
#
# "bench.sh smp" instead boots crosvm -c 2/-c 4 and QEMU microvm -smp 2
# BENCH_RUNS (QEMU: BENCH_PEER_RUNS) times each and counts the outcomes.

export PATH=/bin:/sbin:/usr/bin:/usr/sbin
RUNS=${BENCH_RUNS:-5}
CROSVM=${CROSVM:-/e2e/crosvm}
KERNEL=${E2E_KERNEL:-/e2e/vmlinuz}
INITRD=${E2E_INITRD:-/e2e/guest.cpio}
VMLINUX=${E2E_VMLINUX:-/e2e/vmlinux}
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

# measure NAME RUN COMMAND...: one boot; RUN 0 is the unmeasured warm-up.
measure() {
	name=$1
	i=$2
	shift 2
	log=$WORK/$name.$i.log
	res=$("$VMMTIME" -t 90 -g 10 -o "$log" "$MARKER" -- "$@")
	# The guest's own uptime when its /init ran: the kernel's share of the boot.
	up=$(tr -d '\r' <"$log" | sed -n "s/.*$MARKER uptime=\([0-9.]*\).*/\1/p" | head -n 1)
	echo "BENCH-RUN vmm=$name run=$i $res guest_up=${up:-?}"
	case "$res" in
	*"marker=1"*) ;;
	*)
		echo "BENCH-FAIL $name run $i: no $MARKER; log tail:"
		tail -n 15 "$log" | tr -d '\r' | sed 's/^/    | /'
		;;
	esac
	[ "$i" -gt 0 ] && echo "$name $res guest_up=${up:-0}" >>"$WORK/results"
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
	# The peer on the same nested KVM: do its SMP boots fail too? (-smp 2 only: QEMU -smp 4
	# wedged the 2-vCPU test host itself on its first boot, no console output for 150 s.)
	# shellcheck disable=SC2046 # word splitting of the option list is intended
	smp_one qemu-microvm-smp2 "${BENCH_PEER_RUNS:-$RUNS}" "$QEMU" \
		$(qemu_args microvm,rtc=on | sed "s/-smp 1/-smp 2/") \
		-kernel "$KERNEL" -initrd "$INITRD" -append "console=ttyS0 $PARAMS"
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

echo "BENCH: $RUNS boots per VMM to $MARKER (after one warm-up each, round-robin), kernel params '$PARAMS', $MEM MiB, 1 vCPU"
vmms=
if [ -x "$CROSVM" ]; then
	# --disable-sandbox: the sandbox's cost; vmlinux: the same kernel as an ELF (PVH entry).
	vmms="crosvm crosvm-nosandbox"
	[ -s "$VMLINUX" ] && vmms="$vmms crosvm-vmlinux"
else
	echo "BENCH: no crosvm in this test host, skipping it"
fi
vmms="$vmms qemu-microvm"
[ -s "$VMLINUX" ] && vmms="$vmms qemu-microvm-pvh"
vmms="$vmms qemu-q35"
# BENCH_VMMS (e2e.vmms=a,b): only those rows.
if [ -n "${BENCH_VMMS:-}" ]; then
	keep=
	for v in $vmms; do
		case ",$BENCH_VMMS," in *",$v,"*) keep="$keep $v" ;; esac
	done
	vmms=$keep
fi

# launch NAME RUN: boots that VMM once.
launch() {
	# shellcheck disable=SC2046 # word splitting of the option lists is intended
	case "$1" in
	crosvm) measure "$1" "$2" "$CROSVM" run -c 1 -m "$MEM" -p "$PARAMS" -i "$INITRD" "$KERNEL" ;;
	crosvm-nosandbox)
		measure "$1" "$2" "$CROSVM" run --disable-sandbox -c 1 -m "$MEM" -p "$PARAMS" \
			-i "$INITRD" "$KERNEL"
		;;
	crosvm-vmlinux) measure "$1" "$2" "$CROSVM" run -c 1 -m "$MEM" -p "$PARAMS" -i "$INITRD" "$VMLINUX" ;;
	qemu-microvm)
		measure "$1" "$2" "$QEMU" $(qemu_args microvm,rtc=on) \
			-kernel "$KERNEL" -initrd "$INITRD" -append "console=ttyS0 $PARAMS"
		;;
	qemu-microvm-pvh)
		measure "$1" "$2" "$QEMU" $(qemu_args microvm,rtc=on) \
			-kernel "$VMLINUX" -initrd "$INITRD" -append "console=ttyS0 $PARAMS"
		;;
	qemu-q35)
		measure "$1" "$2" "$QEMU" $(qemu_args q35) \
			-kernel "$KERNEL" -initrd "$INITRD" -append "console=ttyS0 $PARAMS"
		;;
	esac
}

i=0
while [ "$i" -le "$RUNS" ]; do
	for v in $vmms; do
		launch "$v" "$i"
	done
	i=$((i + 1))
done

# Where the exits go: one more boot of each crosvm row with --log-level debug (not timed),
# without "quiet", so that the guest kernel's warnings show too.
for v in $vmms; do
	case "$v" in crosvm-vmlinux) k=$VMLINUX ;; crosvm*) k=$KERNEL ;; *) continue ;; esac
	flags=
	[ "$v" = crosvm-nosandbox ] && flags=--disable-sandbox
	# shellcheck disable=SC2086 # $flags is one word or none
	"$VMMTIME" -t 90 -g 10 -o "$WORK/$v.exits.log" "$MARKER" -- "$CROSVM" --log-level debug \
		run $flags -c 1 -m "$MEM" -p "e2e=poweroff" -i "$INITRD" "$k" >/dev/null
	tr -d '\r' <"$WORK/$v.exits.log" | sed -n "s/.*\(exits .*\|guest accesses .*\|PCI config accesses.*\)/BENCH-EXITS $v: \1/p"
	tr -d '\r' <"$WORK/$v.exits.log" | grep -v '^\[crosvm' | grep -E 'WARNING:|xstate|XSAVE|BUG:' | head -n 5 |
		sed "s/^/BENCH-GUEST $v: /"
done

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
		if (kv[1] == "guest_up") up = kv[2]
	}
	ok[vmm]++
	ts[vmm] = ts[vmm] " " t
	rs[vmm] = rs[vmm] " " r
	ps[vmm] = ps[vmm] " " p
	ups[vmm] = ups[vmm] " " up
	procs[vmm] = np
}
END {
	base = ok["qemu-microvm"] > 0 ? median(ts["qemu-microvm"], ok["qemu-microvm"]) : 0
	printf "%-17s %6s %11s %11s %14s %10s %18s\n", "VMM", "boots", "s to init", "vs microvm", "guest up at init", "peak RSS", "PSS MiB (procs)"
	for (k = 1; k <= nv; k++) {
		v = order[k]
		if (ok[v] > 0) {
			m = median(ts[v], ok[v])
			printf "%-17s %3d/%-2d %11.2f %11s %15.2fs %6.1f MiB %12.1f (%d)\n", v, ok[v], total[v], m, (base > 0 ? sprintf("%.2fx", m / base) : "-"), median(ups[v], ok[v]), median(rs[v], ok[v]), median(ps[v], ok[v]), procs[v]
		} else {
			printf "%-17s %3d/%-2d %11s %11s %16s %10s %18s\n", v, 0, total[v], "-", "-", "-", "-", "-"
		}
	}
}' "$WORK/results"
echo "BENCH-DONE"
