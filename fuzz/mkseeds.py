#!/usr/bin/env python3
"""mkseeds.py -- write the seed corpora of fuzz/corpus/TARGET/.

Run from anywhere: python3 fuzz/mkseeds.py.  The seeds are small and
deterministic; libFuzzer grows its own corpus from them in the build
directory.  Each input layout is the one its target's header describes.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)


def out(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b"", opts=b"",
        v6=False):
    opts += b"\0" * (-len(opts) % 4)
    doff = 20 + len(opts)
    th = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, doff // 4 << 4,
                     flags, 65535, 0, 0) + opts + payload
    if v6:
        ph = src + dst + struct.pack("!IxxxB", len(th), 6)
    else:
        ph = src + dst + struct.pack("!xBH", 6, len(th))
    c = csum(ph + th)
    return th[:16] + struct.pack("!H", c) + th[18:]


def ipv4(src, dst, payload, proto=6, frag=0x4000, opts=b""):
    ihl = 5 + len(opts) // 4
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, ihl * 4 + len(payload),
                    1, frag, 64, proto, 0, src, dst) + opts
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def ipv6(src, dst, payload, nh=6, ext=b""):
    return struct.pack("!IHBB", 0x60000000, len(ext) + len(payload), nh,
                       64) + src + dst + ext + payload


def eth(payload, etype=0x0800, vlans=()):
    h = b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01"
    for v in vlans:
        h += struct.pack("!HH", 0x8100, v)
    return h + struct.pack("!H", etype) + payload


A4, B4 = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
A6 = bytes([0xfd] + [0] * 14 + [1])
B6 = bytes([0xfd] + [0] * 14 + [2])
OPTS = (b"\x02\x04\x05\xb4" b"\x01\x03\x03\x07" b"\x01\x01\x04\x02"
        b"\x01\x01\x08\x0a\0\0\0\x01\0\0\0\0")


def parse_seeds():
    syn = eth(ipv4(A4, B4, tcp(A4, B4, 40000, 80, 1000, 0, 0x02, opts=OPTS)))
    data = eth(ipv4(A4, B4, tcp(A4, B4, 40000, 80, 1001, 5001, 0x18,
                                b"GET / HTTP/1.0\r\n\r\n")))
    v6 = eth(ipv6(A6, B6, tcp(A6, B6, 40000, 80, 1, 2, 0x10, b"x" * 10,
                              v6=True)), 0x86DD)
    hbh = b"\x06\x00\x01\x04\x00\x00\x00\x00"   # hop-by-hop, PadN
    v6ext = eth(ipv6(A6, B6, tcp(A6, B6, 1, 2, 3, 4, 0x10, v6=True), nh=0,
                     ext=hbh), 0x86DD)
    vlan = eth(ipv4(A4, B4, tcp(A4, B4, 1, 2, 3, 4, 0x10, b"v")), 0x8100,
               vlans=())
    vlan = (b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01" + b"\x81\x00\x00\x05"
            + b"\x88\xa8\x00\x06" + b"\x08\x00"
            + ipv4(A4, B4, tcp(A4, B4, 1, 2, 3, 4, 0x10, b"v")))
    frag = eth(ipv4(A4, B4, b"\0" * 24, frag=0x2000))
    lsrr = bytes([131, 7, 4, 192, 0, 2, 9, 1])    # loose source route, NOP
    srr = eth(ipv4(A4, B4, tcp(A4, bytes([192, 0, 2, 9]), 1, 2, 3, 4, 0x10),
                   opts=lsrr))
    udp = eth(ipv4(A4, B4, b"\0\x35\0\x35\0\x08\0\0", proto=17))
    for i, fr in enumerate([syn, data, v6, v6ext, vlan, frag, srr, udp]):
        out("parse", "frame%d" % i, bytes([1]) + fr)
        out("parse", "frame%d-hw" % i, bytes([0x0a]) + fr)


def ring_seeds():
    def w(ring, delta, length, ver):
        return bytes([ring << 7 | 0]) + struct.pack("!hHB", delta, length,
                                                    ver)
    # in-order writes and drains, a hole given up, an overlap, a resize
    s = bytes([0, 0x03, 0x13])
    s += w(0, 0, 1000, 0) + b"\x03\x01\x00" + w(0, 500, 700, 1)
    s += w(0, -200, 400, 2) + b"\x07" + b"\x04\x08\x00" + b"\x03\x20\x00"
    s += b"\x05\x08" + w(1, 0, 3000, 0) + b"\x83\x00\x10" + b"\x87"
    s += b"\x02\x00\x00\x01\x00" + b"\x0e" + w(0, 0, 100, 3) + b"\x16"
    out("ring", "mixed", s)
    out("ring", "outrun", bytes([1, 1, 0x11]) +
        b"".join(w(0, 0, 900, 0) for _ in range(12)) + b"\x03\x40\x00")
    out("ring", "limited", bytes([2, 5, 0x15]) +
        b"".join(w(i & 1, 4000, 4000, 0) for i in range(16)))


def seg(dirn, flow, flags, seq=0, ack=0, win=65535, plen=0, step=1, aux=7,
        ver=0, opts=0, jumbo=False):
    b0 = dirn | flow << 1 | ver << 2 | opts << 3 | (0x80 if jumbo else 0)
    return struct.pack("!BBhhHHBB", b0, flags, seq, ack, win, plen,
                       step & 0xFF, aux)


def conversation(flow=0, opts=15, plen=1000, extra=b""):
    s = seg(0, flow, 0x02, opts=opts)
    s += seg(1, flow, 0x12, ack=0, opts=opts)
    s += seg(0, flow, 0x10)
    s += seg(0, flow, 0x18, plen=plen) + seg(1, flow, 0x10)
    s += extra
    s += seg(1, flow, 0x18, plen=plen // 2) + seg(0, flow, 0x10)
    s += seg(0, flow, 0x11) + seg(1, flow, 0x11) + seg(0, flow, 0x10)
    return s


def stack_seeds():
    quiet = bytes(16)               # every callback drains
    mixed = bytes([0x00, 0x01, 0x02, 0x09, 0x0a, 0x0b, 0x0c, 0x1c,
                   0x23, 0x43, 0xa3, 0xc3, 0x06, 0x27, 0x15, 0x09])
    out("stack", "plain", bytes([0]) + quiet + conversation())
    out("stack", "ipv6", bytes([1]) + quiet + conversation(flow=1))
    out("stack", "actions", bytes([0x0e]) + mixed + conversation())
    # a hole, an overlapping retransmission with other bytes, reordering
    extra = (seg(0, 0, 0x18, seq=2000, plen=500) +
             seg(0, 0, 0x18, seq=0, plen=1460, ver=1) +
             seg(0, 0, 0x18, seq=-600, plen=1000, ver=1) +
             seg(1, 0, 0x10, ack=0))
    out("stack", "overlap", bytes([0x30]) + quiet + conversation(extra=extra))
    out("stack", "wrap", bytes([0x40]) + mixed + conversation(plen=1460))
    out("stack", "jumbo", bytes([0]) + mixed +
        conversation(extra=seg(0, 0, 0x18, jumbo=True) +
                     seg(0, 1, 0x18, jumbo=True)))
    # the clock jumping backwards, timestamps going back, RSTs
    extra = (seg(0, 0, 0x18, plen=10, step=-128, opts=8, aux=0xf0) +
             seg(1, 0, 0x04, seq=3000) + seg(1, 0, 0x14))
    out("stack", "hostile", bytes([0x04]) + mixed + conversation(extra=extra))


def config_seeds():
    cdir = os.path.join(TOP, "testsuite", "libmos.config")
    for name in ("full.conf", "pcap.conf", "bad-syntax.conf",
                 "bad-range.conf"):
        p = os.path.join(cdir, name)
        if os.path.exists(p):
            with open(p, "rb") as f:
                out("config", name, f.read())
    out("config", "minimal.conf",
        b'mos = { io = "pcap"; ports = ( { name = "p"; core_mask = 0x1;'
        b' pcap_file = "/dev/null"; } ); };\n')


def filter_seeds():
    frame = eth(ipv4(A4, B4, tcp(A4, B4, 40000, 80, 1, 0, 0x02)))
    for i, (mode, expr) in enumerate([
            (1, "tcp port 80"), (1, "host 10.0.0.1 and tcp dst port 80"),
            (1, "src net 10.0.0.0/8 or dst port 443"),
            (0, "tcp[13] & 2 != 0"), (0, "vlan and ip"),
            (0, "ip6 and tcp"), (0, "ether src 02:00:00:00:00:01"),
            (0, "len > 60 and not udp")]):
        out("filter", "expr%d" % i,
            bytes([mode]) + expr.encode() + b"\0" + frame)


def defrag_seeds():
    def frag(b0, off, length, odd=0, step=1):
        return struct.pack("!BHHBH", b0, off, length, odd, step)
    # IPv4 datagram 0 in three pieces, out of order; IPv6 datagram 1 in
    # two; an overlap with other bytes; a datagram that never completes
    s = bytes([0]) + frag(0x08, 0, 800) + frag(0x00, 200, 400) + \
        frag(0x08, 100, 800)
    s += frag(0x0b, 0, 1000) + frag(0x03, 125, 300)
    s += frag(0x2c, 0, 64) + frag(0x44, 4, 64) + frag(0x0c, 8, 16)
    s += frag(0x4e, 0, 500)
    out("defrag", "mixed", s)
    out("defrag", "last-wins", bytes([1]) + s)
    out("defrag", "small", bytes([6]) + b"".join(
        frag(0x08 | (i & 3) << 1, i * 10, 1400) for i in range(12)))


def tcp_seeds():
    def op(b0, b1=0, seq=0, ack=0, w=65535, plen=0, aux=7, hw=0):
        return struct.pack("!BBhhHHBB", b0, b1, seq, ack, w, plen, aux, hw)
    # to the listener: handshake, data, reads, the engine's data, a close
    s = op(0x60, 0x02) + op(0x00, 0x10) + op(0x00, 0x18, plen=300)
    s += op(0x05, 0, w=100) + op(0x05, 0, w=1000, aux=1)
    s += op(0x06, 0, w=2000) + op(0x04, w=50) + op(0x00, 0x10)
    s += op(0x00, 0x18, seq=200, plen=100) + op(0x00, 0x18, plen=200)
    s += op(0x05, 0, w=4000) + op(0x00, 0x11) + op(0x07) + op(0x04, w=300)
    out("tcp", "listener", s)
    # the active open: SYN/ACK from 8080, data both ways, RSTs
    s = op(0x70, 0x12) + op(0x10, 0x18, plen=500, hw=1)
    s += op(0x05, 0, w=600) + op(0x06, 0, w=3000) + op(0x10, 0x10)
    s += op(0x10, 0x04, seq=5000) + op(0x10, 0x04) + op(0x04, w=100)
    out("tcp", "active", s)


if __name__ == "__main__":
    parse_seeds()
    ring_seeds()
    stack_seeds()
    config_seeds()
    filter_seeds()
    defrag_seeds()
    tcp_seeds()
