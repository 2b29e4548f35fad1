#!/bin/sh
# /init of the e2e guest initramfs (guest.cpio), run by busybox sh.
#
# Prints GUEST-INIT-OK, then NPROC=<n>, then acts on the kernel command
# line word e2e=WHAT:
#   info      MEMTOTAL_KB, GUEST_EPOCH, then runs console lines with sh
#             until "exit-test", then powers off
#   reboot    reboot -f
#   kallsyms  prints "E2E-SYM name address" for the symbols the gdb case uses
#             (with nokaslr they hold for the next boot), then reboot -f
#   gdb       runs a task on vCPU 0 and 1 in turn (so each goes idle often),
#             200 times, prints GDB-GUEST-DONE, then reboot -f
#   panic     crash through sysrq (the case passes panic=-1)
#   poweroff  poweroff -f
#   blkbench  runs /bin/blkbench on /dev/vda (bench/block), then powers off
#   powerbtn  loads the ACPI button and evdev drivers, prints POWERBTN-READY,
#             waits for an event from the "Power Button" input device (crosvm
#             powerbtn), prints POWERBTN-PRESSED and shuts down (sync, poweroff)
#   hvc       writes HVC-OUT-OK to /dev/hvc0, opens it, prints HVC-READY, reads a line
#             from it, prints HVC-IN=line
#   net       brings up the virtio-net interface as 169.254.10.2/24, prints NET-DEV=,
#             NET-MAC=, pings 169.254.10.1 (NET-PING=ok|fail), then runs console lines
#             like info until "exit-test"
#   qcow2w    writes rounds 0..47 to /dev/vda: round i is 256 KiB of the line
#             "crosvm-qcow2-round-i" repeated (yes | head -c), at i MiB, with
#             dd conv=fsync (so each ends with a flush), printing QW_ROUND=i
#             after each; then QW-DONE and it idles until the VMM is stopped
#   root      mounts root= (read-only with "ro") and switch_root's to its
#             /sbin/init, as a distribution's initramfs does
#   (none)    interactive shell on the console (demo), poweroff on exit

export PATH=/bin:/sbin:/usr/bin:/usr/sbin
[ -e /bin/mount ] || /bin/busybox --install -s

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null

# The kernel's own share of the boot, for bench/boot.
echo "GUEST-INIT-OK uptime=$(cut -d' ' -f1 /proc/uptime)"

# Drivers for the VMM's virtio-pci devices (Debian builds them as modules).
while read -r m; do
	insmod "/lib/modules/e2e/$m.ko" 2>/dev/null
done </lib/modules/e2e/order

what=
hwrng=
root=
root_mode=ro
read -r cmdline </proc/cmdline
for word in $cmdline; do
	case "$word" in
	e2e=*) what=${word#e2e=} ;;
	e2e.hwrng=1) hwrng=1 ;;
	root=*) root=${word#root=} ;;
	ro | rw) root_mode=$word ;;
	esac
done

echo "NPROC=$(grep -c '^processor' /proc/cpuinfo)"

case "$what" in
info)
	echo "MEMTOTAL_KB=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)"
	echo "GUEST_EPOCH=$(date +%s)"
	# Linux clears the xsave flag when CPUID leaf 0xD disagrees with itself ("XSAVE
	# consistency problem") and runs without AVX; the kernel's own line says which.
	echo "XSAVE_FLAG=$(grep -m 1 '^flags' /proc/cpuinfo | grep -cw xsave)"
	echo "XSTATE=$(dmesg | grep -m 1 -o 'context size is [0-9]* bytes.*' | tr ' ' _)"
	echo "XSTATE_WARN=$(dmesg | grep -c 'XSAVE consistency problem')"
	echo "HWRNG_CURRENT=$(cat /sys/class/misc/hw_random/rng_current 2>/dev/null)"
	# 1 MiB from virtio-rng takes thousands of round trips (the driver asks for
	# 64 bytes at a time): in the background, so the console stays responsive.
	if [ "$hwrng" = 1 ]; then
		(echo "HWRNG_BYTES=$(dd if=/dev/hwrng bs=4096 count=256 2>/dev/null | wc -c)") &
	fi
	ids=
	for p in /sys/bus/pci/devices/*; do
		[ -e "$p/vendor" ] && ids="$ids $(cat "$p/vendor"):$(cat "$p/device")"
	done
	echo "PCI_IDS=$ids"
	for b in /sys/block/vd*; do
		[ -e "$b" ] && echo "DISK $(basename "$b") $(cat "$b/size") $(cat "$b/ro")"
	done
	echo "GUEST-READY"
	while IFS= read -r line; do
		[ "$line" = exit-test ] && break
		sh -c "$line" 2>&1
	done
	echo "GUEST-EXIT"
	poweroff -f
	;;
net)
	# Link-local only: the host side of the TAP is 169.254.10.1.
	dev=
	for n in /sys/class/net/*; do
		[ "${n##*/}" = lo ] || [ -n "$dev" ] || dev=${n##*/}
	done
	echo "NET-DEV=$dev"
	echo "NET-MAC=$(cat "/sys/class/net/$dev/address" 2>/dev/null)"
	ip link set lo up
	ip link set "$dev" up && ip addr add 169.254.10.2/24 dev "$dev"
	if ping -c 3 -W 5 169.254.10.1 >/dev/null 2>&1; then
		echo "NET-PING=ok"
	else
		echo "NET-PING=fail"
	fi
	echo "GUEST-READY"
	while IFS= read -r line; do
		[ "$line" = exit-test ] && break
		sh -c "$line" 2>&1
	done
	echo "GUEST-EXIT"
	poweroff -f
	;;
reboot)
	reboot -f
	;;
kallsyms)
	for s in start_kernel jiffies init_task do_sys_openat2 default_idle_call; do
		a=$(grep -m 1 " $s\$" /proc/kallsyms | cut -d' ' -f1)
		echo "E2E-SYM $s ${a:-none}"
	done
	reboot -f
	;;
gdb)
	i=0
	while [ $i -lt 200 ]; do
		taskset -c 0 true
		taskset -c 1 true
		i=$((i + 1))
	done
	echo GDB-GUEST-DONE
	reboot -f
	;;
blkbench)
	/bin/blkbench /dev/vda 5
	echo BLKBENCH-END
	poweroff -f
	;;
root)
	while read -r m; do
		insmod "/lib/modules/e2e/$m.ko" 2>/dev/null
	done </lib/modules/e2e/order-root
	mkdir -p /newroot
	if mount -o "$root_mode" "$root" /newroot; then
		umount /proc /sys 2>/dev/null
		mount --move /dev /newroot/dev 2>/dev/null || umount /dev
		exec switch_root /newroot /sbin/init
	fi
	echo "GUEST-INIT: cannot mount root '$root' ($root_mode)"
	;;
qcow2w)
	echo QW-READY
	i=0
	while [ $i -lt 48 ]; do
		yes "crosvm-qcow2-round-$i" | head -c 262144 >/tmp/qw-round
		if dd if=/tmp/qw-round of=/dev/vda bs=65536 seek=$((i * 16)) conv=fsync 2>/dev/null; then
			echo "QW_ROUND=$i"
		else
			echo "QW_FAILED=$i"
		fi
		i=$((i + 1))
	done
	echo QW-DONE
	while :; do sleep 60; done
	;;
panic)
	echo c >/proc/sysrq-trigger
	;;
powerbtn)
	# What acpid or systemd-logind do, in busybox sh: the kernel's button driver turns the
	# ACPI fixed power button (PWRBTN_STS, SCI) into a KEY_POWER input event.
	while read -r m; do
		insmod "/lib/modules/e2e/$m.ko" 2>/dev/null
	done </lib/modules/e2e/order-acpi
	ev=
	for d in /sys/class/input/event*; do
		[ "$(cat "$d/device/name" 2>/dev/null)" = "Power Button" ] && ev=/dev/input/${d##*/}
	done
	if [ -n "$ev" ] && [ -c "$ev" ]; then
		echo "POWERBTN-READY $ev"
		# One struct input_event (24 bytes): the press.
		dd if="$ev" of=/dev/null bs=24 count=1 2>/dev/null
		echo POWERBTN-PRESSED
		sync
	else
		echo "GUEST-INIT: no Power Button input device ($(cat /sys/class/input/*/name 2>/dev/null | tr '\n' ','))"
	fi
	poweroff -f
	;;
hvc)
	# A virtio-console port: write a line to it, read one from it, say what came.
	if [ -c /dev/hvc0 ]; then
		echo HVC-OUT-OK >/dev/hvc0
		# Open first: what reaches a port nobody has open is dropped by the guest's tty.
		exec 3</dev/hvc0
		echo HVC-READY
		line=
		read -r -t 30 line <&3
		echo "HVC-IN=$line"
	else
		echo "GUEST-INIT: no /dev/hvc0"
	fi
	poweroff -f
	;;
poweroff)
	poweroff -f
	;;
"")
	echo "crosvm e2e demo guest: $(uname -r), $(grep -c '^processor' /proc/cpuinfo) CPU(s)," \
		"$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) kB; 'exit' powers off."
	setsid cttyhack sh -l
	poweroff -f
	;;
*)
	echo "GUEST-INIT: unknown e2e=$what"
	poweroff -f
	;;
esac
# Not reached unless the action above failed.
sleep 5
poweroff -f
