#!/bin/sh
# /sbin/init of the e2e root file systems (root.ext4, root.sqfs), reached
# through the initramfs's switch_root. Prints ROOT-OK and what it sees of
# its root; with a data disk (/dev/vdb, ext4) and e2e.token=T on the
# command line, writes T to /hello.txt there, syncs and unmounts. Then
# powers off.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null

echo ROOT-OK
echo "ROOT_FSTYPE=$(awk '$2 == "/" { print $3 }' /proc/mounts | tail -n 1)"
echo "ROOT_MARKER=$(cat /etc/e2e-root)"
if touch /rw-probe 2>/dev/null; then echo ROOT_RO=no; else echo ROOT_RO=yes; fi

token=
read -r cmdline </proc/cmdline
for word in $cmdline; do
	case "$word" in
	e2e.token=*) token=${word#e2e.token=} ;;
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
echo ROOT-DONE
poweroff -f
