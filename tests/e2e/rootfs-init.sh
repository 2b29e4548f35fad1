#!/bin/sh
# /sbin/init of the e2e root file systems (root.ext4, root.sqfs), reached
# through the initramfs's switch_root. Prints ROOT-OK and what it sees of
# its root; with a data disk (/dev/vdb, ext4) and e2e.token=T on the
# command line, writes T to /hello.txt there, syncs and unmounts. With
# e2e.rootwrite=T (a writable root, --rwroot), writes T to /rootwrite.txt on
# the root itself, syncs and remounts / read-only (which checkpoints the
# ext4 journal, so the host's debugfs sees the file). Then powers off.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null

echo ROOT-OK
echo "ROOT_FSTYPE=$(awk '$2 == "/" { print $3 }' /proc/mounts | tail -n 1)"
echo "ROOT_MARKER=$(cat /etc/e2e-root)"
if touch /rw-probe 2>/dev/null; then echo ROOT_RO=no; else echo ROOT_RO=yes; fi

token=
rootwrite=
read -r cmdline </proc/cmdline
for word in $cmdline; do
	case "$word" in
	e2e.token=*) token=${word#e2e.token=} ;;
	e2e.rootwrite=*) rootwrite=${word#e2e.rootwrite=} ;;
	esac
done
if [ -n "$token" ] && [ -b /dev/vdb ]; then
	mkdir -p /tmp/data 2>/dev/null || mount -t tmpfs tmpfs /tmp
	mkdir -p /tmp/data
	if mount -t ext4 /dev/vdb /tmp/data; then
		echo "$token" >/tmp/data/hello.txt && sync && umount /tmp/data
		echo "DATA_WRITE_RC=$?"
	else
		echo "DATA_WRITE_RC=mount-failed"
	fi
fi
if [ -n "$rootwrite" ]; then
	if echo "$rootwrite" >/rootwrite.txt && sync && mount -o remount,ro /; then
		echo ROOT_WRITE_RC=0
	else
		echo "ROOT_WRITE_RC=failed"
	fi
fi
echo ROOT-DONE
poweroff -f
