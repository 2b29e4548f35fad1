#!/usr/bin/env bash
# Boot the nested e2e test host: QEMU TCG (-cpu max, nested SVM) running
# Debian's kernel with build/e2e/testhost.cpio as its initramfs. Its /init
# loads KVM and runs the script that e2e.mode selects.
#
# usage: tests/e2e/testhost.sh [--log FILE] [--initrd FILE] [--timeout S] MODE [KERNEL-ARG]...
#   MODE     test   run cases.sh (done marker E2E-DONE)
#            bench  run bench.sh (done marker BENCH-DONE; use testhost-bench.cpio)
#            blkbench  run blkbench.sh (done marker BENCH-DONE; testhost-bench.cpio)
#            smp    run bench.sh smp (done marker SMP-DONE; testhost-bench.cpio)
#            demo   interactive crosvm demo guest (serial on this terminal)
#            shell  interactive busybox shell in the test host
#   KERNEL-ARG  extra test host kernel words, e.g. e2e.cases=elf-kernel
#
# Non-interactive modes stream the console to stdout and to the log
# (default build/e2e/testhost-MODE.log). The test host is declared wedged
# when its kernel reports a soft lockup / "stuck for" and no progress line
# follows within E2E_LOCKUP_GRACE_S, or when the console is silent for
# E2E_STALL_S, or when the test host kernel itself crashes (panic/oops);
# QEMU is then killed and the run retried once (the log of
# the first attempt is kept as LOG.attempt1). Exits 0 when the done marker
# appeared and QEMU exited, 1 otherwise, 2 on usage errors.
#
# Env: E2E_OUT (build/e2e), E2E_TIMEOUT (overall seconds per attempt,
# default 900), E2E_STALL_S (150), E2E_LOCKUP_GRACE_S (45), E2E_MEM_MB
# (3072), E2E_SMP (2), E2E_TESTHOST_KERNEL (pvh = build/e2e/vmlinux when
# present, bzimage = build/e2e/vmlinuz), E2E_SIMULATE (lockup|hang|crash:
# make the FIRST attempt wedge, to exercise the retry).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OUT=${E2E_OUT:-$ROOT/build/e2e}
TIMEOUT=${E2E_TIMEOUT:-900}
STALL=${E2E_STALL_S:-150}
GRACE=${E2E_LOCKUP_GRACE_S:-45}
MEM=${E2E_MEM_MB:-3072}
SMP=${E2E_SMP:-2}

say() { printf 'testhost: %s\n' "$*" >&2; }
usage() {
	sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}

log=
initrd=
while [[ $# -gt 0 ]]; do
	case "$1" in
	--log) log=$2; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	-h | --help) usage ;;
	-*) say "unknown option $1"; usage ;;
	*) break ;;
	esac
done
[[ $# -ge 1 ]] || usage
mode=$1
shift
extra=("$@")

case "$mode" in
test) done_marker=E2E-DONE ;;
bench | blkbench) done_marker=BENCH-DONE ;;
smp) done_marker=SMP-DONE ;;
demo | shell) done_marker= ;;
*) say "unknown mode $mode"; usage ;;
esac

# QEMU >= 9.1 (scripts/deps says why and installs it).
"$ROOT/scripts/deps" >&2 || exit 1

if [[ -z $initrd ]]; then
	initrd=$OUT/testhost.cpio
	[[ $mode == bench || $mode == blkbench || $mode == smp ]] && initrd=$OUT/testhost-bench.cpio
fi
[[ -s $initrd ]] || { say "missing $initrd: run tests/e2e/images.sh first"; exit 1; }
kernel=$OUT/vmlinuz
if [[ ${E2E_TESTHOST_KERNEL:-pvh} == pvh && -s $OUT/vmlinux ]]; then
	kernel=$OUT/vmlinux
fi
[[ -s $kernel ]] || { say "missing $kernel: run tests/e2e/images.sh first"; exit 1; }
log=${log:-$OUT/testhost-$mode.log}
mkdir -p "$(dirname "$log")"

# One test host at a time (the machine has two cores).
exec 9>"$OUT/testhost.lock"
if ! flock -n 9; then
	say "another test host is running (lock $OUT/testhost.lock); waiting for it"
	flock 9
fi

qemu_cmd() { # SERIAL APPEND-WORDS...
	local serial=$1
	shift
	QEMU_CMD=(qemu-system-x86_64 -accel tcg -cpu max -smp "$SMP" -m "$MEM"
		-nodefaults -no-user-config -no-reboot -nographic -serial "$serial"
		-kernel "$kernel" -initrd "$initrd"
		-append "console=ttyS0 quiet panic=-1 e2e.mode=$mode $*")
}

if [[ -z $done_marker ]]; then
	qemu_cmd mon:stdio "${extra[@]}"
	say "booting the test host ($mode); Ctrl-A x quits QEMU"
	exec "${QEMU_CMD[@]}"
fi

lockup_re='soft lockup|stuck for [0-9]+s|rcu_.*self-detected stall|rcu_.*detected stalls'
crash_re='Kernel panic - not syncing|: [0-9a-f]{4} \[#[0-9]+\]'
progress_re='E2E: |E2E-DONE|BENCH-RUN|BENCH-DONE|TESTHOST: '
# The test host's own console lines: not the guest output that cases.sh
# and bench.sh quote (indented with "    | ") when a case fails.
own() { grep -av '^    | ' "$log" || true; }
qpid=
tpid=
# shellcheck disable=SC2317 # invoked by trap
cleanup() {
	if [[ -n $qpid ]]; then kill "$qpid" 2>/dev/null || true; fi
	if [[ -n $tpid ]]; then kill "$tpid" 2>/dev/null || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stop_qemu() {
	kill "$qpid" 2>/dev/null || true
	for _ in 1 2 3 4 5; do
		kill -0 "$qpid" 2>/dev/null || break
		sleep 1
	done
	kill -9 "$qpid" 2>/dev/null || true
	wait "$qpid" 2>/dev/null || true
}

# attempt N [SIMULATE]: one boot. Returns 0 (QEMU exited by itself),
# 1 (overall timeout) or 10 (wedged); sets WHY.
attempt() {
	local n=$1 sim=${2:-} start now size last_size=-1 last_change lock_t='' lock_p='' p
	local words=("${extra[@]}")
	[[ -n $sim ]] && words+=("e2e.simulate=$sim")
	qemu_cmd stdio "${words[@]}"
	: >"$log"
	say "attempt $n: ${QEMU_CMD[*]}"
	"${QEMU_CMD[@]}" </dev/null >"$log" 2>&1 &
	qpid=$!
	tail -n +1 -f --pid="$qpid" "$log" &
	tpid=$!
	start=$SECONDS
	last_change=$start
	WHY=
	while kill -0 "$qpid" 2>/dev/null; do
		sleep 1
		now=$SECONDS
		size=$(stat -c %s "$log")
		if [[ $size != "$last_size" ]]; then
			last_size=$size
			last_change=$now
		fi
		if ((now - start >= TIMEOUT)); then
			WHY="overall timeout of ${TIMEOUT}s"
			stop_qemu
			break
		fi
		# Once the script is done only the power-off is left.
		own | grep -qa "$done_marker" && continue
		# The test host kernel itself crashed (seen rarely under TCG in
		# nested SVM): an environment failure like a lockup.
		if own | grep -qaE "$crash_re"; then
			sleep 2
			WHY="wedged: test host kernel crash: $(own | grep -aE "$crash_re" | head -n 1 | tr -d '\r')"
			stop_qemu
			break
		fi
		if ((now - last_change >= STALL)); then
			WHY="wedged: no console output for ${STALL}s"
			stop_qemu
			break
		fi
		if own | grep -qaE "$lockup_re"; then
			p=$(own | grep -caE "$progress_re" || true)
			if [[ -z $lock_t || $p != "$lock_p" ]]; then
				[[ -z $lock_t ]] && say "kernel lockup warning seen; waiting up to ${GRACE}s for progress"
				lock_t=$now
				lock_p=$p
			elif ((now - lock_t >= GRACE)); then
				WHY="wedged: $(own | grep -aE "$lockup_re" | tail -n 1 | tr -d '\r')"
				stop_qemu
				break
			fi
		fi
	done
	wait "$qpid" 2>/dev/null || true
	qpid=
	wait "$tpid" 2>/dev/null || true
	tpid=
	# A crash that ended QEMU at once (panic=-1 and -no-reboot).
	if [[ -z $WHY ]] && ! own | grep -qa "$done_marker" && own | grep -qaE "$crash_re"; then
		WHY="wedged: test host kernel crash: $(own | grep -aE "$crash_re" | head -n 1 | tr -d '\r')"
	fi
	say "attempt $n ended after $((SECONDS - start))s${WHY:+ ($WHY)}"
	case "$WHY" in
	"") return 0 ;;
	wedged*) return 10 ;;
	*) return 1 ;;
	esac
}

rc=0
rm -f "$log.attempt1"
attempt 1 "${E2E_SIMULATE:-}" || rc=$?
retried=0
if [[ $rc == 10 ]]; then
	mv "$log" "$log.attempt1"
	echo "TESTHOST-RETRY: $WHY" >>"$log.attempt1"
	echo "TESTHOST-RETRY: $WHY; retrying once (first log: $log.attempt1)"
	say "RETRY: $WHY; retrying the run once"
	retried=1
	rc=0
	attempt 2 || rc=$?
fi

if [[ $rc == 0 ]] && own | grep -qa "$done_marker"; then
	if [[ $retried == 1 ]]; then
		say "ok: $done_marker seen (after one retry)"
	else
		say "ok: $done_marker seen"
	fi
	exit 0
fi
if [[ $rc == 0 ]]; then
	say "FAILED: the test host ended without $done_marker (log: $log)"
else
	say "FAILED: $WHY (log: $log)"
fi
exit 1
