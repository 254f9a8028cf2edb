"""oracle_layout.py -- the stream tree of mos-flowdump(1), for other writers.

The live-traffic generator (what it sent) and the tshark oracle (what
tshark reassembled) write their trees here, in the layout mos-flowdump(1)
documents, so that one 'diff -r -x gaps.tsv' compares any two of them:

  TREE/streams/SRC-DST   the bytes SRC sent to DST, in stream order
  TREE/flows.tsv         '#a_to_b<TAB>b_to_a<TAB>bytes_a_to_b<TAB>bytes_b_to_a',
                         then one line per flow, sorted bytewise on column 1
  TREE/summary.txt       'flows N', 'bytes_a_to_b N', 'bytes_b_to_a N'

An endpoint is ADDR.PORT: dotted-quad IPv4, or IPv6 in the text form of
RFC 5952 with every ':' written '_'.  A is the endpoint that sent the
flow's first packet (the client, once its SYN is seen); the k-th flow
(k >= 2) on one pair of endpoints gets the suffix _k on both names.
"""

import ipaddress
import os

HEADER = "#a_to_b\tb_to_a\tbytes_a_to_b\tbytes_b_to_a\n"


def endpoint(addr, port):
    """'ADDR.PORT' for an address in any text form (brackets allowed)."""
    ip = ipaddress.ip_address(str(addr).strip("[]"))
    text = ip.compressed.replace(":", "_") if ip.version == 6 else str(ip)
    return "%s.%d" % (text, int(port))


class Tree:
    """Collects flows in first-packet order, then writes the tree."""

    def __init__(self):
        self.rows = []          # (name_ab, name_ba, bytes_ab, bytes_ba)
        self.data = []          # (name, bytes)
        self.reuse = {}

    def add(self, a, b, ab, ba):
        """A flow from endpoint A to endpoint B; AB and BA its bytes."""
        pair = (a, b) if a < b else (b, a)
        k = self.reuse.get(pair, 0) + 1
        self.reuse[pair] = k
        tail = "" if k == 1 else "_%d" % k
        n_ab, n_ba = "%s-%s%s" % (a, b, tail), "%s-%s%s" % (b, a, tail)
        self.rows.append((n_ab, n_ba, len(ab), len(ba)))
        self.data += [(n_ab, bytes(ab)), (n_ba, bytes(ba))]

    def write(self, outdir):
        streams = os.path.join(outdir, "streams")
        os.makedirs(streams, exist_ok=True)
        for name, data in self.data:
            with open(os.path.join(streams, name), "wb") as f:
                f.write(data)
        rows = sorted(self.rows, key=lambda r: r[0].encode())
        with open(os.path.join(outdir, "flows.tsv"), "w") as f:
            f.write(HEADER)
            for r in rows:
                f.write("%s\t%s\t%d\t%d\n" % r)
        with open(os.path.join(outdir, "summary.txt"), "w") as f:
            f.write("flows %d\n" % len(rows))
            f.write("bytes_a_to_b %d\n" % sum(r[2] for r in rows))
            f.write("bytes_b_to_a %d\n" % sum(r[3] for r in rows))

    def totals(self):
        return (len(self.rows), sum(r[2] for r in self.rows),
                sum(r[3] for r in self.rows))
