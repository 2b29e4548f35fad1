#!/bin/sh
# crosvm end-to-end cases. Runs INSIDE the nested test host (busybox sh,
# started by its /init in e2e.mode=test) or directly on a host with real
# KVM (started by run.sh). POSIX sh + busybox/coreutils tools only.
#
# Each case prints exactly one line "E2E: PASS <name>" or
# "E2E: FAIL <name>: <reason>" (a failure is followed by the tail of the
# captured crosvm output, each line indented with "    | "), and the script
# ends with "E2E-DONE".
#
# Variables:
#   CROSVM            crosvm binary (/e2e/crosvm)
#   E2E_KERNEL        Debian bzImage (/e2e/vmlinuz)
#   E2E_INITRD        guest initramfs (/e2e/guest.cpio)
#   E2E_ELFKERNEL     ELF64 test kernel (/e2e/elfkernel)
#   E2E_VMLINUX       E2E_KERNEL's own ELF vmlinux (/e2e/vmlinux), with its PVH note's
#                     type word at the offset in E2E_VMLINUX.pvh-offset
#   E2E_IMAGES        directory of root.ext4, root.sqfs, data.ext4 (/e2e)
#   E2E_WORK          scratch directory (/tmp/e2e), emptied first
#   E2E_BOOT_TIMEOUT  seconds allowed for one Linux guest run (90)
#   E2E_CASES         space-separated case names or shell patterns to run
#                     (default: all), e.g. "elf-kernel bad-*"

# Absolute paths: the bad-input cases run crosvm in an empty directory.
abspath() { case "$1" in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
CROSVM=$(abspath "${CROSVM:-/e2e/crosvm}")
KERNEL=$(abspath "${E2E_KERNEL:-/e2e/vmlinuz}")
INITRD=$(abspath "${E2E_INITRD:-/e2e/guest.cpio}")
ELFKERNEL=$(abspath "${E2E_ELFKERNEL:-/e2e/elfkernel}")
VMLINUX=$(abspath "${E2E_VMLINUX:-/e2e/vmlinux}")
IMAGES=$(abspath "${E2E_IMAGES:-/e2e}")
WORK=$(abspath "${E2E_WORK:-/tmp/e2e}")
BOOT_TIMEOUT=${E2E_BOOT_TIMEOUT:-90}
CASES=${E2E_CASES:-}
# Seconds for runs that must end at once (bad input, the ELF kernel).
QUICK_TIMEOUT=30

npass=0
nfail=0

rm -rf "$WORK"
mkdir -p "$WORK"

# ---------------------------------------------------------------- helpers

elapsed() { cut -d' ' -f1 /proc/uptime; }
# since T0 T1: seconds from T0 to T1 (uptime values), one decimal.
since() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# want NAME...: is any of the cases NAME selected by E2E_CASES?
want() {
	[ -z "$CASES" ] && return 0
	set -f # the patterns are for case, not for file names
	for want_name in "$@"; do
		for want_pat in $CASES; do
			# shellcheck disable=SC2254 # patterns are intended
			case "$want_name" in $want_pat) set +f && return 0 ;; esac
		done
	done
	set +f
	return 1
}

pass() {
	echo "E2E: PASS $1"
	npass=$((npass + 1))
}

# fail NAME REASON [FILE...]: report, then show the tail of each FILE.
fail() {
	name=$1
	reason=$2
	shift 2
	echo "E2E: FAIL $name: $reason"
	nfail=$((nfail + 1))
	for f in "$@"; do
		[ -s "$f" ] || continue
		echo "    | --- tail of $(basename "$f")"
		tail -n 20 "$f" | tr -d '\r' | sed 's/^/    | /'
	done
}

# has FILE TEXT: does the (CR-stripped) output contain the fixed TEXT?
has() { tr -d '\r' <"$1" | grep -qF -- "$2"; }

# value FILE KEY: the value of the first "KEY=value" line of FILE.
value() { tr -d '\r' <"$1" | sed -n "s/^$2=//p" | head -n 1; }

# wait_for FILE TEXT SECONDS PID: wait until FILE contains TEXT. Returns
# 0 when it does, 1 on timeout, 2 when PID exited first.
wait_for() {
	deadline=$(($(date +%s) + $3))
	while :; do
		has "$1" "$2" && return 0
		if ! kill -0 "$4" 2>/dev/null; then
			has "$1" "$2" && return 0
			return 2
		fi
		[ "$(date +%s)" -ge "$deadline" ] && return 1
		sleep 0.2
	done
}

# wait_value FILE KEY SECONDS PID: like wait_for, for a line starting with
# KEY= (the console echoes the command typed, which contains KEY= too).
wait_value() {
	deadline=$(($(date +%s) + $3))
	while [ -z "$(value "$1" "$2")" ]; do
		kill -0 "$4" 2>/dev/null || return 2
		[ "$(date +%s)" -ge "$deadline" ] && return 1
		sleep 0.2
	done
}

# status_text STATUS: describe a crosvm exit status.
status_text() {
	case "$1" in
	0) echo "0 (guest shutdown)" ;;
	1) echo "1 (runtime failure)" ;;
	2) echo "2 (bad input)" ;;
	3) echo "3 (triple fault)" ;;
	4) echo "4 (KVM internal error)" ;;
	timeout) echo "none: still running at the time limit, so it was killed" ;;
	124 | 143) echo "$1 (terminated)" ;;
	137) echo "$1 (killed)" ;;
	*) echo "$1" ;;
	esac
}

# crosvm_pid PID: the crosvm process started as "timeout ... crosvm" with pid PID: busybox
# timeout execs the command itself (PID) and forks its watcher; others fork the command.
crosvm_pid() {
	if [ "$(cat "/proc/$1/comm" 2>/dev/null)" = crosvm ]; then
		echo "$1"
		return
	fi
	for c in $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
		[ "$(cat "/proc/$c/comm" 2>/dev/null)" = crosvm ] && echo "$c" && return
	done
	echo "$1"
}

# sandbox_check PID DISK OUT: every device process of the crosvm under PID is jailed:
# seccomp filter mode, no_new_privs, no capabilities, its own namespaces, an empty root,
# and only the descriptors a device is given (never KVM, never a host file but DISK).
# Writes one line per process (and each problem) to OUT; returns 1 on any problem.
sandbox_check() {
	vmm=$(crosvm_pid "$1")
	disk=$2
	out=$3
	: >"$out"
	bad=0
	kids=$(cat /proc/"$vmm"/task/*/children 2>/dev/null)
	n=0
	for c in $kids; do
		n=$((n + 1))
		name=$(cat "/proc/$c/comm")
		sc=$(sed -n 's/^Seccomp:[[:space:]]*//p' "/proc/$c/status")
		nnp=$(sed -n 's/^NoNewPrivs:[[:space:]]*//p' "/proc/$c/status")
		cap=$(sed -n 's/^CapEff:[[:space:]]*//p' "/proc/$c/status")
		rss=$(sed -n 's/^VmRSS:[[:space:]]*//p' "/proc/$c/status")
		same=""
		for ns in user pid mnt net ipc uts; do
			[ "$(readlink "/proc/$c/ns/$ns")" = "$(readlink "/proc/$vmm/ns/$ns")" ] && same="$same $ns"
		done
		rootls=$(ls -A "/proc/$c/root/" 2>&1)
		fds=""
		nsock=0
		for f in /proc/"$c"/fd/*; do
			l=$(readlink "$f")
			case "$l" in
			"anon_inode:[eventfd]" | "anon_inode:[io_uring]" | pipe:* | /dev/null | \
				"$disk" | "/memfd:crosvm-guest-ram (deleted)" | "$WORK"/*/out | "$WORK"/*/err) ;;
			socket:*) nsock=$((nsock + 1)) ;;
			*) fds="$fds ${f##*/}->$l" ;;
			esac
		done
		nfd=$(ls "/proc/$c/fd" | wc -l)
		echo "$name pid $c: Seccomp $sc, NoNewPrivs $nnp, CapEff $cap, RSS $rss, $nfd fds" >>"$out"
		[ "$sc" = 2 ] || { echo "  $name: Seccomp is '$sc', not 2" >>"$out"; bad=1; }
		[ "$nnp" = 1 ] || { echo "  $name: NoNewPrivs is '$nnp'" >>"$out"; bad=1; }
		[ "$cap" = 0000000000000000 ] || { echo "  $name: CapEff is $cap" >>"$out"; bad=1; }
		[ -z "$same" ] || { echo "  $name: shares namespaces with crosvm:$same" >>"$out"; bad=1; }
		[ -z "$rootls" ] || { echo "  $name: its root is not empty: $rootls" >>"$out"; bad=1; }
		[ -z "$fds" ] || { echo "  $name: unexpected descriptors:$fds" >>"$out"; bad=1; }
		[ "$nsock" = 1 ] || { echo "  $name: $nsock sockets (want only its own, 1)" >>"$out"; bad=1; }
	done
	# --rwdisk, rng, balloon: three device processes.
	[ "$n" = 3 ] || { echo "crosvm $vmm has $n device processes, want 3: $kids" >>"$out"; bad=1; }
	return $bad
}

# vm DIR TIMEOUT ARGS...: run "crosvm run ARGS" with stdin from /dev/null,
# stdout to DIR/out, stderr to DIR/err; sets STATUS.
vm() {
	dir=$1
	t=$2
	shift 2
	mkdir -p "$dir"
	t_a=$(elapsed)
	timeout -k 5 "$t" "$CROSVM" run "$@" </dev/null >"$dir/out" 2>"$dir/err"
	STATUS=$?
	STATUS=$(timed_out "$t_a" "$t" "$STATUS")
}

# timed_out START LIMIT STATUS: prints "timeout" when the run lasted
# LIMIT seconds or more (it was killed, whatever status it then exited
# with), else STATUS.
timed_out() {
	if awk -v a="$1" -v b="$(elapsed)" -v t="$2" 'BEGIN { exit !(b - a >= t - 0.5) }'; then
		echo timeout
	else
		echo "$3"
	fi
}

echo "cases: start at $(elapsed)s: crosvm=$CROSVM kernel=$KERNEL initrd=$INITRD"
for f in "$CROSVM" "$KERNEL" "$INITRD" "$ELFKERNEL"; do
	[ -e "$f" ] || echo "cases: warning: $f does not exist"
done

# ---------------------------------------------------------------- bad input
# Each must exit 2 with exactly one line on stderr and leave nothing
# behind: no file in its (empty) working directory, nothing new in
# /dev/shm and no crosvm process.

# bad NAME WORD ARGS...: WORD must appear in the error (case-insensitive),
# so that the input is refused for the right reason.
bad() {
	name=$1
	word=$2
	shift 2
	want "$name" || return 0
	dir=$WORK/$name
	mkdir -p "$dir/cwd"
	ls -A /dev/shm 2>/dev/null >"$dir/shm.before"
	(cd "$dir/cwd" && timeout -k 2 "$QUICK_TIMEOUT" "$CROSVM" run "$@" \
		</dev/null >"$dir/out" 2>"$dir/err")
	st=$?
	ls -A /dev/shm 2>/dev/null >"$dir/shm.after"
	lines=$(wc -l <"$dir/err" | tr -d ' ')
	# A last line without a newline counts as a line too.
	[ -s "$dir/err" ] && [ "$(tail -c 1 "$dir/err" | od -An -c | tr -d ' ')" != '\n' ] &&
		lines=$((lines + 1))
	left=$(ls -A "$dir/cwd")
	# A crosvm process still running (busybox has no pgrep; busybox
	# timeout's own watcher process may linger a second: not counted).
	procs=$(ps -o pid,args 2>/dev/null | awk -v c="$CROSVM" '$2 == c { print }')
	if [ "$st" != 2 ]; then
		fail "$name" "exit status $(status_text "$st"), expected 2 (bad input)" "$dir/err" "$dir/out"
	elif [ "$lines" != 1 ]; then
		fail "$name" "$lines lines on stderr, expected exactly 1" "$dir/err"
	elif [ -z "$(tr -d ' \t\n' <"$dir/err")" ]; then
		fail "$name" "the stderr line is empty" "$dir/err"
	elif ! grep -qiF -- "$word" "$dir/err"; then
		fail "$name" "the error does not mention '$word'" "$dir/err"
	elif [ -n "$left" ]; then
		fail "$name" "left files behind in its working directory: $left" "$dir/err"
	elif ! cmp -s "$dir/shm.before" "$dir/shm.after"; then
		fail "$name" "left something in /dev/shm: $(diff "$dir/shm.before" "$dir/shm.after" | grep '^[+>]' | tr '\n' ' ')" "$dir/err"
	elif [ -n "$procs" ]; then
		fail "$name" "crosvm process left running: $procs" "$dir/err"
	else
		pass "$name"
		echo "    ($name: $(head -n 1 "$dir/err"))"
	fi
}

if want 'bad-*'; then
	mkdir -p "$WORK/files"
	dd if=/dev/zero of="$WORK/files/zeros" bs=1024 count=64 2>/dev/null
	printf 'this is not a kernel\n%.0s' 1 2 3 4 5 6 7 8 >"$WORK/files/text"
	truncate -s 100M "$WORK/files/big-initrd" 2>/dev/null ||
		dd if=/dev/zero of="$WORK/files/big-initrd" bs=1M count=0 seek=100 2>/dev/null
fi

# Cases that should be refused before any boot use the ELF test kernel:
# if crosvm wrongly accepts them, that kernel resets at once.
bad bad-missing-kernel no-such-kernel "$WORK/files/no-such-kernel"
bad bad-zero-kernel zeros "$WORK/files/zeros"
bad bad-text-kernel text "$WORK/files/text"
bad bad-initrd-too-big initrd -m 64 -i "$WORK/files/big-initrd" "$KERNEL"
bad bad-mem-zero mem -m 0 "$ELFKERNEL"
bad bad-mem-huge mem -m 99999999 "$ELFKERNEL"
bad bad-cpus-zero cpu -c 0 "$ELFKERNEL"
bad bad-cpus-huge cpu -c 100000 "$ELFKERNEL"
bad bad-unknown-flag bogus --bogus "$ELFKERNEL"
bad bad-serial-type serial --serial type=bogus "$ELFKERNEL"
bad bad-serial-num serial --serial num=9 "$ELFKERNEL"
# Issue 18: files that are no kernel, and input refused before KVM is used.
if want bad-truncated-kernel; then
	head -c 3000000 "$KERNEL" >"$WORK/files/truncated"
fi
bad bad-truncated-kernel truncated "$WORK/files/truncated"
# A static program (busybox, which busybox sh's "command -v" names only as an applet).
for bb in /bin/busybox /usr/bin/busybox /sbin/busybox; do [ -x "$bb" ] && break; done
bad bad-program-kernel program "$bb"
bad bad-policy-dir seccomp-policy-dir --seccomp-policy-dir /nonexistent "$ELFKERNEL"
bad bad-mem-twice "given twice" -m 64 -m 128 "$ELFKERNEL"
bad bad-mem-octal mem -m 0x40 "$ELFKERNEL"
bad bad-serial-input input --serial "type=sink,input=$WORK/files/no-such-input" "$ELFKERNEL"
bad bad-serial-unix-type path --serial type=unix "$ELFKERNEL"
bad bad-serial-earlycon earlycon --serial type=sink,earlycon --serial type=sink,num=2,earlycon "$ELFKERNEL"
rm -f "$WORK/files/big-initrd"

# ---------------------------------------------------------------- ELF kernel
if want elf-kernel; then
	d=$WORK/elf-kernel
	vm "$d" "$QUICK_TIMEOUT" -p "hello=elf" "$ELFKERNEL"
	cmdline=$(value "$d/out" CMDLINE)
	case " $cmdline " in
	*" hello=elf "*) has_hello=1 ;;
	*) has_hello=0 ;;
	esac
	if ! has "$d/out" ELF-KERNEL-OK; then
		fail elf-kernel "no ELF-KERNEL-OK (exit status $(status_text "$STATUS"))" "$d/out" "$d/err"
	elif ! has "$d/out" CMDLINE=; then
		fail elf-kernel "no CMDLINE= line (exit status $(status_text "$STATUS"))" "$d/out" "$d/err"
	elif [ "$has_hello" != 1 ]; then
		fail elf-kernel "command line '$cmdline' lacks hello=elf" "$d/out" "$d/err"
	elif [ "$STATUS" != 0 ]; then
		fail elf-kernel "exit status $(status_text "$STATUS") after the reset, expected 0" "$d/out" "$d/err"
	else
		pass elf-kernel
		echo "    (elf-kernel: CMDLINE=$cmdline)"
	fi
fi

# crosvm run vmlinux: Debian's kernel as an ELF, through its PVH note (with 2 vCPUs, so the
# APs start from it too) and, in a copy whose note is unrecognisable, through the 64-bit
# entry with boot_params. The debug log says which entry was taken.
if want vmlinux-pvh vmlinux-64; then
	for c in vmlinux-pvh vmlinux-64; do
		want "$c" || continue
		d=$WORK/$c
		mkdir -p "$d"
		k=$VMLINUX
		entry="PVH entry"
		if [ "$c" = vmlinux-64 ]; then
			k=$d/vmlinux
			entry="64-bit entry"
			off=$(cat "$VMLINUX.pvh-offset" 2>/dev/null)
			cp "$VMLINUX" "$k" 2>/dev/null && [ -n "$off" ] &&
				printf '\377' | dd of="$k" bs=1 seek="$off" conv=notrunc 2>/dev/null
		fi
		if [ ! -s "$k" ]; then
			fail "$c" "no vmlinux in the test host ($VMLINUX): images.sh could not extract it"
			continue
		fi
		vm "$d" "$BOOT_TIMEOUT" --log-level debug -c 2 -p "quiet e2e=reboot" -i "$INITRD" "$k"
		if ! has "$d/out" GUEST-INIT-OK; then
			fail "$c" "the guest never reached /init (exit status $(status_text "$STATUS"))" "$d/out" "$d/err"
		elif ! has "$d/err" "$entry"; then
			fail "$c" "crosvm did not take the $entry" "$d/err"
		elif [ "$(value "$d/out" NPROC)" != 2 ]; then
			fail "$c" "NPROC=$(value "$d/out" NPROC), expected 2 (-c 2)" "$d/out"
		elif [ "$STATUS" != 0 ]; then
			fail "$c" "exit status $(status_text "$STATUS") after reboot -f, expected 0" "$d/out" "$d/err"
		else
			pass "$c"
		fi
		rm -f "$d/vmlinux"
	done
fi

# --serial type=file: COM1's output goes to the file (console= follows it), not stdout.
if want serial-file; then
	d=$WORK/serial-file
	mkdir -p "$d"
	vm "$d" "$QUICK_TIMEOUT" --serial "type=file,path=$d/com1.txt,console=true" -p "hello=file" \
		"$ELFKERNEL"
	if [ "$STATUS" = 0 ] && has "$d/com1.txt" ELF-KERNEL-OK && ! has "$d/out" ELF-KERNEL-OK &&
		grep -q 'CMDLINE=console=ttyS0 hello=file' "$d/com1.txt"; then
		pass serial-file
	else
		fail serial-file "status $(status_text "$STATUS"); file: $(tr -d '\r' <"$d/com1.txt" 2>/dev/null | tr '\n' ' ')" "$d/out" "$d/err"
	fi
fi

# ---------------------------------------------------------------- legacy devices, COM1 features
# One boot with --no-i8042 --no-rtc, COM1 as type=unix (to a syslogd of our own listening at
# /dev/log: each guest line is one datagram there) with console and earlycon, and its input
# from a FIFO (input=). Where the host has its own syslog, COM1 is a file instead.
LEGACY_CASES="legacy-off serial-earlycon serial-unix serial-input"
# shellcheck disable=SC2086 # a list of names
if want $LEGACY_CASES; then
	d=$WORK/legacy
	mkdir -p "$d"
	: >"$d/com1"
	mkfifo "$d/in"
	exec 5<>"$d/in"
	slpid=
	com1="type=file,path=$d/com1"
	if [ ! -e /dev/log ] && command -v syslogd >/dev/null 2>&1; then
		syslogd -n -O "$d/com1" &
		slpid=$!
		sleep 0.5
		com1="type=unix,path=/dev/log"
	fi
	timeout -k 5 $((BOOT_TIMEOUT + 30)) "$CROSVM" run --no-i8042 --no-rtc \
		--serial "$com1,console,earlycon,input=$d/in" -p "e2e=info" -i "$INITRD" "$KERNEL" \
		</dev/null >"$d/out" 2>"$d/err" 5>&- &
	pid=$!
	wait_for "$d/com1" GUEST-READY "$BOOT_TIMEOUT" "$pid"
	ready=$?
	if [ "$ready" = 0 ]; then
		echo "cases: legacy boot: guest up at $(elapsed)s"
		# shellcheck disable=SC2016 # the guest shell expands it
		printf '%s\n' 'echo INPUT-$((6*7))' \
			'echo RTC0=$([ -e /dev/rtc0 ] && echo yes || echo no)' exit-test >&5
	fi
	wait "$pid"
	st=$?
	exec 5>&-
	if [ -n "$slpid" ]; then
		sleep 0.5
		kill "$slpid" 2>/dev/null
		wait "$slpid" 2>/dev/null
		rm -f /dev/log # ours: later cases look for the host's own
	fi
	if [ "$ready" = 0 ] && [ "$st" = 0 ] && has "$d/com1" GUEST-EXIT && has "$d/com1" RTC0=no; then
		pass legacy-off
	else
		fail legacy-off "ready=$ready, status $(status_text "$st"), GUEST-EXIT and RTC0=no (no /dev/rtc0 with --no-rtc) expected" "$d/com1" "$d/err"
	fi
	if has "$d/com1" "earlycon=uart8250,io,0x3f8" && has "$d/com1" "uart8250 at I/O port 0x3f8"; then
		pass serial-earlycon
	else
		fail serial-earlycon "no 'earlycon=uart8250,io,0x3f8' on the command line or no 'earlycon: uart8250 at I/O port 0x3f8' from the kernel" "$d/com1"
	fi
	if [ -z "$slpid" ]; then
		pass serial-unix
		echo "    (serial-unix: this host has its own syslog (/dev/log): not checked here)"
	elif has "$d/com1" GUEST-INIT-OK && has "$d/com1" GUEST-READY; then
		pass serial-unix
		echo "    (serial-unix: $(grep -c . "$d/com1") datagrams from COM1 in syslog)"
	else
		fail serial-unix "the guest's lines did not reach the datagram socket" "$d/com1" "$d/err"
	fi
	if has "$d/com1" INPUT-42; then
		pass serial-input
	else
		fail serial-input "the guest never ran the line written to input=" "$d/com1" "$d/err"
	fi
fi

# ---------------------------------------------------------------- power button
# crosvm powerbtn: the guest's button driver turns the ACPI fixed power button into an input
# event, its init shuts down on it, and crosvm exits 0.
if want powerbtn; then
	d=$WORK/powerbtn
	mkdir -p "$d"
	sock=$d/vm.sock
	timeout -k 5 $((BOOT_TIMEOUT + 30)) "$CROSVM" run -s "$sock" -p "quiet e2e=powerbtn" \
		-i "$INITRD" "$KERNEL" </dev/null >"$d/out" 2>"$d/err" &
	pid=$!
	wait_for "$d/out" POWERBTN-READY "$BOOT_TIMEOUT" "$pid"
	ready=$?
	p_rc=none
	if [ "$ready" = 0 ]; then
		"$CROSVM" powerbtn "$sock" >"$d/powerbtn.out" 2>&1
		p_rc=$?
	fi
	wait "$pid"
	st=$?
	if [ "$ready" = 0 ] && [ "$p_rc" = 0 ] && [ "$st" = 0 ] && has "$d/out" POWERBTN-PRESSED &&
		has "$d/err" "guest powered off"; then
		pass powerbtn
		echo "    (powerbtn: $(tr -d '\r' <"$d/out" | grep POWERBTN-READY))"
	else
		fail powerbtn "ready=$ready, crosvm powerbtn rc=$p_rc, crosvm status $(status_text "$st"), POWERBTN-PRESSED: $(has "$d/out" POWERBTN-PRESSED && echo yes || echo no)" "$d/out" "$d/err" "$d/powerbtn.out"
	fi
fi

# --serial hardware=virtio-console: the guest's /dev/hvc0 writes to a file and reads input=,
# through the device's own jailed process.
if want virtio-console; then
	d=$WORK/virtio-console
	mkdir -p "$d"
	# A FIFO held open read-write, so crosvm's open does not wait and the line is written
	# only once the guest has /dev/hvc0 open.
	mkfifo "$d/in"
	exec 4<>"$d/in"
	timeout -k 5 "$BOOT_TIMEOUT" "$CROSVM" run --serial type=stdout,console \
		--serial "type=file,path=$d/hvc.out,hardware=virtio-console,input=$d/in" \
		-p "quiet e2e=hvc" -i "$INITRD" "$KERNEL" </dev/null >"$d/out" 2>"$d/err" 4>&- &
	pid=$!
	wait_for "$d/out" HVC-READY "$BOOT_TIMEOUT" "$pid" && printf 'hello-hvc\n' >&4
	wait "$pid"
	STATUS=$?
	exec 4>&-
	if ! has "$d/out" GUEST-INIT-OK; then
		fail virtio-console "the guest never reached /init (exit status $(status_text "$STATUS"))" "$d/out" "$d/err"
	elif ! has "$d/hvc.out" HVC-OUT-OK; then
		fail virtio-console "HVC-OUT-OK did not reach the output file" "$d/out" "$d/err" "$d/hvc.out"
	elif [ "$(value "$d/out" HVC-IN)" != hello-hvc ]; then
		fail virtio-console "the guest read '$(value "$d/out" HVC-IN)' from /dev/hvc0, not hello-hvc" "$d/out" "$d/err"
	elif [ "$STATUS" != 0 ]; then
		fail virtio-console "exit status $(status_text "$STATUS"), expected 0" "$d/out" "$d/err"
	else
		pass virtio-console
	fi
fi

# ---------------------------------------------------------------- boot A: info
# 2 vCPUs, 1 GiB: marker, CPU count, memory, clock, console input, poweroff.
# The cases whose guest boots with more than one vCPU: run.sh names them apart when one of
# them needed a retry (an SMP boot must never fail, even once).
# ---------------------------------------------------------------- --gdb
# gdb-stub: the raw protocol through busybox nc. The VM must wait for the
# debugger, answer ?, qfThreadInfo (two vCPUs) and g (the whole x86-64
# register file), and boot on after D. That guest prints the kernel symbols
# (nokaslr keeps them for the next boot) that the gdb case needs.
# gdb: Debian's gdb (gdb-minimal, batch mode) debugs the same vmlinux.
# A port that is taken is refused with one line naming --gdb (exit 2).
# The test host's loopback is down until someone brings it up.
if want gdb-stub gdb bad-gdb-port-in-use; then
	ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up 2>/dev/null
fi
if want gdb-stub gdb; then
	d=$WORK/gdb-stub
	mkdir -p "$d"
	t_a=$(elapsed)
	timeout -k 5 "$BOOT_TIMEOUT" "$CROSVM" run --gdb 1234 -c 2 -p "quiet nokaslr e2e=kallsyms" \
		-i "$INITRD" "$VMLINUX" </dev/null >"$d/out" 2>"$d/err" &
	pid=$!
	if ! wait_for "$d/err" "waiting for a debugger" 20 "$pid"; then
		fail gdb-stub "crosvm never listened on 127.0.0.1:1234" "$d/err"
	else
		sleep 3
		early=$(has "$d/out" GUEST-INIT-OK && echo yes)
		# Each packet once its predecessor's answer had time to come back.
		{
			printf '+$?#3f'
			sleep 1
			printf '+$qfThreadInfo#bb'
			sleep 1
			printf '+$g#67'
			sleep 1
			printf '+$D#44'
			sleep 1
		} | timeout 20 nc 127.0.0.1 1234 >"$d/reply" 2>&1
		wait_for "$d/out" GUEST-INIT-OK "$BOOT_TIMEOUT" "$pid"
		r=$?
		wait "$pid"
		STATUS=$(timed_out "$t_a" "$BOOT_TIMEOUT" $?)
		if [ -n "$early" ]; then
			fail gdb-stub "the guest ran before a debugger attached" "$d/out"
		elif ! has "$d/reply" '$T05thread:1;'; then
			fail gdb-stub "no stop reply to ?" "$d/reply" "$d/err"
		elif ! has "$d/reply" '$m1,2#fc'; then
			fail gdb-stub "qfThreadInfo did not list two threads" "$d/reply"
		elif ! tr -d '\r' <"$d/reply" | grep -q '\$[0-9a-f]\{1104\}#'; then
			fail gdb-stub "g did not answer 552 bytes of registers" "$d/reply"
		elif ! has "$d/reply" '$OK#9a'; then
			fail gdb-stub "D was not answered OK" "$d/reply"
		elif [ "$r" != 0 ]; then
			fail gdb-stub "the guest did not boot after the detach" "$d/out" "$d/err"
		else
			pass gdb-stub
		fi
	fi
	tr -d '\r' <"$d/out" | sed -n 's/^E2E-SYM \([a-z_0-9]*\) \([0-9a-f]*\)$/\1=\2/p' >"$WORK/gdb-syms"
fi
# sym NAME: NAME's address (0x...) from the kallsyms boot, or nothing.
sym() { sed -n "s/^$1=/0x/p" "$WORK/gdb-syms" 2>/dev/null | head -n 1; }
if want gdb; then
	d=$WORK/gdb
	mkdir -p "$d"
	sk=$(sym start_kernel)
	jf=$(sym jiffies)
	it=$(sym init_task)
	op=$(sym do_sys_openat2)
	idle=$(sym default_idle_call)
	if ! command -v gdb >/dev/null 2>&1; then
		fail gdb "no gdb in the test host (images.sh adds gdb-minimal)"
	elif [ -z "$sk" ] || [ -z "$jf" ] || [ -z "$it" ] || [ -z "$op" ] || [ -z "$idle" ]; then
		fail gdb "the kallsyms boot gave no addresses" "$WORK/gdb-syms" "$WORK/gdb-stub/out"
	else
		# Every step prints one E2E-GDB line; gdb -batch stops at the first error.
		cat >"$d/script" <<-EOF
			set pagination off
			set confirm off
			set remotetimeout 60
			file $VMLINUX
			target remote 127.0.0.1:1234
			info threads
			printf "E2E-GDB threads-start\\n"
			hbreak *$sk
			continue
			printf "E2E-GDB hbreak rip=%lx\\n", \$rip
			stepi
			stepi
			stepi
			printf "E2E-GDB stepped rip=%lx\\n", \$rip
			printf "E2E-GDB jiffies=%lx\\n", *(unsigned long *)$jf
			printf "E2E-GDB cr3=%lx paging=%d long=%d\\n", \$cr3, (\$cr0 >> 31) & 1, (\$efer & 0x500) == 0x500
			find /b $it, +0x4000, 's', 'w', 'a', 'p', 'p', 'e', 'r'
			printf "E2E-GDB comm=%s\\n", (char *)\$_
			delete
			watch *(unsigned long *)$jf
			continue
			printf "E2E-GDB watch rip=%lx jiffies=%lx\\n", \$rip, *(unsigned long *)$jf
			delete
		EOF
		# Software breakpoints (int3) only where a guest's int3 reaches KVM (see
		# testhost-init.sh); the per-vCPU hits then use hardware ones.
		bp=break
		if [ "${E2E_NESTED_TCG:-0}" = 1 ]; then
			bp=hbreak
			echo 'printf "E2E-GDB swbreak skipped\n"' >>"$d/script"
		else
			cat >>"$d/script" <<-EOF
				break *$op
				continue
				printf "E2E-GDB swbreak rip=%lx thread=%d\\n", \$rip, \$_thread
				delete
			EOF
		fi
		cat >>"$d/script" <<-EOF
			info threads
			printf "E2E-GDB threads-later\\n"
			$bp *$idle
		EOF
		# Until the idle breakpoint was hit on both vCPUs (at most 12 hits).
		n=0
		while [ $n -lt 12 ]; do
			printf 'continue\nprintf "E2E-GDB idle rip=%%lx thread=%%d\\n", $rip, $_thread\n' >>"$d/script"
			n=$((n + 1))
		done
		printf 'delete\ndetach\nprintf "E2E-GDB detached\\n"\n' >>"$d/script"
		t_a=$(elapsed)
		# gdb's round trips come on top of the boot: a longer limit than one boot's.
		timeout -k 5 300 "$CROSVM" run --gdb 1234 -c 2 -p "quiet nokaslr e2e=gdb" \
			-i "$INITRD" "$VMLINUX" </dev/null >"$d/out" 2>"$d/err" &
		pid=$!
		if ! wait_for "$d/err" "waiting for a debugger" 20 "$pid"; then
			fail gdb "crosvm never listened on 127.0.0.1:1234" "$d/err"
		else
			# gdb's output on the console as it comes: progress for the test host's stall watch.
			timeout 120 gdb -nx -batch -x "$d/script" </dev/null >"$d/gdb" 2>&1 &
			gpid=$!
			tail -f "$d/gdb" 2>/dev/null | while IFS= read -r l; do echo "    | gdb: $l"; done &
			tpid=$!
			wait "$gpid"
			kill "$tpid" 2>/dev/null
			wait_for "$d/out" GDB-GUEST-DONE "$BOOT_TIMEOUT" "$pid"
			r=$?
			wait "$pid"
			STATUS=$(timed_out "$t_a" 300 $?)
			g() { tr -d '\r' <"$d/gdb" | sed -n "s/^E2E-GDB $1//p" | head -n 1; }
			idles=$(tr -d '\r' <"$d/gdb" | sed -n "s/^E2E-GDB idle rip=0*\([0-9a-f]*\) thread=\([0-9]*\)$/\1 \2/p")
			sk_x=${sk#0x}
			if ! has "$d/gdb" "E2E-GDB threads-start" ||
				[ "$(tr -d '\r' <"$d/gdb" | grep -c 'Thread [12]\b')" -lt 2 ]; then
				fail gdb "info threads did not show two vCPUs at the start" "$d/gdb" "$d/err"
			elif [ "$(g 'hbreak rip=')" != "$sk_x" ]; then
				fail gdb "the hardware breakpoint did not stop at start_kernel $sk" "$d/gdb" "$d/err"
			elif [ -z "$(g 'stepped rip=')" ] || [ "$(g 'stepped rip=')" = "$sk_x" ]; then
				fail gdb "stepi did not move rip" "$d/gdb" "$d/err"
			elif [ -z "$(g 'jiffies=')" ]; then
				fail gdb "could not read jiffies at $jf" "$d/gdb" "$d/err"
			elif ! g 'cr3=' | grep -q '^[1-9a-f][0-9a-f]* paging=1 long=1$'; then
				fail gdb "control registers are not those of a 64-bit paging kernel" "$d/gdb" "$d/err"
			elif [ "$(g 'comm=')" != "swapper" ] && [ "$(g 'comm=')" != "swapper/0" ]; then
				fail gdb "init_task's comm was not found at $it" "$d/gdb" "$d/err"
			elif [ -z "$(g 'watch rip=')" ] || ! has "$d/gdb" "New value = "; then
				fail gdb "the write watchpoint on jiffies did not fire" "$d/gdb" "$d/err"
			elif [ "${E2E_NESTED_TCG:-0}" != 1 ] && [ "$(g 'swbreak rip=' | cut -d' ' -f1)" != "${op#0x}" ]; then
				fail gdb "the software breakpoint at do_sys_openat2 $op did not stop there" "$d/gdb" "$d/err" "$d/out"
			elif ! has "$d/gdb" "E2E-GDB threads-later"; then
				fail gdb "info threads failed later on" "$d/gdb" "$d/err"
			elif [ -n "$(echo "$idles" | awk -v a="${idle#0x}" '$1 != a')" ]; then
				fail gdb "an idle stop was not at default_idle_call $idle" "$d/gdb" "$d/err"
			elif ! echo "$idles" | grep -q ' 1$' || ! echo "$idles" | grep -q ' 2$'; then
				fail gdb "the breakpoint at default_idle_call was not hit on both vCPUs" "$d/gdb" "$d/err"
			elif ! has "$d/gdb" "E2E-GDB detached"; then
				fail gdb "detach failed" "$d/gdb" "$d/err"
			elif [ "$r" != 0 ]; then
				fail gdb "the guest did not reach its marker after the detach (exit $STATUS)" "$d/out" "$d/err" "$d/gdb"
			else
				pass gdb
			fi
		fi
	fi
fi
if want bad-gdb-port-in-use; then
	nc -l -p 1235 </dev/null >/dev/null 2>&1 &
	ncpid=$!
	sleep 0.5
	bad bad-gdb-port-in-use "--gdb: port 1235 on 127.0.0.1 is in use" --gdb 1235 "$KERNEL"
	kill "$ncpid" 2>/dev/null
	wait "$ncpid" 2>/dev/null
fi

SMP_CASES="vmlinux-pvh vmlinux-64 reboot-nproc reboot-exit info-*"
echo "E2E-SMP-CASES: $SMP_CASES"
INFO_CASES="info-init info-nproc info-memtotal info-xsave info-clock info-hwrng info-stdin info-poweroff blk-order blk-read blk-write blk-readonly video-pci"
# shellcheck disable=SC2086 # a list of names
if want $INFO_CASES; then
	d=$WORK/info
	mkdir -p "$d"
	mkfifo "$d/in"
	# Hold the fifo open read-write, so crosvm never sees end of input and
	# lines can be written only once the guest is ready for them.
	exec 3<>"$d/in"
	# Four disks: /dev/vda rw (8 MiB), vdb ro (4 MiB of random data), vdc ro, vdd rw.
	dd if=/dev/zero of="$d/a.img" bs=1M count=8 2>/dev/null
	dd if=/dev/urandom of="$d/b.img" bs=1M count=4 2>/dev/null
	dd if=/dev/zero of="$d/c.img" bs=1M count=2 2>/dev/null
	dd if=/dev/zero of="$d/d.img" bs=1M count=1 2>/dev/null
	b_sum=$(md5sum <"$d/b.img")
	b_head=$(head -c 512 "$d/b.img" | md5sum | cut -c1-32)
	t0=$(elapsed)
	# Longer than one boot: after booting, the guest answers several requests.
	timeout -k 5 $((BOOT_TIMEOUT + 90)) "$CROSVM" run -c 2 -m 1024 -p "quiet e2e=info e2e.hwrng=1" \
		--rwdisk "$d/a.img" -d "$d/b.img" -d "$d/c.img" --rwdisk "$d/d.img,id=disk-d" \
		--video-encoder -i "$INITRD" "$KERNEL" <"$d/in" >"$d/out" 2>"$d/err" 3>&- &
	pid=$!
	# -c 2, 1 GiB, four disks and the encoder: the slowest boot, given 30 s more.
	wait_for "$d/out" GUEST_EPOCH= $((BOOT_TIMEOUT + 30)) "$pid"
	ready=$?
	host_epoch=$(date +%s)
	t1=$(elapsed)
	if [ "$ready" = 0 ]; then
		echo "cases: info boot: guest up at $(elapsed)s" # progress for the stall watchdog
		wait_for "$d/out" GUEST-READY 60 "$pid"
		# shellcheck disable=SC2016 # the guest shell expands it
		printf '%s\n' 'echo STDIN-$((6*7))' >&3
		wait_for "$d/out" STDIN-42 30 "$pid"
		stdin_ok=$?
		# Block I/O from the guest: a read, a synced write, a write to a read-only disk.
		printf '%s\n' 'echo VDB_HEAD=$(dd if=/dev/vdb bs=512 count=1 2>/dev/null | md5sum | cut -c1-32)' >&3
		printf '%s\n' 'printf CROSVM-BLK-OK | dd of=/dev/vda bs=512 seek=8 conv=sync,fsync 2>/dev/null; echo VDA_WRITE_RC=$?' >&3
		printf '%s\n' 'dd if=/dev/zero of=/dev/vdb bs=512 count=1 conv=fsync 2>/dev/null; echo VDB_WRITE_RC=$?' >&3
		wait_value "$d/out" VDB_WRITE_RC 30 "$pid"
		# The guest reads 1 MiB from /dev/hwrng in the background since boot.
		wait_for "$d/out" HWRNG_BYTES= 60 "$pid"
		t2=$(elapsed)
		printf '%s\n' exit-test >&3
		wait "$pid"
		st=$(timed_out "$t0" $((BOOT_TIMEOUT + 90)) $?)
		t3=$(elapsed)
		echo "    (info: guest printed GUEST_EPOCH $(since "$t0" "$t1")s after launch," \
			"answered on stdin $(since "$t1" "$t2")s later, crosvm exited $(since "$t2" "$t3")s after exit-test)"
	else
		kill "$pid" 2>/dev/null
		wait "$pid"
		st=$(timed_out "$t0" $((BOOT_TIMEOUT + 90)) $?)
		stdin_ok=1
	fi
	exec 3>&-
	if [ "$ready" = 1 ]; then
		why="the guest did not report GUEST_EPOCH within $((BOOT_TIMEOUT + 30))s"
	else
		why="crosvm exited with status $(status_text "$st") before the guest reported GUEST_EPOCH"
	fi

	if has "$d/out" GUEST-INIT-OK; then
		pass info-init
	else
		fail info-init "no GUEST-INIT-OK: $why" "$d/out" "$d/err"
	fi

	n=$(value "$d/out" NPROC)
	if [ "$n" = 2 ]; then pass info-nproc
	elif [ -z "$n" ]; then fail info-nproc "no NPROC line: $why"
	else fail info-nproc "NPROC=$n, expected 2 (-c 2)"
	fi

	# The guest keeps XSAVE (and with it AVX) where the test host has it.
	xf=$(value "$d/out" XSAVE_FLAG)
	xw=$(value "$d/out" XSTATE_WARN)
	host_xsave=$(grep -m 1 '^flags' /proc/cpuinfo | grep -cw xsave)
	if [ -z "$xf" ]; then fail info-xsave "no XSAVE_FLAG line: $why"
	elif [ "$xw" != 0 ]; then fail info-xsave "the guest kernel warned: XSAVE consistency problem" "$d/out"
	elif [ "$xf" != "$host_xsave" ]; then fail info-xsave "guest xsave flag $xf, test host's $host_xsave" "$d/out"
	else
		pass info-xsave
		echo "    (info-xsave: host xsave $host_xsave, guest $(value "$d/out" XSTATE | tr _ ' '))"
	fi

	kb=$(value "$d/out" MEMTOTAL_KB)
	case "$kb" in
	'' | *[!0-9]*) fail info-memtotal "no MEMTOTAL_KB line: $why" ;;
	*)
		# MemTotal is below the RAM size by what the kernel reserves for
		# itself: Debian's 6.1 kernel shows 983876 kB for 1 GiB under QEMU
		# (0.938), so accept 0.90-1.0 x 1 GiB.
		if [ "$kb" -ge 943718 ] && [ "$kb" -le 1048576 ]; then
			pass info-memtotal
		else
			fail info-memtotal "MEMTOTAL_KB=$kb, expected 943718..1048576 (0.90-1.0 GiB) for -m 1024"
		fi
		;;
	esac

	ge=$(value "$d/out" GUEST_EPOCH)
	case "$ge" in
	'' | *[!0-9]*) fail info-clock "no GUEST_EPOCH line: $why" ;;
	*)
		diff_s=$((ge - host_epoch))
		[ "$diff_s" -lt 0 ] && diff_s=$((-diff_s))
		if [ "$diff_s" -le 60 ]; then
			pass info-clock
		else
			fail info-clock "guest clock GUEST_EPOCH=$ge is ${diff_s}s away from the host's $host_epoch (RTC)"
		fi
		;;
	esac

	# virtio-blk: four disks in order with their sizes (512-byte sectors) and ro flags.
	disks=$(grep -a '^DISK ' "$d/out" | tr -d '\r' | tr '\n' ';')
	if [ "$disks" = "DISK vda 16384 0;DISK vdb 8192 1;DISK vdc 4096 1;DISK vdd 2048 0;" ]; then
		pass blk-order
	else
		fail blk-order "guest saw '$disks'" "$d/out" "$d/err"
	fi
	if [ "$(value "$d/out" VDB_HEAD)" = "$b_head" ]; then
		pass blk-read
	else
		fail blk-read "first sector of vdb in the guest: $(value "$d/out" VDB_HEAD), image: $b_head" "$d/out" "$d/err"
	fi
	got=$(dd if="$d/a.img" bs=512 skip=8 count=1 2>/dev/null | head -c 13)
	if [ "$(value "$d/out" VDA_WRITE_RC)" = 0 ] && [ "$got" = CROSVM-BLK-OK ]; then
		pass blk-write
	else
		fail blk-write "guest dd rc=$(value "$d/out" VDA_WRITE_RC), image sector 8 holds '$got'" "$d/out" "$d/err"
	fi
	rc_ro=$(value "$d/out" VDB_WRITE_RC)
	if [ -n "$rc_ro" ] && [ "$rc_ro" != 0 ] && [ "$(md5sum <"$d/b.img")" = "$b_sum" ]; then
		pass blk-readonly
	else
		fail blk-readonly "write to read-only vdb: rc='$rc_ro', image checksum changed: $([ "$(md5sum <"$d/b.img")" = "$b_sum" ] && echo no || echo yes)" "$d/out" "$d/err"
	fi

	# --video-encoder: the guest enumerates the virtio-video encoder (1af4:105e) on PCI.
	# (Debian's kernel has no driver for it; the unit tests drive it as the guest driver does.)
	ids=$(value "$d/out" PCI_IDS)
	case " $ids " in
	*" 0x1af4:0x105e "*) pass video-pci ;;
	*) fail video-pci "the guest's PCI devices are '$ids', no 0x1af4:0x105e" "$d/err" ;;
	esac

	# virtio-pci + virtio-rng: the guest's driver bound and 1 MiB came from /dev/hwrng.
	rb=$(value "$d/out" HWRNG_BYTES)
	rc_name=$(value "$d/out" HWRNG_CURRENT)
	if [ "$ready" != 0 ]; then
		fail info-hwrng "not tried: $why"
	elif [ "$rb" = 1048576 ] && case "$rc_name" in virtio_rng*) true ;; *) false ;; esac then
		pass info-hwrng
	else
		fail info-hwrng "HWRNG_CURRENT='$rc_name' HWRNG_BYTES='$rb', expected virtio_rng.* and 1048576" "$d/out" "$d/err"
	fi

	if [ "$ready" != 0 ]; then
		fail info-stdin "not tried: $why"
	elif [ "$stdin_ok" = 0 ]; then
		pass info-stdin
	else
		fail info-stdin "sent 'echo STDIN-\$((6*7))' to crosvm's stdin, no STDIN-42 came back" "$d/out" "$d/err"
	fi

	if [ "$ready" != 0 ]; then
		fail info-poweroff "not tried: $why" "$d/out" "$d/err"
	elif [ "$st" != 0 ]; then
		fail info-poweroff "exit status $(status_text "$st") after exit-test (guest poweroff -f), expected 0" "$d/out" "$d/err"
	elif ! has "$d/out" GUEST-EXIT; then
		fail info-poweroff "exit status 0 but the guest never printed GUEST-EXIT" "$d/out" "$d/err"
	else
		pass info-poweroff
	fi
fi

# ---------------------------------------------------------------- boot B: reboot
if want reboot-nproc reboot-exit; then
	d=$WORK/reboot
	vm "$d" "$BOOT_TIMEOUT" -c 4 -p "quiet e2e=reboot" -i "$INITRD" "$KERNEL"
	n=$(value "$d/out" NPROC)
	if [ "$n" = 4 ]; then pass reboot-nproc
	elif [ -z "$n" ]; then fail reboot-nproc "no NPROC line (exit status $(status_text "$STATUS"))" "$d/out" "$d/err"
	else fail reboot-nproc "NPROC=$n, expected 4 (-c 4)"
	fi
	if ! has "$d/out" GUEST-INIT-OK; then
		fail reboot-exit "the guest never reached /init (exit status $(status_text "$STATUS"))" "$d/out" "$d/err"
	elif [ "$STATUS" != 0 ]; then
		fail reboot-exit "exit status $(status_text "$STATUS") after reboot -f, expected 0" "$d/out" "$d/err"
	else
		pass reboot-exit
	fi
fi

# ---------------------------------------------------------------- boot C: panic
if want panic-exit; then
	d=$WORK/panic
	vm "$d" "$BOOT_TIMEOUT" -p "quiet panic=-1 e2e=panic" -i "$INITRD" "$KERNEL"
	if ! has "$d/out" GUEST-INIT-OK; then
		fail panic-exit "the guest never reached /init (exit status $(status_text "$STATUS"))" "$d/out" "$d/err"
	elif [ "$STATUS" != 0 ]; then
		fail panic-exit "exit status $(status_text "$STATUS") after a panic with panic=-1, expected 0" "$d/out" "$d/err"
	else
		pass panic-exit
	fi
fi

# ---------------------------------------------------------------- root file systems
# -r IMAGE: the initramfs mounts root= (crosvm adds root=/dev/vda ro) and
# switch_root's into the image's own /sbin/init, as a distribution boots.
if want root-ext4 root-readonly rwdisk-debugfs; then
	d=$WORK/root-ext4
	mkdir -p "$d"
	cp "$IMAGES/data.ext4" "$d/data.ext4"
	root_sum=$(md5sum <"$IMAGES/root.ext4")
	token=crosvm-rwdisk-$(date +%s)-$$
	vm "$d" "$BOOT_TIMEOUT" -r "$IMAGES/root.ext4" --rwdisk "$d/data.ext4" \
		-p "quiet e2e=root e2e.token=$token" -i "$INITRD" "$KERNEL"
	fstype=$(value "$d/out" ROOT_FSTYPE)
	if has "$d/out" ROOT-OK && [ "$fstype" = ext4 ] &&
		[ "$(value "$d/out" ROOT_MARKER)" = crosvm-e2e-rootfs ] && [ "$STATUS" = 0 ]; then
		pass root-ext4
	else
		fail root-ext4 "ROOT_FSTYPE='$fstype', exit status $(status_text "$STATUS")" "$d/out" "$d/err"
	fi
	if [ "$(value "$d/out" ROOT_RO)" = yes ] && [ "$(md5sum <"$IMAGES/root.ext4")" = "$root_sum" ]; then
		pass root-readonly
	else
		fail root-readonly "ROOT_RO='$(value "$d/out" ROOT_RO)' (a write to / must fail), image changed: $([ "$(md5sum <"$IMAGES/root.ext4")" = "$root_sum" ] && echo no || echo yes)" "$d/out"
	fi
	# The host reads the file back from the image with e2fsprogs, not through any guest.
	back=$(debugfs -R 'cat /hello.txt' "$d/data.ext4" 2>/dev/null)
	if [ "$(value "$d/out" DATA_WRITE_RC)" = 0 ] && [ "$back" = "$token" ]; then
		pass rwdisk-debugfs
	else
		fail rwdisk-debugfs "guest DATA_WRITE_RC='$(value "$d/out" DATA_WRITE_RC)', debugfs read '$back', expected '$token'" "$d/out" "$d/err"
	fi
fi

if want root-squashfs; then
	d=$WORK/root-squashfs
	vm "$d" "$BOOT_TIMEOUT" -r "$IMAGES/root.sqfs" -p "quiet e2e=root" -i "$INITRD" "$KERNEL"
	fstype=$(value "$d/out" ROOT_FSTYPE)
	if has "$d/out" ROOT-OK && [ "$fstype" = squashfs ] &&
		[ "$(value "$d/out" ROOT_MARKER)" = crosvm-e2e-rootfs ] && [ "$STATUS" = 0 ]; then
		pass root-squashfs
	else
		fail root-squashfs "ROOT_FSTYPE='$fstype', exit status $(status_text "$STATUS")" "$d/out" "$d/err"
	fi
fi

# The in-process device host (--disable-sandbox): the same root and writable disk, no jail.
if want nosandbox-rwdisk; then
	d=$WORK/nosandbox
	mkdir -p "$d"
	cp "$IMAGES/data.ext4" "$d/data.ext4"
	token=crosvm-nosandbox-$(date +%s)-$$
	vm "$d" "$BOOT_TIMEOUT" --disable-sandbox -r "$IMAGES/root.ext4" --rwdisk "$d/data.ext4" \
		-p "quiet e2e=root e2e.token=$token" -i "$INITRD" "$KERNEL"
	back=$(debugfs -R 'cat /hello.txt' "$d/data.ext4" 2>/dev/null)
	if has "$d/out" ROOT-OK && [ "$(value "$d/out" ROOT_FSTYPE)" = ext4 ] &&
		[ "$(value "$d/out" DATA_WRITE_RC)" = 0 ] && [ "$back" = "$token" ] && [ "$STATUS" = 0 ]; then
		pass nosandbox-rwdisk
	else
		fail nosandbox-rwdisk "ROOT_FSTYPE='$(value "$d/out" ROOT_FSTYPE)', DATA_WRITE_RC='$(value "$d/out" DATA_WRITE_RC)', debugfs read '$back' (want '$token'), exit status $(status_text "$STATUS")" "$d/out" "$d/err"
	fi
fi

# ---------------------------------------------------------------- qcow2 (issue 19)
# qemu-img check's exit status: 0 clean, 1 not checked (an internal error), 2 corruption,
# 3 leaked clusters only (harmless: space, not data), 63 the format cannot be checked.
# qcow2_check IMG OUT: run it on IMG (its report to OUT), print its exit status.
qcow2_check() {
	qemu-img check "$1" >"$2" 2>&1
	echo $?
}

# A guest's root on a qcow2 overlay (made by qemu-img) whose backing file is a copy of
# root.ext4 (raw, named relative to the overlay): it boots, writes /rootwrite.txt on /,
# remounts / read-only and powers off. Then qemu-img check is clean (exit 0), the backing
# file is unchanged, and the file, with the backing file's own /etc/e2e-root, is in the
# overlay flattened by qemu-img convert, read with debugfs.
if want qcow2-root; then
	d=$WORK/qcow2-root
	mkdir -p "$d"
	cp "$IMAGES/root.ext4" "$d/root.ext4"
	back_sum=$(md5sum <"$d/root.ext4")
	token=crosvm-qcow2-root-$(date +%s)-$$
	if ! qemu-img create -q -f qcow2 -F raw -b root.ext4 "$d/overlay.qcow2" >"$d/create.out" 2>&1; then
		fail qcow2-root "qemu-img create failed" "$d/create.out"
	else
		t0=$(elapsed)
		vm "$d" "$BOOT_TIMEOUT" --rwroot "$d/overlay.qcow2" \
			-p "quiet e2e=root e2e.rootwrite=$token" -i "$INITRD" "$KERNEL"
		t1=$(elapsed)
		ck=$(qcow2_check "$d/overlay.qcow2" "$d/check.out")
		qemu-img convert -O raw "$d/overlay.qcow2" "$d/flat.raw" >"$d/convert.out" 2>&1
		got=$(debugfs -R 'cat /rootwrite.txt' "$d/flat.raw" 2>/dev/null)
		marker=$(debugfs -R 'cat /etc/e2e-root' "$d/flat.raw" 2>/dev/null)
		same=$([ "$(md5sum <"$d/root.ext4")" = "$back_sum" ] && echo yes || echo no)
		if has "$d/out" ROOT-OK && [ "$(value "$d/out" ROOT_FSTYPE)" = ext4 ] &&
			[ "$(value "$d/out" ROOT_RO)" = no ] && [ "$(value "$d/out" ROOT_WRITE_RC)" = 0 ] &&
			[ "$STATUS" = 0 ] && [ "$ck" = 0 ] && [ "$same" = yes ] && [ "$got" = "$token" ] &&
			[ "$marker" = crosvm-e2e-rootfs ]; then
			pass qcow2-root
			echo "    (qcow2-root: boot to power-off $(since "$t0" "$t1")s; overlay $(wc -c <"$d/overlay.qcow2" | tr -d ' ') bytes)"
		else
			fail qcow2-root "ROOT_FSTYPE='$(value "$d/out" ROOT_FSTYPE)' ROOT_RO='$(value "$d/out" ROOT_RO)' ROOT_WRITE_RC='$(value "$d/out" ROOT_WRITE_RC)', exit status $(status_text "$STATUS"), qemu-img check exit $ck, backing file unchanged: $same, debugfs read '$got' (want '$token') and marker '$marker'" \
				"$d/check.out" "$d/convert.out" "$d/out" "$d/err"
		fi
	fi
fi

# qcow2_kill NAME HOW: a guest (e2e=qcow2w) writes 256 KiB rounds, each flushed, to a
# 64 MiB qcow2 data disk made by crosvm create_qcow2; once round 3 is reported, crosvm is
# ended by HOW while the guest goes on writing:
#   KILL, TERM  that signal to the VMM process
#   stop        crosvm stop SOCK
#   devkill     SIGKILL to the virtio-blk device process (crosvm stops the VM, exit 1)
# Then, once every device process is gone: qemu-img check passes (exit 0; exit 3, leaked
# clusters only, is allowed where the VMM or the device process was killed: a SIGKILL may
# lose the last unflushed writes, never corrupt the image), each round the guest reported
# flushed reads back as written from the qemu-img convert'ed image, and 60..64 MiB (never
# written) reads as zeros.
qcow2_kill() {
	name=$1
	how=$2
	want "$name" || return 0
	d=$WORK/$name
	mkdir -p "$d"
	img=$d/data.qcow2
	sock=$d/vm.sock
	if ! "$CROSVM" create_qcow2 "$img" 64M >"$d/create.out" 2>&1; then
		fail "$name" "crosvm create_qcow2 failed" "$d/create.out"
		return
	fi
	t0=$(elapsed)
	timeout -k 5 $((BOOT_TIMEOUT + 30)) "$CROSVM" run -s "$sock" -p "quiet e2e=qcow2w" \
		--rwdisk "$img" -i "$INITRD" "$KERNEL" </dev/null >"$d/out" 2>"$d/err" &
	pid=$!
	wait_for "$d/out" QW_ROUND=3 "$BOOT_TIMEOUT" "$pid"
	ready=$?
	vmm=$(crosvm_pid "$pid")
	kids=$(cat /proc/"$vmm"/task/*/children 2>/dev/null)
	blk=
	for c in $kids; do
		[ "$(cat "/proc/$c/comm" 2>/dev/null)" = virtio-blk ] && blk=$c
	done
	if [ "$ready" != 0 ] || [ -z "$blk" ]; then
		kill -KILL "$vmm" 2>/dev/null
		wait "$pid"
		fail "$name" "the guest did not report round 3 (wait status $ready) or no virtio-blk process ('$blk')" "$d/out" "$d/err"
		return
	fi
	t1=$(elapsed)
	case "$how" in
	KILL | TERM) kill -"$how" "$vmm" ;;
	stop) "$CROSVM" stop "$sock" >"$d/stop.out" 2>&1 ;;
	devkill) kill -KILL "$blk" ;;
	esac
	at=$(tr -d '\r' <"$d/out" | sed -n 's/^QW_ROUND=//p' | tail -n 1)
	wait "$pid"
	st=$?
	st=$(timed_out "$t0" $((BOOT_TIMEOUT + 30)) "$st")
	t2=$(elapsed)
	# No device process may still write while the image is read.
	left=
	n=0
	while [ $n -lt 50 ]; do
		left=
		for c in $kids; do kill -0 "$c" 2>/dev/null && left="$left $c"; done
		[ -z "$left" ] && break
		n=$((n + 1))
		sleep 0.2
	done
	last=$(tr -d '\r' <"$d/out" | sed -n 's/^QW_ROUND=//p' | tail -n 1)
	ck=$(qcow2_check "$img" "$d/check.out")
	qemu-img convert -O raw "$img" "$d/flat.raw" >"$d/convert.out" 2>&1
	lost=
	k=0
	while [ "$k" -le "${last:--1}" ]; do
		w=$(yes "crosvm-qcow2-round-$k" | head -c 262144 | md5sum)
		r=$(dd if="$d/flat.raw" bs=65536 skip=$((k * 16)) count=4 2>/dev/null | md5sum)
		[ "$w" = "$r" ] || lost="$lost $k"
		k=$((k + 1))
	done
	zero=$([ "$(dd if="$d/flat.raw" bs=1048576 skip=60 count=4 2>/dev/null | md5sum)" = \
		"$(dd if=/dev/zero bs=1048576 count=4 2>/dev/null | md5sum)" ] && echo yes || echo no)
	case "$how" in
	KILL) want_st=137 ok_ck="0 3" ;;
	devkill) want_st=1 ok_ck="0 3" ;;
	*) want_st=0 ok_ck=0 ;;
	esac
	ck_ok=no
	for c in $ok_ck; do [ "$ck" = "$c" ] && ck_ok=yes; done
	leaks=$(grep -o '[0-9]* leaked clusters' "$d/check.out")
	if [ "$st" = "$want_st" ] && [ "$ck_ok" = yes ] && [ -z "$left" ] && [ -z "$lost" ] &&
		[ "$zero" = yes ] && [ "${last:-0}" -ge 3 ]; then
		pass "$name"
		echo "    ($name: boot to round 3 $(since "$t0" "$t1")s, exit $(since "$t1" "$t2")s after the $how; rounds 0..$last flushed (round $at when ended), qemu-img check exit $ck${leaks:+, $leaks})"
	else
		fail "$name" "exit status $(status_text "$st") (want $want_st), qemu-img check exit $ck (want one of: $ok_ck), device processes left:${left:- none}, flushed rounds 0..$last, lost or wrong:${lost:- none}, 60..64 MiB zeros: $zero" \
			"$d/check.out" "$d/convert.out" "$d/stop.out" "$d/out" "$d/err"
	fi
}
qcow2_kill qcow2-sigkill KILL
qcow2_kill qcow2-sigterm TERM
qcow2_kill qcow2-stop stop
qcow2_kill qcow2-devkill devkill

# ---------------------------------------------------------------- boot F: control socket
# crosvm run -s SOCK; the subcommands from this shell while the guest runs.
CTL_CASES="ctl-missing ctl-live-socket sandbox-procs ctl-suspend ctl-resize ctl-balloon ctl-stop ctl-dead ctl-syslog"
# shellcheck disable=SC2086 # a list of names
if want $CTL_CASES; then
	d=$WORK/ctl
	mkdir -p "$d"
	mkfifo "$d/in"
	exec 3<>"$d/in"
	dd if=/dev/zero of="$d/a.img" bs=1M count=4 2>/dev/null
	sock=$d/vm.sock
	# A syslog daemon of our own where the host has none (the test host), for --syslog-tag.
	slpid=
	if [ ! -e /dev/log ] && command -v syslogd >/dev/null 2>&1; then
		syslogd -n -O "$d/syslog" &
		slpid=$!
		sleep 0.5
	fi
	timeout -k 5 $((BOOT_TIMEOUT + 60)) "$CROSVM" run -s "$sock" --syslog-tag e2e-vm \
		-p "quiet e2e=info" --rwdisk "$d/a.img" \
		-i "$INITRD" "$KERNEL" <"$d/in" >"$d/out" 2>"$d/err" 3>&- &
	pid=$!
	wait_for "$d/out" GUEST-READY "$BOOT_TIMEOUT" "$pid"
	ready=$?
	why="the guest did not get ready (status $ready)"

	# Every subcommand against a socket nobody listens on: its own error, non-zero.
	bad_ok=1
	for c in "stop" "suspend" "resume" "balloon 1M" "balloon_stats" "disk resize 0 8M"; do
		# shellcheck disable=SC2086 # the subcommand's words
		if "$CROSVM" $c "$d/nobody.sock" >"$d/missing.out" 2>&1; then
			bad_ok=0
			echo "    (ctl-missing: 'crosvm $c' succeeded without a VM)"
		elif ! grep -q "no VM at" "$d/missing.out"; then
			bad_ok=0
			echo "    (ctl-missing: 'crosvm $c': $(head -n 1 "$d/missing.out"))"
		fi
	done
	if [ "$bad_ok" = 1 ]; then pass ctl-missing; else fail ctl-missing "see above"; fi

	# A second VM on the same socket is refused at once (exit 2), the first keeps it.
	"$CROSVM" run -s "$sock" "$ELFKERNEL" </dev/null >"$d/second.out" 2>"$d/second.err"
	sec=$?
	if [ "$sec" = 2 ] && grep -q "already listens" "$d/second.err" && [ -S "$sock" ]; then
		pass ctl-live-socket
	else
		fail ctl-live-socket "second crosvm on the same socket: status $(status_text "$sec"), socket still there: $([ -S "$sock" ] && echo yes || echo no)" "$d/second.err"
	fi

	# The devices run jailed (the default): check each device process from outside.
	if [ "$ready" = 0 ]; then
		if sandbox_check "$pid" "$d/a.img" "$d/sandbox.txt"; then
			pass sandbox-procs
			sed 's/^/    (sandbox-procs) /' "$d/sandbox.txt"
		else
			fail sandbox-procs "see below" "$d/sandbox.txt" "$d/err"
		fi
	else
		fail sandbox-procs "not tried: $why" "$d/err"
	fi

	if [ "$ready" = 0 ]; then
		echo "cases: control boot: guest up at $(elapsed)s" # progress for the stall watchdog
		# A counter on the console: frozen while suspended, going on after resume.
		printf '%s\n' 'sh -c '"'"'i=0; while [ ! -e /tmp/stop-ticks ]; do i=$((i+1)); echo TICK=$i; sleep 0.3; done'"'"' &' >&3
		wait_for "$d/out" TICK=3 30 "$pid"
		last_tick() { tr -d '\r' <"$d/out" | sed -n 's/^TICK=//p' | tail -n 1; }
		"$CROSVM" suspend "$sock" >"$d/suspend.out" 2>&1
		s_rc=$?
		sleep 1
		t_a=$(last_tick)
		sleep 3
		t_b=$(last_tick)
		"$CROSVM" resume "$sock" >"$d/resume.out" 2>&1
		r_rc=$?
		sleep 3
		t_c=$(last_tick)
		printf '%s\n' 'touch /tmp/stop-ticks' >&3
		if [ "$s_rc" = 0 ] && [ "$r_rc" = 0 ] && [ -n "$t_a" ] && [ "$t_a" = "$t_b" ] &&
			[ -n "$t_c" ] && [ "$t_c" -gt "$t_b" ]; then
			pass ctl-suspend
			echo "    (ctl-suspend: counter $t_a while suspended for 3 s, $t_c 3 s after resume)"
		else
			fail ctl-suspend "suspend rc=$s_rc resume rc=$r_rc; counter $t_a then $t_b (suspended), $t_c (resumed)" "$d/suspend.out" "$d/resume.out" "$d/err"
		fi

		# Grow the disk: the guest sees the new size (config-change interrupt).
		"$CROSVM" disk resize 0 8M "$sock" >"$d/resize.out" 2>&1
		z_rc=$?
		sleep 1
		printf '%s\n' 'echo VDA_SIZE=$(cat /sys/block/vda/size)' >&3
		wait_value "$d/out" VDA_SIZE 30 "$pid"
		vsz=$(value "$d/out" VDA_SIZE)
		hsz=$(wc -c <"$d/a.img" | tr -d ' ')
		if [ "$z_rc" = 0 ] && [ "$vsz" = 16384 ] && [ "$hsz" = 8388608 ]; then
			pass ctl-resize
		else
			fail ctl-resize "rc=$z_rc, guest /sys/block/vda/size=$vsz (want 16384), image $hsz bytes" "$d/resize.out" "$d/err" "$d/out"
		fi

		# Inflate the balloon by 64 MiB: the guest's free memory drops by about that much,
		# and balloon_stats reports the balloon and the guest's numbers.
		# shellcheck disable=SC2016 # the guest shell expands it
		free_cmd='sed -n "s/^MemFree: *\([0-9]*\).*/\1/p" /proc/meminfo'
		printf '%s\n' "echo FREE_A=\$($free_cmd)" >&3
		wait_value "$d/out" FREE_A 30 "$pid"
		"$CROSVM" balloon 64M "$sock" >"$d/balloon.out" 2>&1
		b_rc=$?
		# The guest inflates 256 pages per request: poll until it reports the full size.
		tries=0
		while :; do
			"$CROSVM" balloon_stats "$sock" >"$d/stats.out" 2>&1
			bs_rc=$?
			grep -q '"balloon_actual": 67108864$' "$d/stats.out" && break
			tries=$((tries + 1))
			[ "$tries" -ge 30 ] && break
			sleep 1
		done
		printf '%s\n' "echo FREE_B=\$($free_cmd)" >&3
		wait_value "$d/out" FREE_B 30 "$pid"
		fa=$(value "$d/out" FREE_A)
		fb=$(value "$d/out" FREE_B)
		# crosvm's JSON: "balloon_actual": N, and "free_memory": N (or null) in "stats".
		actual=$(sed -n 's/^ *"balloon_actual": \([0-9]*\)$/\1/p' "$d/stats.out")
		sfree=$(sed -n 's/^ *"free_memory": \([0-9]*\),$/\1/p' "$d/stats.out")
		drop=$(( ${fa:-0} - ${fb:-0} ))
		# 64 MiB = 65536 kB, give or take 16 MiB of other allocations.
		if [ "$b_rc" = 0 ] && [ "$bs_rc" = 0 ] && [ "$actual" = 67108864 ] &&
			[ "$drop" -ge 49152 ] && [ "$drop" -le 81920 ] && [ -n "$sfree" ] &&
			awk -v s="$sfree" -v f="$fb" 'BEGIN { d = s / 1024 - f; if (d < 0) d = -d; exit !(d <= 16384) }'; then
			pass ctl-balloon
			echo "    (ctl-balloon: MemFree ${fa} -> ${fb} kB; $(tr -d ' \n' <"$d/stats.out"))"
		else
			fail ctl-balloon "balloon rc=$b_rc stats rc=$bs_rc; MemFree $fa -> $fb kB (drop $drop, want 49152..81920); stats: $(cat "$d/stats.out")" "$d/balloon.out" "$d/err"
		fi
		"$CROSVM" balloon 0 "$sock" >/dev/null 2>&1

		# Stop right after a synced write: status 0 within a second, the write on the image.
		printf '%s\n' 'printf CROSVM-STOP-OK | dd of=/dev/vda bs=512 seek=100 conv=sync,fsync 2>/dev/null; echo STOP_WRITE_RC=$?' >&3
		wait_value "$d/out" STOP_WRITE_RC 30 "$pid"
		t0=$(elapsed)
		"$CROSVM" stop "$sock" >"$d/stop.out" 2>&1
		st_rc=$?
		wait "$pid"
		st=$?
		t1=$(elapsed)
		took=$(since "$t0" "$t1")
		got=$(dd if="$d/a.img" bs=512 skip=100 count=1 2>/dev/null | head -c 14)
		if [ "$(value "$d/out" STOP_WRITE_RC)" = 0 ] && [ "$st_rc" = 0 ] && [ "$st" = 0 ] &&
			[ "$got" = CROSVM-STOP-OK ] &&
			awk -v t="$took" 'BEGIN { exit !(t < 1.0) }' && [ ! -e "$sock" ]; then
			pass ctl-stop
			echo "    (ctl-stop: crosvm exited ${took}s after 'crosvm stop'; crosvm: $(grep -o 'stopped [0-9]* ms after the request' "$d/err"))"
		else
			fail ctl-stop "stop rc=$st_rc, crosvm status $(status_text "$st") after ${took}s ($(grep -o 'stopped [0-9]* ms after the request' "$d/err")), image sector 100 '$got', socket left: $([ -e "$sock" ] && echo yes || echo no)" "$d/stop.out" "$d/err"
		fi
	else
		kill "$pid" 2>/dev/null
		wait "$pid"
		for c in ctl-suspend ctl-resize ctl-balloon ctl-stop; do fail "$c" "not tried: $why" "$d/out" "$d/err"; done
	fi
	exec 3>&-

	# --syslog-tag: the VM's log lines reached syslog under the tag.
	if [ -n "$slpid" ]; then
		sleep 0.5
		kill "$slpid" 2>/dev/null
		wait "$slpid" 2>/dev/null
		if grep -q "e2e-vm.*control socket" "$d/syslog" 2>/dev/null &&
			grep -q "e2e-vm.*VM stopped" "$d/syslog"; then
			pass ctl-syslog
		else
			fail ctl-syslog "no 'e2e-vm' lines for the control socket and the stop in syslog" "$d/syslog"
		fi
	else
		pass ctl-syslog
		echo "    (ctl-syslog: this host has its own syslog (/dev/log): not checked here)"
	fi

	# The VM is gone: its subcommands fail with their error.
	if "$CROSVM" stop "$sock" >"$d/dead.out" 2>&1; then
		fail ctl-dead "crosvm stop succeeded against a VM that has exited"
	elif grep -q "no VM at" "$d/dead.out"; then
		pass ctl-dead
	else
		fail ctl-dead "unexpected error: $(head -n 1 "$d/dead.out")"
	fi
fi

# ---------------------------------------------------------------- boots G, H: seccomp violations
# A block_device policy without ftruncate, which only "disk resize" needs: the guest writes
# and syncs, then a resize makes the disk's process call it.
#  sandbox-violation:     the process dies by SIGSYS; crosvm stops the VM in order, exits 1,
#                         names the device and the system call; the synced data is on the image.
#  sandbox-log-failures:  with --seccomp-log-failures the resize works, the log names the
#                         call, the VM stops cleanly, and the kernel logged no call refused
#                         by the VMM's own filters (main.policy, vcpu.policy) in the whole run.
POLICY_SRC=${E2E_POLICY:-/e2e/policy}
SBX_CASES="sandbox-violation sandbox-log-failures"
# sandbox_run NAME EXTRA-FLAG...: boots, writes, resizes; sets SBX_PID SBX_D SBX_RESIZE_RC.
sandbox_run() {
	SBX_D=$WORK/$1
	shift
	mkdir -p "$SBX_D/policy"
	grep -v '^ftruncate:' "$POLICY_SRC/block_device.policy" >"$SBX_D/policy/block_device.policy"
	mkfifo "$SBX_D/in"
	exec 4<>"$SBX_D/in"
	dd if=/dev/zero of="$SBX_D/v.img" bs=1M count=4 2>/dev/null
	timeout -k 5 $((BOOT_TIMEOUT + 60)) "$CROSVM" run -s "$SBX_D/vm.sock" \
		--seccomp-policy-dir "$SBX_D/policy" "$@" -p "quiet e2e=info" \
		--rwdisk "$SBX_D/v.img" -i "$INITRD" "$KERNEL" \
		<"$SBX_D/in" >"$SBX_D/out" 2>"$SBX_D/err" 4>&- &
	SBX_PID=$!
	SBX_RESIZE_RC=none
	wait_for "$SBX_D/out" GUEST-READY "$BOOT_TIMEOUT" "$SBX_PID" || return 1
	printf '%s\n' 'printf SBX-DATA-OK | dd of=/dev/vda bs=512 seek=10 conv=sync,fsync 2>/dev/null; echo W_RC=$?' >&4
	wait_value "$SBX_D/out" W_RC 30 "$SBX_PID" || return 1
	"$CROSVM" disk resize 0 8M "$SBX_D/vm.sock" >"$SBX_D/resize.out" 2>&1
	SBX_RESIZE_RC=$?
	return 0
}
sandbox_data() { dd if="$SBX_D/v.img" bs=512 skip=10 count=1 2>/dev/null | head -c 11; }

if want sandbox-violation; then
	echo "cases: violation boot at $(elapsed)s"
	if sandbox_run sbx-kill; then
		# The VMM stops on its own once the device is gone.
		i=0
		while kill -0 "$SBX_PID" 2>/dev/null && [ "$i" -lt 150 ]; do sleep 0.2; i=$((i + 1)); done
	fi
	kill "$SBX_PID" 2>/dev/null
	wait "$SBX_PID"
	st=$?
	exec 4>&-
	got=$(sandbox_data)
	if [ "$st" = 1 ] && grep -q 'virtio-blk: device process [0-9]* killed by SIGSYS: system call ftruncate' "$SBX_D/err" &&
		grep -q 'VM stopped: a device process failed' "$SBX_D/err" && [ "$got" = SBX-DATA-OK ]; then
		pass sandbox-violation
		echo "    (sandbox-violation: $(grep -o 'virtio-blk: device process.*ftruncate ([0-9]*)' "$SBX_D/err" | head -n 1); resize: $(head -n 1 "$SBX_D/resize.out"))"
	else
		fail sandbox-violation "crosvm status $(status_text "$st"), resize rc $SBX_RESIZE_RC, image sector 10 '$got'" "$SBX_D/resize.out" "$SBX_D/err"
	fi
fi

if want sandbox-log-failures; then
	echo "cases: log-failures boot at $(elapsed)s"
	dmesg -c >/dev/null 2>&1
	if sandbox_run sbx-log --seccomp-log-failures; then
		printf '%s\n' 'echo VDA_SIZE=$(cat /sys/block/vda/size)' >&4
		wait_value "$SBX_D/out" VDA_SIZE 30 "$SBX_PID"
		"$CROSVM" stop "$SBX_D/vm.sock" >/dev/null 2>&1
	fi
	wait "$SBX_PID"
	st=$?
	exec 4>&-
	got=$(sandbox_data)
	vsz=$(value "$SBX_D/out" VDA_SIZE)
	# The numbers of every system call the kernel logged for the VMM's own filters.
	kern=$(dmesg 2>/dev/null | grep 'type=1326' | sed 's/.* syscall=\([0-9]*\) .*/\1/' | sort -u | tr '\n' ' ')
	if [ "$st" = 0 ] && [ "$SBX_RESIZE_RC" = 0 ] && [ "$vsz" = 16384 ] &&
		grep -q 'virtio-blk: seccomp: system call ftruncate ([0-9]*) is not in block_device.policy; allowed by --seccomp-log-failures' "$SBX_D/err" &&
		[ "$got" = SBX-DATA-OK ] && [ -z "$kern" ]; then
		pass sandbox-log-failures
		echo "    (sandbox-log-failures: $(grep -o 'virtio-blk: seccomp: .*' "$SBX_D/err" | head -n 1 | tr -d '\r'))"
	else
		fail sandbox-log-failures "crosvm status $(status_text "$st"), resize rc $SBX_RESIZE_RC, guest size $vsz (want 16384), image sector 10 '$got', system calls the kernel logged for main/vCPU filters: ${kern:-none}" "$SBX_D/resize.out" "$SBX_D/err"
	fi
fi

# ---------------------------------------------------------------- virtio-net (issue 16)
# Everything stays on the TAP link inside the test host: 169.254.10.0/24 only.
want 'bad-net-*' && exec 9</dev/null # an open descriptor that is no TAP
bad bad-net-netmask netmask --host_ip 169.254.10.1 --netmask 255.0.255.0 "$ELFKERNEL"
bad bad-net-host-ip host_ip --host_ip 169.254.10 --netmask 255.255.255.0 "$ELFKERNEL"
bad bad-net-mac mac --tap-name nosuchtap0 --mac 52:54:00:12:34 "$ELFKERNEL"
bad bad-net-tap-name "no network interface" --tap-name nosuchtap0 "$ELFKERNEL"
bad bad-net-tap-fd "not a TAP" --tap-fd 9 "$ELFKERNEL"
exec 9<&-

NET_CASES="net-tap-link net-tap-ping net-tap-pingback net-tap-tcp-in net-tap-tcp-out net-tap-sandbox"
# shellcheck disable=SC2086 # a list of names
if want $NET_CASES; then
	d=$WORK/net
	mkdir -p "$d"
	mkfifo "$d/in"
	exec 3<>"$d/in"
	dd if=/dev/urandom of="$d/to-guest" bs=1M count=16 2>/dev/null
	to_sum=$(md5sum <"$d/to-guest" | cut -c1-32)
	t0=$(elapsed)
	timeout -k 5 $((BOOT_TIMEOUT + 240)) "$CROSVM" run -m 512 -p "quiet e2e=net" \
		--host_ip 169.254.10.1 --netmask 255.255.255.0 --mac 02:43:56:4d:10:02 \
		-i "$INITRD" "$KERNEL" <"$d/in" >"$d/out" 2>"$d/err" 3>&- &
	pid=$!
	wait_for "$d/out" GUEST-READY $((BOOT_TIMEOUT + 30)) "$pid"
	ready=$?
	tap=
	for n in /sys/class/net/vmtap*; do [ -e "$n" ] && [ -z "$tap" ] && tap=${n##*/}; done
	tap_addr=$(ip -4 addr show dev "$tap" 2>/dev/null | sed -n 's/.*inet \([0-9./]*\).*/\1/p' | head -n 1)
	pingback=1
	net_sbx="not checked"
	from_sum=
	if [ "$ready" = 0 ]; then
		echo "cases: net boot: guest up at $(elapsed)s"
		ping -c 3 -W 5 169.254.10.2 >"$d/ping" 2>&1
		pingback=$?
		# The device process: jailed, filtered, holding the TAP.
		net_sbx="no device process holds /dev/net/tun"
		vmm=$(crosvm_pid "$pid")
		for c in $(cat /proc/"$vmm"/task/*/children 2>/dev/null); do
			for f in /proc/"$c"/fd/*; do
				[ "$(readlink "$f")" = /dev/net/tun ] || continue
				sc=$(sed -n 's/^Seccomp:[[:space:]]*//p' "/proc/$c/status")
				nnp=$(sed -n 's/^NoNewPrivs:[[:space:]]*//p' "/proc/$c/status")
				cap=$(sed -n 's/^CapEff:[[:space:]]*//p' "/proc/$c/status")
				net_sbx="pid $c: Seccomp $sc, NoNewPrivs $nnp, CapEff $cap"
				[ "$sc" = 2 ] && [ "$nnp" = 1 ] && [ "$cap" = 0000000000000000 ] && net_sbx=ok
			done
		done
		# Host to guest: the guest listens and prints the sum of what arrived.
		# shellcheck disable=SC2016 # the guest shell expands it
		printf '%s\n' 'nc -l -p 5001 >/tmp/rx; echo NET-RX-MD5=$(md5sum </tmp/rx | cut -c1-32)' >&3
		sleep 3
		timeout 120 nc -w 10 169.254.10.2 5001 <"$d/to-guest" >/dev/null 2>"$d/nc-in.err"
		wait_value "$d/out" NET-RX-MD5 120 "$pid"
		# Guest to host. The listener's stdin must not end: busybox nc half-closes
		# the connection at its stdin's EOF, and the guest's nc quits at that.
		mkfifo "$d/hold"
		exec 4<>"$d/hold"
		(timeout 150 nc -l -p 5002 <"$d/hold" >"$d/from-guest" 2>"$d/nc-out.err") &
		lpid=$!
		sleep 1
		# shellcheck disable=SC2016 # the guest shell expands it
		printf '%s\n' 'dd if=/dev/urandom of=/tmp/tx bs=1M count=16 2>/dev/null; echo NET-TX-MD5=$(md5sum </tmp/tx | cut -c1-32); nc -w 10 169.254.10.1 5002 </tmp/tx; echo NET-TX-DONE' >&3
		wait_for "$d/out" NET-TX-DONE 150 "$pid"
		wait "$lpid"
		from_sum=$(md5sum <"$d/from-guest" | cut -c1-32)
		exec 4>&-
		from_len=$(wc -c <"$d/from-guest")
		for f in /sys/class/net/"$tap"/statistics/*; do echo "${f##*/} $(cat "$f")"; done >"$d/tap-stats" 2>&1
		printf '%s\n' exit-test >&3
		wait "$pid"
		st=$(timed_out "$t0" $((BOOT_TIMEOUT + 240)) $?)
	else
		kill "$pid" 2>/dev/null
		wait "$pid"
		st=$(timed_out "$t0" $((BOOT_TIMEOUT + 240)) $?)
	fi
	exec 3>&-
	why="the guest was not ready (crosvm status $(status_text "$st"))"
	mac=$(value "$d/out" NET-MAC)
	if [ "$ready" != 0 ]; then
		fail net-tap-link "$why" "$d/out" "$d/err"
	elif [ "$mac" != 02:43:56:4d:10:02 ] || [ "$tap_addr" != 169.254.10.1/24 ]; then
		fail net-tap-link "guest MAC '$mac' (want 02:43:56:4d:10:02), TAP '$tap' address '$tap_addr' (want 169.254.10.1/24)" "$d/out" "$d/err"
	else
		pass net-tap-link
	fi
	if [ "$(value "$d/out" NET-PING)" = ok ]; then
		pass net-tap-ping
	else
		fail net-tap-ping "NET-PING='$(value "$d/out" NET-PING)': $why" "$d/out" "$d/err"
	fi
	if [ "$pingback" = 0 ]; then
		pass net-tap-pingback
	else
		fail net-tap-pingback "the test host's ping of 169.254.10.2 failed" "$d/ping" "$d/err"
	fi
	if [ "$(value "$d/out" NET-RX-MD5)" = "$to_sum" ]; then
		pass net-tap-tcp-in
	else
		fail net-tap-tcp-in "guest got md5 '$(value "$d/out" NET-RX-MD5)', sent $to_sum" "$d/nc-in.err" "$d/out" "$d/err"
	fi
	if [ -n "$from_sum" ] && [ "$(value "$d/out" NET-TX-MD5)" = "$from_sum" ]; then
		pass net-tap-tcp-out
	else
		fail net-tap-tcp-out "host got md5 '$from_sum' (${from_len:-0} bytes), guest sent '$(value "$d/out" NET-TX-MD5)' (16 MiB)" "$d/nc-out.err" "$d/tap-stats" "$d/out" "$d/err"
	fi
	if [ "$net_sbx" = ok ]; then
		pass net-tap-sandbox
	else
		fail net-tap-sandbox "$net_sbx" "$d/err"
	fi
fi

# Seccomp kills and logs the kernel recorded (a VMM filter too tight shows here first).
dmesg 2>/dev/null | grep 'type=1326' | sed 's/.*\(pid=[0-9]*\).*\(comm="[^"]*"\).*\(syscall=[0-9]*\).*\(code=[0-9a-fx]*\).*/cases: kernel seccomp log: \1 \2 \3 \4/' | sort -u | head -n 20

echo "cases: $npass pass, $nfail fail; done at $(elapsed)s"
echo "E2E-DONE"
