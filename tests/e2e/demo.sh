#!/bin/sh
# Interactive demo, run INSIDE the e2e test host (e2e.mode=demo): crosvm
# boots the Debian kernel with guest.cpio and no e2e= word, so the guest
# gives a shell on its console, which is this terminal. 'exit' in the guest
# shell powers the guest off; the test host then powers off too.
CROSVM=${CROSVM:-/e2e/crosvm}
KERNEL=${E2E_KERNEL:-/e2e/vmlinuz}
INITRD=${E2E_INITRD:-/e2e/guest.cpio}

if [ ! -x "$CROSVM" ]; then
	echo "DEMO: no crosvm in this test host (build/crosvm was missing)"
	exit 1
fi
echo "DEMO: booting a guest with crosvm (2 vCPUs, 512 MiB); it takes ~30 s under"
echo "DEMO: nested emulation. Type shell commands at the guest prompt; 'exit' ends."
"$CROSVM" run -c 2 -m 512 -p quiet -i "$INITRD" "$KERNEL"
rc=$?
stty sane 2>/dev/null
echo "DEMO: crosvm exited with status $rc"
