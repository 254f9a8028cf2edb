#!/usr/bin/env python3
"""decode_stack.py INPUT -- print a fuzz_stack input as its segments
(the layout of fuzz/fuzz_stack.c), to read a crash artifact."""
import struct
import sys

d = open(sys.argv[1], "rb").read()
print("setup %#04x script %s" % (d[0], d[1:17].hex()))
hi = d[0] & 0x40
nxt = {}
for i in range(2):
    base = 0xfffff000 if hi else 1000
    nxt[(i, 0)] = base
    nxt[(i, 1)] = (base * 7 + 5000000) & 0xffffffff
t = 0
for k in range((len(d) - 17) // 12):
    b = d[17 + 12 * k: 29 + 12 * k]
    b0, fl, sd, ad, win, pl, step, aux = struct.unpack("!BBhhHHbB", b)
    dirn, flow, ver = b0 & 1, b0 >> 1 & 1, b0 >> 2 & 1
    plen = pl % 1461
    if b0 & 0x80:
        plen = -1
    seq = (nxt[(flow, dirn)] + sd) & 0xffffffff
    ack = (nxt[(flow, 1 - dirn)] + ad) & 0xffffffff
    s = (seq + (1 if fl & 2 else 0)) & 0xffffffff
    if plen >= 0:
        end = (s + plen + (1 if fl & 1 else 0)) & 0xffffffff
        if ((end - nxt[(flow, dirn)]) & 0xffffffff) < 0x80000000 and \
                end != nxt[(flow, dirn)]:
            nxt[(flow, dirn)] = end
    t += 100000 if step == 127 else -100000 if step == -128 else step
    print("%3d t=%7d %s f%d %s flags %#04x seq %u (+%d) ack %u (+%d) "
          "win %u len %s ver %d opts %x" % (
              k, t, "c>s" if dirn == 0 else "s>c", flow,
              "", fl, seq, sd, ack, ad, win,
              plen if plen >= 0 else "jumbo", ver, b0 >> 3 & 15))
