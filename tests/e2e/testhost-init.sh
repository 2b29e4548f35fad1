#!/bin/sh
# /init of the nested e2e test host (testhost.cpio), run by busybox sh.
#
# Mounts the pseudo file systems, loads the KVM modules (nested SVM under
# QEMU TCG), checks /dev/kvm, then runs the script chosen by the kernel
# command line word e2e.mode=test|demo|bench|smp|shell and powers off.
# Other words: e2e.cases=a,b,c (case filter for cases.sh),
# e2e.timeout=SECONDS (per-guest-boot timeout for cases.sh), e2e.runs=N
# (boots per VMM for bench.sh), e2e.simulate=lockup|hang|crash (harness self-test).

export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export HOME=/root TERM=linux

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs -o size=1536m tmpfs /tmp
mount -t tmpfs tmpfs /run

echo "TESTHOST: up $(cut -d' ' -f1 /proc/uptime)s, kernel $(uname -r), $(grep -c '^processor' /proc/cpuinfo) CPUs"

mode="test"
simulate=
read -r cmdline </proc/cmdline
for word in $cmdline; do
	case "$word" in
	e2e.mode=*) mode=${word#e2e.mode=} ;;
	e2e.cases=*) E2E_CASES=$(echo "${word#e2e.cases=}" | tr ',' ' '); export E2E_CASES ;;
	e2e.timeout=*) E2E_BOOT_TIMEOUT=${word#e2e.timeout=}; export E2E_BOOT_TIMEOUT ;;
	e2e.runs=*) BENCH_RUNS=${word#e2e.runs=}; export BENCH_RUNS ;;
	e2e.peer_runs=*) BENCH_PEER_RUNS=${word#e2e.peer_runs=}; export BENCH_PEER_RUNS ;;
	e2e.vmms=*) BENCH_VMMS=${word#e2e.vmms=}; export BENCH_VMMS ;;
	e2e.simulate=*) simulate=${word#e2e.simulate=} ;;
	esac
done

kvm_ok=1
for m in irqbypass ccp kvm kvm-amd; do
	if ! out=$(insmod "/lib/modules/e2e/$m.ko" 2>&1); then
		echo "TESTHOST: insmod $m failed: $out"
		kvm_ok=0
	fi
done
# TAP devices for the virtio-net cases (not needed for KVM itself).
if ! out=$(insmod /lib/modules/e2e/tun.ko 2>&1); then
	echo "TESTHOST: insmod tun failed: $out"
fi
if [ ! -c /dev/kvm ]; then
	echo "TESTHOST: /dev/kvm missing"
	dmesg | grep -iE 'kvm|svm' | tail -5
	kvm_ok=0
fi
[ "$kvm_ok" = 1 ] && echo "TESTHOST: /dev/kvm ready at $(cut -d' ' -f1 /proc/uptime)s"

export CROSVM=/e2e/crosvm
# KVM here runs on QEMU's TCG emulation of SVM, which checks a guest's INT3
# against the INTn intercept rather than the #BP exception intercept: an int3
# in a crosvm guest never exits to KVM, so software breakpoints cannot work.
export E2E_NESTED_TCG=1
export E2E_KERNEL=/e2e/vmlinuz
export E2E_INITRD=/e2e/guest.cpio
export E2E_ELFKERNEL=/e2e/elfkernel
export E2E_WORK=/tmp/e2e

cd /tmp || exit 1

# Harness self-test (testhost.sh E2E_SIMULATE=...): pretend to wedge.
case "$simulate" in
lockup)
	echo "watchdog: BUG: soft lockup - CPU#1 stuck for 22s! [simulated:1]"
	while :; do sleep 3600; done
	;;
hang)
	while :; do sleep 3600; done
	;;
crash)
	echo "Kernel panic - not syncing: simulated"
	while :; do sleep 3600; done
	;;
esac

if [ "$kvm_ok" != 1 ] && [ "$mode" != shell ]; then
	echo "TESTHOST-ERROR: no usable /dev/kvm"
else
	case "$mode" in
	test) sh /e2e/cases.sh ;;
	bench) sh /e2e/bench.sh ;;
	smp) sh /e2e/bench.sh smp ;;
	blkbench) sh /e2e/blkbench.sh ;;
	# The demo needs the console as its controlling terminal (crosvm only
	# reads a terminal it is in the foreground of).
	demo) setsid cttyhack sh /e2e/demo.sh ;;
	shell) setsid cttyhack sh -l ;;
	*) echo "TESTHOST-ERROR: unknown e2e.mode=$mode" ;;
	esac
fi

echo "TESTHOST: done at $(cut -d' ' -f1 /proc/uptime)s, powering off"
sync
poweroff -f
