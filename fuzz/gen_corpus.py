#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes the hand-made seed inputs under fuzz/corpus/<target>/ (seed-*; idempotent).

Inputs the fuzzers found and that were merged with `scripts/fuzz --update-corpus`
live next to these under their SHA-1 names, and regression reproducers as crash-*.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def put(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def bzimage(setup_sects=1, payload=512, version=0x020F, init_size=0x10000, truncate=None):
    """A synthetic bzImage: boot sector, setup_sects sectors of setup, payload bytes."""
    img = bytearray((setup_sects + 1) * 512 + payload)
    img[0x1F1] = setup_sects
    struct.pack_into("<H", img, 0x1FE, 0xAA55)
    img[0x200] = 0xEB
    img[0x201] = 0x6A  # the header runs to 0x26c
    img[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", img, 0x206, version)
    img[0x211] = 0x01  # loadflags: LOADED_HIGH
    struct.pack_into("<I", img, 0x22C, 0x37FFFFFF)  # initrd_addr_max
    struct.pack_into("<H", img, 0x236, 0x0001)  # xloadflags: XLF_KERNEL_64
    struct.pack_into("<I", img, 0x238, 2047)  # cmdline_size
    struct.pack_into("<I", img, 0x260, init_size)
    struct.pack_into("<I", img, 0x1F4, payload // 16)  # syssize, 16-byte units
    struct.pack_into("<II", img, 0x248, 0, max(payload // 2, 1))  # payload offset, length
    for i in range((setup_sects + 1) * 512, len(img)):
        img[i] = 0xCC
    # The loader takes the initrd size from the last 4 bytes: 64 KiB.
    struct.pack_into("<I", img, len(img) - 4, 0x10000)
    return bytes(img[:truncate] if truncate else img)


def elf64(segments, entry):
    """A tiny ELF64 x86_64 executable with PT_LOAD segments (paddr, vaddr, data, memsz)."""
    phoff, phsz = 64, 56
    data_off = phoff + phsz * len(segments)
    eh = bytearray(64)
    eh[0:4] = b"\x7fELF"
    eh[4], eh[5], eh[6] = 2, 1, 1  # ELFCLASS64, little-endian, version
    struct.pack_into("<HHIQQQIHHHHHH", eh, 16, 2, 62, 1, entry, phoff, 0, 0, 64, phsz,
                     len(segments), 64, 0, 0)
    ph, body = bytearray(), bytearray()
    for paddr, vaddr, data, memsz in segments:
        ph += struct.pack("<IIQQQQQQ", 1, 7, data_off + len(body), vaddr, paddr, len(data),
                          memsz, 0x1000)
        body += data
    return bytes(eh + ph + body)


def main():
    t = "fuzz_kernel_loader"
    put(t, "bzimage", bzimage())
    put(t, "bzimage-trunc-header", bzimage(truncate=0x230))
    put(t, "bzimage-old-protocol", bzimage(version=0x0206))
    put(t, "bzimage-huge-init", bzimage(init_size=0x7F000000))
    put(t, "elf", elf64([(0x100000, 0xFFFFFFFF81000000, b"\x90" * 32 + b"\xf4", 0x2000)],
                        0xFFFFFFFF81000000))
    put(t, "elf-two-segs", elf64([(0x100000, 0x100000, b"\xf4" * 16, 16),
                                  (0x200000, 0x200000, b"", 0x1000)], 0x100008))
    put(t, "elf-trunc", elf64([(0x100000, 0x100000, b"\xf4" * 16, 16)], 0x100000)[:80])

    t = "fuzz_config"
    def argv(*a):
        return b"\0".join(x.encode() for x in a)
    put(t, "minimal", argv("vmlinuz"))
    put(t, "full", argv("-i", "initrd.img", "-p", "quiet", "--params=panic=-1", "-m512",
                        "--cpus", "4", "--serial", "type=file,num=2,path=/tmp/x,console=true",
                        "--log-level", "debug", "--no-rng", "--", "vmlinuz"))
    put(t, "serial-stdout", argv("--serial=type=stdout,stdin=yes,console=1", "bzImage"))
    put(t, "bad-mem", argv("-m", "0x", "k"))
    put(t, "help", argv("-h"))

    t = "fuzz_virtq"
    def desc(addr, length, flags, nxt):
        return struct.pack("<QIHH", addr, length, flags, nxt)
    size_log2 = 3  # 8 entries
    hdr = bytes([size_log2, 0x03, 0, 3])  # EVENT_IDX + INDIRECT, 3 chains published
    table = (desc(0x10000, 64, 1, 1) + desc(0x11000, 128, 2, 0)   # out -> in
             + desc(0x12000, 16, 0, 0)                              # single readable
             + desc(0, 48, 4, 0)                                    # indirect, 3 entries
             + desc(0, 0, 0, 0) * 4)
    ring = struct.pack("<8H", 0, 2, 3, 0, 0, 0, 0, 0) + struct.pack("<H", 0)
    ind = desc(0x13000, 32, 1, 1) + desc(0x14000, 32, 1, 2) + desc(0x15000, 64, 2, 0)
    cmds = bytes([0x01, 0, 0x02, 5, 0x81, 0, 0x00, 0])
    put(t, "chains", hdr + table + ring + ind + b"\0" * (4096 - len(ind)) + cmds)
    loop = desc(0x10000, 8, 1, 0)  # a chain that loops on itself
    put(t, "loop", bytes([2, 0, 0, 1]) + loop + b"\0" * 48 + b"\0" * 10)
    put(t, "raw-rings", bytes([4, 0x04, 1, 1]) + struct.pack("<QQQ", 0x2000, 0x3000, 0x4000))
    # Regression (harness): avail and used rings at the same address, a legal if hostile
    # layout the used-ring checks must not trip on.
    put(t, "overlapping-rings", bytes([0xFE, 0xFF, 0xFF, 0xD6, 0x00, 0x08, 0x01, 0x00, 0x00]))

    t = "fuzz_port_io"
    rec = bytearray(struct.pack("<I", 1700000000))
    def out(dev, off, size_code, value):
        return bytes([(dev << 3) | 4 | size_code, off]) + value
    def inp(dev, off, size_code):
        return bytes([(dev << 3) | size_code, off])
    # UART: enable THRI/RDI, loopback, write a byte, read IIR/LSR/data; host input.
    rec += out(0, 3, 0, b"\x01") + out(0, 6, 0, b"\x10") + out(0, 2, 0, b"A")
    rec += inp(0, 4, 0) + inp(0, 7, 0) + inp(0, 2, 0) + bytes([3, 0, 5]) + b"hello"
    rec += out(1, 2, 0, b"log line\n"[:1]) + out(1, 2, 0, b"\n")
    # RTC: select seconds, read; select register B, set binary, read hours.
    rec += out(2, 2, 0, b"\x00") + inp(2, 3, 0) + out(2, 2, 0, b"\x0b") + out(2, 3, 0, b"\x06")
    rec += out(2, 2, 0, b"\x04") + inp(2, 3, 0)
    # i8042: self test, read status and data, write CTR.
    rec += out(3, 6, 0, b"\xaa") + inp(3, 6, 0) + inp(3, 2, 0) + out(3, 6, 0, b"\x60")
    rec += out(3, 2, 0, b"\x47")
    # ACPI PM: read PM1 control (16 bit), write status.
    rec += inp(4, 6, 1) + out(4, 2, 1, b"\xff\xff")
    # PCI: address of 00:00.0 reg 0, read the ID dword; reset control read.
    rec += out(5, 2, 2, struct.pack("<I", 0x80000000)) + inp(5, 6, 2) + inp(5, 3, 0)
    put(t, "devices", bytes(rec))
    put(t, "poweroff", struct.pack("<I", 0) + out(4, 6, 1, struct.pack("<H", 0x3400)))

    t = "fuzz_virtio_pci"
    CFG_READ, CFG_WRITE, BAR_READ, BAR_WRITE, QUEUE_SETUP, ADD_CHAIN, KICK, POKE, BRING_UP = range(9)
    def rec(kind, flags=0, *body):
        return bytes([kind | flags << 4]) + b"".join(body)
    def cfg(write, reg, size, value=0, raw=False):  # size 1, 2 or 4
        code = {1: 0, 2: 1, 4: 2}[size]
        return rec(CFG_WRITE if write else CFG_READ, code << 1 | raw, bytes([reg]),
                   struct.pack("<I", value))
    def bar(write, region, off, length, value=0, mmio=False):
        return rec(BAR_WRITE if write else BAR_READ, int(mmio), bytes([region, off, length]),
                   struct.pack("<Q", value))
    def chain(bufs, indirect=False):  # bufs: (len, writable, readable bytes)
        body = bytes([len(bufs) - 1]) + b"".join(struct.pack("<HB", l, w) for l, w, _ in bufs)
        body += b"".join(d[:32] for l, w, d in bufs if not w)
        return rec(ADD_CHAIN, int(indirect), body)
    bar_setup = (cfg(True, 0x10, 4, 0xFFFFFFFF) + cfg(False, 0x10, 4) + cfg(True, 0x14, 4, 0)
                 + cfg(True, 0x10, 4, 0xC0000000) + cfg(True, 0x04, 2, 0x0006))
    up = rec(BRING_UP, 0b011, bytes(8))  # offered features, MSI-X on and unmasked
    ok = rec(BRING_UP, 0b100, bytes(8))  # DRIVER_OK
    # VERSION_1 and INDIRECT_DESC but not EVENT_IDX: every used buffer interrupts.
    up_no_event = rec(BRING_UP, 0b010, struct.pack("<Q", 1 << 32 | 1 << 28))
    rng = (bar_setup + up_no_event + rec(QUEUE_SETUP, 0, bytes([4])) + ok
           + chain([(64, 1, b"")]) + rec(KICK, 1)
           + bar(False, 1, 0, 1, mmio=True) + bar(False, 1, 0, 1)
           + chain([(16, 0, bytes(range(16))), (32, 1, b"")], indirect=True) + rec(KICK, 0)
           # Mask queue 0's vector (1): the interrupt pends in the PBA until unmasked.
           + bar(True, 4, 28, 4, 1) + chain([(8, 1, b"")]) + rec(KICK, 0)
           + bar(False, 5, 0, 8) + bar(True, 4, 28, 4, 0)
           + cfg(True, 0x40, 1, 0) + cfg(False, 0x40, 4)
           + bar(False, 0, 0, 8, mmio=True) + bar(True, 0, 20, 1, 0))  # reset
    put(t, "rng", bytes([0]) + rng)
    hdr = struct.pack("<IIQ", 0, 0, 0)  # VIRTIO_BLK_T_IN, sector 0
    blk = (bar_setup + up + rec(QUEUE_SETUP, 0, bytes([5])) + ok + bar(False, 2, 0, 8)
           + chain([(16, 0, hdr), (512, 1, b""), (1, 1, b"")]) + rec(KICK, 1)
           + chain([(16, 0, struct.pack("<IIQ", 1, 0, 2)), (512, 0, b"\xaa" * 32),
                    (1, 1, b"")], indirect=True) + rec(KICK, 0)
           + bar(False, 0, 0x14, 1) + bar(True, 0, 20, 1, 0))
    put(t, "blk", bytes([1]) + blk)
    put(t, "blk-ro", bytes([3]) + blk)
    # Hostile queue layout written directly: huge size, rings past guest memory, enable.
    hostile = (bar_setup + rec(BRING_UP, 0, struct.pack("<Q", 0xFFFFFFFFFFFFFFFF))
               + bar(True, 0, 22, 2, 0) + bar(True, 0, 24, 2, 1024)
               + bar(True, 0, 32, 8, 0x3FFF0) + bar(True, 0, 40, 8, 0xFFFFFFFFFFFFF000)
               + bar(True, 0, 48, 8, 0x40000) + bar(True, 0, 28, 2, 1)
               + bar(False, 0, 20, 1) + bar(True, 3, 0, 2, 0) + rec(KICK, 0)
               + rec(POKE, 0, struct.pack("<I", 0x2000)[:3], struct.pack("<Q", 0xFFFF))
               + bar(True, 0, 22, 2, 9) + bar(False, 0, 24, 2)
               + bar(False, 7, 0x7C, 8) + bar(False, 8, 0, 4, mmio=True)
               + cfg(True, 0, 4, 0x80000800, raw=True) + cfg(False, 4, 4, raw=True))
    put(t, "hostile", bytes([0]) + hostile)

    t = "fuzz_virtio_rng"
    def shape(nbufs, indirect=False, defect=0, kick=True):
        return bytes([(nbufs - 1) | indirect << 3 | defect << 4 | kick << 7])
    def buf(length, writable, mode=0, raw=None):
        b = struct.pack("<HB", length, int(writable) | mode << 1)
        return b + (struct.pack("<I", raw) if mode == 3 else b"")
    INDIRECT_OK, EVENT_IDX, NO_INTERRUPT = 16, 8, 32
    good = (shape(1) + buf(64, 1)
            + shape(2, kick=False) + buf(16, 0) + buf(128, 1)
            + shape(3, indirect=True) + buf(8, 0) + buf(2048, 1) + buf(0, 1))
    put(t, "good", bytes([4 | INDIRECT_OK]) + good)
    put(t, "event-idx", bytes([4 | INDIRECT_OK | EVENT_IDX]) + good)
    put(t, "no-interrupt", bytes([3 | NO_INTERRUPT]) + good)
    bad = (shape(2) + buf(16, 1) + buf(16, 0)                   # readable after writable
           + shape(1) + buf(64, 1, mode=1)                      # outside guest memory
           + shape(1) + buf(64, 1, mode=2)                      # straddling its end
           + shape(2, defect=1) + buf(8, 1) + buf(8, 1)         # next past the table
           + shape(2, defect=2) + buf(8, 1) + buf(8, 1)         # loop
           + shape(1, defect=3) + buf(8, 1)                     # INDIRECT after the first
           + shape(2, indirect=True, defect=2) + buf(8, 1) + buf(8, 1)
           + shape(1, indirect=True, defect=3) + buf(8, 1)      # INDIRECT with NEXT
           + shape(2, indirect=True, defect=6) + buf(8, 1) + buf(8, 1)  # table outside
           + shape(1, indirect=True, defect=6) + buf(8, 1)      # table length % 16
           + shape(1, indirect=True, defect=7) + buf(8, 1)      # nested
           + shape(1) + buf(32, 1))                             # and a good one after
    put(t, "malformed", bytes([5 | INDIRECT_OK]) + bad)
    put(t, "indirect-not-negotiated", bytes([4]) + shape(2, indirect=True) + buf(8, 0)
        + buf(8, 1) + shape(1) + buf(8, 1))
    put(t, "bad-head", bytes([3]) + shape(1, kick=False) + buf(8, 1) + shape(1, defect=4)
        + buf(8, 1))
    put(t, "avail-run", bytes([3]) + shape(1) + buf(8, 1) + shape(1, defect=5) + buf(8, 1))
    put(t, "raw", bytes([4]) + shape(2) + buf(16, 0, mode=3, raw=0x1000)
        + buf(64, 1, mode=3, raw=0x1000) + shape(1) + buf(8, 1))

    t = "fuzz_control"
    def msg(mtype, payload=b""):
        return struct.pack("<IHHII", 0x434D5643, 1, mtype, len(payload), 0) + payload
    put(t, "stop", msg(1))
    put(t, "suspend", msg(2))
    put(t, "balloon", msg(4, struct.pack("<Q", 256 << 20)))
    put(t, "balloon-stats", msg(5))
    put(t, "disk-resize", msg(6, struct.pack("<IIQ", 1, 0, 1 << 30)))
    put(t, "response-as-request", msg(0x100))
    put(t, "bad-length", msg(4, b"\0" * 4))
    t = "fuzz_control_reply"
    # A request selector byte (0 stop .. 5 disk resize), then the VM's answer.
    put(t, "ok-to-stop", bytes([0]) + msg(0x100))
    put(t, "stats-to-stats", bytes([4]) + msg(0x102, struct.pack("<19Q", 0, 4096, 1 << 4, *([7] * 16))))
    put(t, "stats-to-stop", bytes([0]) + msg(0x102, b"\0" * 152))
    put(t, "echoed-request", bytes([1]) + msg(2))
    put(t, "error-escapes", bytes([5]) + msg(0x101, struct.pack("<i", 28) + b"\x1b[2J\r\nfull\\".ljust(200, b"\0")))
    put(t, "error-empty", bytes([3]) + msg(0x101, b"\0" * 204))
    t = "fuzz_virtio_balloon"
    def chain(q, bufs):
        """Op q (0 inflate, 1 deflate, 2 stats) with bufs of (bytes, writable)."""
        out = bytes([q, len(bufs) - 1])
        for data, w in bufs:
            out += struct.pack("<HB", len(data), 1 if w else 0)
        for data, w in bufs:
            if not w:
                out += data
        return out
    def pfns(*p):
        return struct.pack("<%dI" % len(p), *p)
    def stat(tag, val):
        return struct.pack("<HQ", tag, val)
    # 256 KiB of guest RAM: PFNs 0-63. Heap pages the harness allocates start near PFN 2.
    put(t, "inflate-deflate", bytes([0]) + chain(0, [(pfns(40, 41, 42, 43, 50), False)])
        + chain(1, [(pfns(40, 41), False)]) + chain(0, [(pfns(63, 64, 0xFFFFFFFF), False)]))
    put(t, "inflate-split", bytes([1]) + chain(0, [(pfns(30, 31)[:5], False),
                                                   (b"\0" * 3, False),
                                                   (b"\0" * 8, True)]))
    rep = stat(4, 1 << 20) + stat(5, 4 << 20) + stat(6, 2 << 20) + stat(2, 5) + stat(42, 1)
    put(t, "stats", bytes([2]) + chain(2, [(rep, False)]) + bytes([5])
        + chain(2, [(rep[:25], False)]) + bytes([5, 5]))
    put(t, "config-target", bytes([0]) + bytes([3, 0, 3]) + struct.pack("<Q", 1 << 40)
        + bytes([3, 4, 2]) + struct.pack("<I", 7) + bytes([4]) + struct.pack("<Q", 64 << 10)
        + bytes([4]) + struct.pack("<Q", 300 << 10) + bytes([6]) + bytes([5]))
    put(t, "stats-writable", bytes([0]) + chain(2, [(b"\0" * 30, True)])
        + chain(2, [(rep, False)]) + bytes([6, 5]))
    video_seeds(put)
    policy_seeds(put)
    net_seeds(put)


def video_seeds(put):
    """fuzz_virtio_video: command sequences as the guest driver sends them."""
    t = "fuzz_virtio_video"
    data = 2 << 20  # the fuzz target's data area: resources point here
    w, h = 64, 32
    frame = w * h * 3 // 2

    def cmd(req, resp_len):
        return bytes([0]) + struct.pack("<HH", len(req), resp_len) + req

    def hdr(typ, sid):
        return struct.pack("<II", typ, sid)

    def params(queue, fmt, fps=30, planes=3, size=0):
        p = struct.pack("<IIIIII", queue, fmt, w, h, 1, 32) + struct.pack("<IIII", 0, 0, w, h)
        p += struct.pack("<II", fps, planes) + struct.pack("<II", size, w) + b"\0" * 56
        return p

    def res_create(sid, queue, rid, addr, pages, offset=0):
        r = hdr(0x104, sid) + struct.pack("<IIII", queue, rid, 1, 1)
        r += struct.pack("<8I", offset, 0, 0, 0, 0, 0, 0, 0) + struct.pack("<8I", pages, 0, 0, 0, 0, 0, 0, 0)
        for k in range(pages):  # every other page, last first
            r += struct.pack("<QI4x", addr + (2 * (pages - 1 - k) + 1) * 4096, 4096)
        return r

    def res_queue(sid, queue, rid, ts):
        return hdr(0x105, sid) + struct.pack("<IIQI8I4x", queue, rid, ts, 1, 0, 0, 0, 0, 0, 0, 0, 0)

    def ctl(typ, sid, control, val=None):
        return hdr(typ, sid) + struct.pack("<I4x", control) + (b"" if val is None else struct.pack("<I4x", val))

    def data_op(off, payload):
        return bytes([3]) + struct.pack("<I", off)[:3] + struct.pack("<H", len(payload)) + payload

    wait = bytes([2]) * 4
    sid = 1
    probe = (cmd(hdr(0x100, 0) + struct.pack("<I4x", 0x100), 1024)
             + cmd(hdr(0x100, 0) + struct.pack("<I4x", 0x101), 1024)
             + cmd(hdr(0x10a, 0) + struct.pack("<I4xI4x", 2, 0x1002), 1024)
             + cmd(hdr(0x10a, 0) + struct.pack("<I4xI4x", 3, 0x1002), 1024))
    opened = (cmd(hdr(0x101, sid) + struct.pack("<III4x", 0, 0, 0x1002) + b"fuzz".ljust(64, b"\0"), 64)
              + cmd(hdr(0x108, sid) + struct.pack("<I4x", 0x100), 1024)
              + cmd(hdr(0x108, sid) + struct.pack("<I4x", 0x101), 1024)
              + cmd(ctl(0x10b, sid, 2), 64) + cmd(ctl(0x10b, sid, 3), 64) + cmd(ctl(0x10b, sid, 1), 64)
              + cmd(ctl(0x10c, sid, 5, 1), 64) + cmd(ctl(0x10c, sid, 1, 300000), 64)
              + cmd(ctl(0x10c, sid, 6, 600000), 64)
              + cmd(hdr(0x109, sid) + params(0x101, 0x1002, planes=1, size=65536), 64)
              + cmd(hdr(0x109, sid) + params(0x100, 4), 64))
    pages_in = (frame + 4095) // 4096
    buffers = (cmd(res_create(sid, 0x100, 1, data, pages_in), 64)
               + cmd(res_create(sid, 0x101, 2, data + 2 * pages_in * 4096, 4), 64))
    frames = data_op(0, bytes(range(256)) * 8)
    encode = (cmd(res_queue(sid, 0x101, 2, 0), 64) + cmd(ctl(0x10c, sid, 4), 64)
              + cmd(res_queue(sid, 0x100, 1, 1234), 64) + wait)
    drain = cmd(hdr(0x103, sid), 64) + cmd(res_queue(sid, 0x101, 2, 0), 64) + wait
    close = (cmd(hdr(0x107, sid) + struct.pack("<I4x", 0x101), 64)
             + cmd(hdr(0x107, sid) + struct.pack("<I4x", 0x100), 64) + cmd(hdr(0x102, sid), 64))
    put(t, "encode-drain", probe + opened + buffers + frames + encode + drain + close)
    # Destroyed with buffers still queued; an error event with no event buffer, then one.
    err_frame = data_op((2 * (pages_in - 1) + 1) * 4096, b"\xee\x0e")  # the frame's first page
    put(t, "error-event", opened + buffers + err_frame + encode + bytes([1, 2]) + wait
        + cmd(res_queue(sid, 0x101, 2, 0), 64) + cmd(hdr(0x102, sid), 64))
    # Malformed: short, unknown, bad ids and counts, tiny response buffers.
    bad = (cmd(b"\x01\x01", 64) + cmd(hdr(0x1ff, 3), 64) + cmd(hdr(0x108, 9), 4)
           + cmd(hdr(0x108, 9) + struct.pack("<I4x", 0x100), 16)
           + cmd(res_create(sid, 0x100, 1, 0xffffffffffffe000, 1), 64)
           + cmd(ctl(0x10c, sid, 99, 1), 64) + cmd(ctl(0x10c, sid, 1), 64))
    put(t, "malformed", opened + bad + cmd(res_queue(sid, 0x100, 77, 0), 8) + close)



def policy_seeds(put):
    """Seccomp policy files: every syntax form, includes, and some broken lines."""
    t = "fuzz_policy"
    put(t, "allow", b"read: 1\nwrite: allow\n# comment\n\n3: 1\n")
    put(t, "actions", b"open: return ENOENT\nptrace: kill\ntkill: kill-thread\n"
                      b"uname: trap\ngetuid: log\nopenat: return 13\n")
    put(t, "expr", b"mmap: arg2 in ~PROT_EXEC || arg2 == PROT_READ|PROT_EXEC && "
                   b"arg3 & MAP_PRIVATE\nmadvise: arg2 == MADV_DONTNEED || arg2 == MADV_FREE\n")
    put(t, "errno-else", b"fcntl: arg1 & 0x30 && arg2 in 0xff; return EPERM\n")
    put(t, "ranges", b"fcntl: arg1 < 3 && arg2 >= 100\nread: arg0 < 10 && arg0 <= 5\n")
    put(t, "values", b"ioctl: arg1 == (KVM_RUN) || arg1 == 0x5401 || arg1 == 0777 || "
                     b"arg1 == ~~(FIONBIO|FIOCLEX)\n")
    put(t, "continuation", b"clone: arg0 & CLONE_THREAD && \\\n  arg1 == 0\nclone3: return ENOSYS\n")
    put(t, "include", b"@include /usr/share/policy/crosvm/a.policy\n@include ./dev.policy\n"
                      b"@frequency ./x.frequency\n")
    put(t, "include-builtin", b"@include block_device.policy\n")
    put(t, "include-loop", b"@include loop.policy\n")
    put(t, "include-bad", b"@include bad.policy\n")
    put(t, "dup", b"read: 1\n0: 1\n")
    put(t, "broken", b"read arg0\nwrite: arg0 =< 1\nnosuch: 1\n@bogus\n")
    put(t, "wide", b"read: arg0 & 0xffff && arg1 & 0xffff && arg2 & 3\n")


def net_seeds(put):
    """virtio-net: traffic both ways, waiting for buffers, control requests, hostile rings."""
    t = "fuzz_virtio_net"
    MRG, CTRL_RX, CTRL_MAC, OFFL, EVENT_IDX, INDIRECT, OFFERED = 1, 2, 4, 8, 16, 32, 64
    TX, RX, FRAME, CTRL, TURN, RESET, RAW, FEAT = range(8)

    def buf(length, writable, mode=0):
        return struct.pack("<HB", length, int(writable) | mode << 1)

    def tx(frame, split=None, indirect=False):
        split = split or [len(frame)]
        out = bytes([TX | indirect << 3, len(split) - 1])
        out += b"".join(buf(n, 0) for n in split)
        return out + frame

    def rx(*lens, indirect=False):
        return bytes([RX | indirect << 3, len(lens) - 1]) + b"".join(buf(n, 1) for n in lens)

    def eth(dst, n):
        hdr = bytes(12) + dst + bytes([2, 0, 0, 0, 0, 0x99, 8, 0])
        return hdr + bytes(range(n))[: max(0, 64 - len(hdr))]

    def frame(length, content):
        return bytes([FRAME]) + struct.pack("<H", length) + content[:64].ljust(64, b"\0")

    def ctrl(cls, cmd, data=b"", no_ack=False, split=False):
        op = CTRL | no_ack << 3 | split << 4
        return bytes([op, cls, cmd, len(data)]) + data

    ours = bytes([2, 0, 0, 0, 0, 1])
    bcast = b"\xff" * 6
    mcast = bytes([0x33, 0x33, 0, 0, 0, 1])
    all_feats = MRG | CTRL_RX | CTRL_MAC | OFFL | INDIRECT | OFFERED
    traffic = (rx(1536) + rx(1536) + rx(100, 1436, indirect=True)
               + frame(200, eth(ours, 40)) + bytes([TURN])
               + tx(eth(bcast, 50) + bytes(20), [12, 72])
               + tx(eth(ours, 60), indirect=True)
               + ctrl(0, 0, b"\x00") + ctrl(0, 1, b"\x01")
               + ctrl(1, 0, struct.pack("<I", 1) + ours + struct.pack("<I", 1) + mcast)
               + ctrl(1, 1, bytes([2, 1, 2, 3, 4, 5]))
               + frame(100, eth(mcast, 40)) + frame(100, eth(bcast, 40)) + bytes([TURN]))
    put(t, "traffic", bytes([all_feats]) + traffic)
    put(t, "traffic-event-idx", bytes([all_feats | EVENT_IDX]) + traffic)
    put(t, "no-mergeable", bytes([CTRL_RX | OFFERED]) + rx(1536) + frame(2000, eth(ours, 40))
        + frame(300, eth(ours, 40)) + bytes([TURN]) + rx(2048) + bytes([TURN]))
    put(t, "waits-for-buffers", bytes([all_feats]) + frame(3000, eth(ours, 40))
        + bytes([TURN, TURN]) + rx(1000) + rx(1000) + rx(1000) + bytes([TURN])
        + frame(0x8000, eth(ours, 40)) + bytes([TURN]))
    put(t, "hostile", bytes([all_feats])
        + bytes([RAW | 0 << 3]) + struct.pack("<H", 0xFFFF)
        + bytes([TX, 1]) + buf(20, 0) + buf(30, 1) + bytes(20)
        + bytes([TX, 0]) + buf(64, 0, mode=1) + bytes([RX, 0]) + buf(64, 1, mode=2)
        + tx(bytes(8)) + ctrl(0, 0) + ctrl(9, 9, b"x") + ctrl(0, 0, b"\x01", no_ack=True)
        + ctrl(0, 0, b"\x01", split=True)
        + ctrl(1, 0, struct.pack("<I", 0xFFFFFFFF) + bytes(10))
        + bytes([RESET]) + bytes([FEAT, MRG]) + rx(1536) + frame(80, eth(ours, 40))
        + bytes([TURN, RAW | 2 << 3]) + struct.pack("<H", 40))


if __name__ == "__main__":
    main()
