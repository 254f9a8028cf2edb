#!/usr/bin/python3
"""oracle_tshark.py -- tshark's reassembly of a capture, as a stream tree.

usage: oracle_tshark.py CAPTURE OUTDIR

A second opinion on mos-flowdump(1), from a reassembler that shares no
code with libmos: tshark(1) numbers the TCP conversations (tcp.stream),
and one '-z follow,tcp,raw,N' statistic per conversation prints the
bytes each side delivered, as hex: lines starting with a tab are
"Node 1" to "Node 0", the others the reverse.  The result is written in
the layout of mos-flowdump(1) (oracle_layout.py) into OUTDIR, which is
emptied of an earlier tree first.

tshark's choices, kept here as they are: the first copy of an overlapping
byte wins; a stream ends at a hole never filled; FIN and RST end nothing
early.  Checksums are not verified and every TCP port is decoded as plain
data, so no dissector above TCP can change what the tap sees.  Exit
status 0, or 1 with the reason on standard error.
"""

import os
import re
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle_layout  # noqa: E402

OPTIONS = ["-n", "-o", "tcp.check_checksum:FALSE",
           "-o", "ip.defragment:TRUE", "-o", "ipv6.defragment:TRUE",
           "-d", "tcp.port==1-65535,data"]
FIELDS = ("frame.number", "tcp.stream", "ip.src", "ipv6.src",
          "tcp.srcport", "ip.dst", "ipv6.dst", "tcp.dstport")
TAPS_PER_RUN = 64           # each tap filters every frame: keep runs short
NODE = re.compile(r"^Node ([01]): \[?([0-9A-Fa-f.:]+?)\]?:(\d+)$")


class Failed(Exception):
    pass


def tshark(args):
    p = subprocess.run(["tshark"] + OPTIONS + args, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    if p.returncode != 0:
        err = [line for line in p.stderr.decode(errors="replace").splitlines()
               if line.strip() and "dangerous" not in line]
        raise Failed("tshark exit %d: %s" % (p.returncode, " ".join(err[:3])))
    return p.stdout.decode("ascii", errors="replace")


def conversations(capture):
    """{stream: (first frame, A endpoint, B endpoint)}; A sent first."""
    args = ["-r", capture, "-T", "fields", "-E", "separator=/t",
            "-E", "occurrence=f", "-Y", "tcp"]
    for f in FIELDS:
        args += ["-e", f]
    convs = {}
    for line in tshark(args).splitlines():
        col = (line.split("\t") + [""] * len(FIELDS))[:len(FIELDS)]
        frame, stream, s4, s6, sport, d4, d6, dport = col
        if not stream or stream in convs:
            continue
        convs[stream] = (int(frame),
                         oracle_layout.endpoint(s4 or s6, sport),
                         oracle_layout.endpoint(d4 or d6, dport))
    return {int(k): v for k, v in convs.items()}


def follow(capture, streams):
    """{stream: (node 0 endpoint or None, node0->node1, node1->node0)}."""
    args = ["-r", capture, "-q"]
    for n in streams:
        args += ["-z", "follow,tcp,raw,%d" % n]
    out, cur = {}, None
    for line in tshark(args).split("\n"):
        if line.startswith("Filter: tcp.stream eq "):
            cur = int(line.rsplit(" ", 1)[1])
            out[cur] = [None, [], []]
        elif cur is None:
            continue
        elif line.startswith("====="):
            cur = None
        elif line.startswith("Node "):
            m = NODE.match(line.strip())
            if m and m.group(1) == "0" and m.group(3) != "0":
                out[cur][0] = oracle_layout.endpoint(m.group(2), m.group(3))
        elif line.startswith("\t"):
            out[cur][2].append(line.strip())
        elif line.strip():
            out[cur][1].append(line.strip())
    try:
        return {k: (v[0], bytes.fromhex("".join(v[1])),
                    bytes.fromhex("".join(v[2]))) for k, v in out.items()}
    except ValueError as e:
        raise Failed("unexpected follow output: %s" % e)


def run(capture, outdir):
    convs = conversations(capture)
    order = sorted(convs, key=lambda s: convs[s][0])
    got = {}
    for i in range(0, len(order), TAPS_PER_RUN):
        got.update(follow(capture, order[i:i + TAPS_PER_RUN]))
    tree = oracle_layout.Tree()
    for s in order:
        _, a, b = convs[s]
        node0, d01, d10 = got.get(s, (None, b"", b""))
        if node0 == b:
            d01, d10 = d10, d01     # tshark's node 0 is not our A
        tree.add(a, b, d01, d10)
    for sub in ("streams", "flows.tsv", "summary.txt"):
        p = os.path.join(outdir, sub)
        if os.path.isdir(p):
            shutil.rmtree(p)
        elif os.path.exists(p):
            os.remove(p)
    tree.write(outdir)
    return tree.totals()


def main(argv):
    if len(argv) != 2:
        print("usage: oracle_tshark.py CAPTURE OUTDIR", file=sys.stderr)
        return 2
    try:
        n, ab, ba = run(argv[0], argv[1])
    except (Failed, OSError) as e:
        print("oracle_tshark.py: %s: %s" % (argv[0], e), file=sys.stderr)
        return 1
    print("oracle_tshark.py: %d flows, %d bytes a->b, %d bytes b->a"
          % (n, ab, ba), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
