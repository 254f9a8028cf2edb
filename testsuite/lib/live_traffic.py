#!/usr/bin/python3
"""live_traffic.py -- real Linux TCP with known content, and its truth.

usage:
  live_traffic.py server --ip IP --ready FILE [--timeout S] PLAN
  live_traffic.py client --ip IP --server IP [--parallel N] [--timeout S]
                         [--expect DIR] PLAN
  live_traffic.py expect --client IP --server IP --outdir DIR PLAN
PLAN: [--seed N] [--conns N] [--up MIN[:MAX]] [--down MIN[:MAX]]
      [--modes LIST] [--ports LIST] [--cport-base N]

Both ends derive the same plan from the same PLAN options, so only the
payload crosses the network.  Connection i runs from the client's port
cport-base + i to one of --ports on the server and carries a seeded
random number of seeded random bytes each way, in one of these patterns:

  reqresp   the client sends its bytes and half-closes (shutdown(2)
            SHUT_WR); the server reads to end of file, answers, closes
  duplex    both ends send at once, each half-closes when done
  pingpong  2 to 6 rounds of a request piece and a response piece
  rst       request, response, then the client aborts: SO_LINGER with a
            zero timeout makes close(2) send a RST (socket(7))
  srvclose  request, response, and the server closes first

Modes are dealt round-robin from a seeded shuffle, so each appears once
--conns reaches the number of modes.  Each end checks every byte it reads
against the plan and exits 1 on any difference or time-out: a transfer
that did not happen exactly as planned is never taken as the truth.

The client, with --expect DIR, and the 'expect' role write the bytes each
connection carried in the layout of mos-flowdump(1) (see oracle_layout.py);
the tree comes from what the ends sent, never from a capture.
"""

import argparse
import os
import random
import socket
import struct
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle_layout  # noqa: E402

MODES = ("reqresp", "duplex", "pingpong", "rst", "srvclose")
CHUNK = 65536


class Conn:
    def __init__(self, seed, i, mode, cport, sport, up, down, pieces):
        self.i = i
        self.mode = mode
        self.cport = cport
        self.sport = sport
        self.up = content(seed, i, "up", up)
        self.down = content(seed, i, "down", down)
        self.pieces = pieces    # [(up piece length, down piece length)]


def content(seed, i, way, n):
    return random.Random("live %d conn %d %s" % (seed, i, way)).randbytes(n)


def split(n, parts, rng):
    """N bytes cut into PARTS lengths (fewer when N is smaller)."""
    parts = max(1, min(parts, n))
    if parts == 1:
        return [n]
    cuts = sorted(rng.sample(range(1, n), parts - 1))
    return [b - a for a, b in zip([0] + cuts, cuts + [n])]


def make_plan(o):
    rng = random.Random("live %d plan" % o.seed)
    modes = list(o.modes)
    rng.shuffle(modes)
    plan = []
    for i in range(o.conns):
        mode = modes[i % len(modes)]
        up = rng.randint(*o.up)
        down = rng.randint(*o.down)
        pieces = []
        if mode == "pingpong":
            rounds = rng.randint(2, 6)
            ups = split(up, rounds, rng)
            downs = split(down, len(ups), rng)
            ups = split(up, len(downs), rng) if len(downs) < len(ups) else ups
            pieces = list(zip(ups, downs))
        plan.append(Conn(o.seed, i, mode, o.cport_base + i,
                         o.ports[i % len(o.ports)], up, down, pieces))
    return plan


# --- byte-exact I/O -------------------------------------------------------

class Mismatch(Exception):
    pass


def read_exactly(s, n):
    buf = bytearray()
    while len(buf) < n:
        got = s.recv(min(CHUNK, n - len(buf)))
        if not got:
            raise Mismatch("end of file after %d of %d bytes" % (len(buf), n))
        buf += got
    return bytes(buf)


def read_to_eof(s, most):
    buf = bytearray()
    while True:
        got = s.recv(CHUNK)
        if not got:
            return bytes(buf)
        buf += got
        if len(buf) > most:
            raise Mismatch("%d bytes, more than the %d planned"
                           % (len(buf), most))


def expect_bytes(what, got, want):
    if got == want:
        return
    at = next((k for k, (x, y) in enumerate(zip(got, want)) if x != y),
              min(len(got), len(want)))
    raise Mismatch("%s: %d bytes read, %d planned, first difference at %d"
                   % (what, len(got), len(want), at))


def send_and_read(s, out, most):
    """Send OUT and half-close from a thread while reading to end of file."""
    failed = []

    def writer():
        try:
            s.sendall(out)
            s.shutdown(socket.SHUT_WR)
        except OSError as e:
            failed.append(e)

    t = threading.Thread(target=writer)
    t.start()
    try:
        got = read_to_eof(s, most)
    finally:
        t.join()
    if failed:
        raise failed[0]
    return got


def rounds(s, c, mine, theirs, first):
    """The pingpong pieces; FIRST is True on the end that sends first."""
    mo = to = 0
    for up_len, down_len in c.pieces:
        n_mine, n_theirs = (up_len, down_len) if first else (down_len, up_len)
        if first:
            s.sendall(mine[mo:mo + n_mine])
            expect_bytes("piece", read_exactly(s, n_theirs),
                         theirs[to:to + n_theirs])
        else:
            expect_bytes("piece", read_exactly(s, n_theirs),
                         theirs[to:to + n_theirs])
            s.sendall(mine[mo:mo + n_mine])
        mo += n_mine
        to += n_theirs


# --- the two ends ---------------------------------------------------------

def serve(s, c):
    if c.mode == "reqresp":
        expect_bytes("request", read_to_eof(s, len(c.up)), c.up)
        s.sendall(c.down)
    elif c.mode == "duplex":
        expect_bytes("upload", send_and_read(s, c.down, len(c.up)), c.up)
    elif c.mode == "pingpong":
        rounds(s, c, c.down, c.up, False)
        expect_bytes("after the rounds", read_to_eof(s, 0), b"")
    elif c.mode == "rst":
        expect_bytes("request", read_exactly(s, len(c.up)), c.up)
        s.sendall(c.down)
        # the client's RST may be lost on an impaired path and never
        # resent (RFC 9293 3.10.7.4: a RST is not acknowledged)
        s.settimeout(2.0)
        try:
            while s.recv(CHUNK):
                pass
        except (ConnectionResetError, socket.timeout):
            pass
    elif c.mode == "srvclose":
        expect_bytes("request", read_exactly(s, len(c.up)), c.up)
        s.sendall(c.down)


def visit(c, o):
    fam = socket.AF_INET6 if ":" in o.server else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((o.ip, c.cport))
        s.settimeout(o.io_timeout)
        s.connect((o.server, c.sport))
        if c.mode == "reqresp":
            s.sendall(c.up)
            s.shutdown(socket.SHUT_WR)
            expect_bytes("response", read_to_eof(s, len(c.down)), c.down)
        elif c.mode == "duplex":
            expect_bytes("download", send_and_read(s, c.up, len(c.down)),
                         c.down)
        elif c.mode == "pingpong":
            rounds(s, c, c.up, c.down, True)
            s.shutdown(socket.SHUT_WR)
            expect_bytes("after the rounds", read_to_eof(s, 0), b"")
        elif c.mode == "rst":
            s.sendall(c.up)
            expect_bytes("response", read_exactly(s, len(c.down)), c.down)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack("ii", 1, 0))
        elif c.mode == "srvclose":
            s.sendall(c.up)
            expect_bytes("response", read_to_eof(s, len(c.down)), c.down)
    finally:
        s.close()


class Errors:
    def __init__(self):
        self.lock = threading.Lock()
        self.lines = []
        self.done = 0

    def add(self, text):
        with self.lock:
            self.lines.append(text)

    def finished(self):
        with self.lock:
            self.done += 1

    def report(self):
        for line in self.lines:
            print("live_traffic.py: " + line, file=sys.stderr)
        return 1 if self.lines else 0


def server(o):
    by_port = {c.cport: c for c in make_plan(o)}
    fam = socket.AF_INET6 if ":" in o.ip else socket.AF_INET
    errs = Errors()
    listeners = []
    for port in sorted(set(o.ports)):
        ls = socket.socket(fam, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind((o.ip, port))
        ls.listen(128)
        listeners.append(ls)

    def one(s, peer):
        c = by_port.get(peer[1])
        try:
            if c is None:
                raise Mismatch("a connection not in the plan")
            s.settimeout(o.io_timeout)
            serve(s, c)
        except (OSError, Mismatch) as e:
            errs.add("server, port %d: %s" % (peer[1], e))
        finally:
            s.close()
            errs.finished()

    def accept(ls):
        while True:
            try:
                s, peer = ls.accept()
            except OSError:
                return
            threading.Thread(target=one, args=(s, peer), daemon=True).start()

    for ls in listeners:
        threading.Thread(target=accept, args=(ls,), daemon=True).start()
    with open(o.ready, "w") as f:
        f.write("listening\n")
    deadline = time.monotonic() + o.timeout
    while errs.done < len(by_port) and time.monotonic() < deadline:
        time.sleep(0.02)
    for ls in listeners:
        ls.close()
    if errs.done < len(by_port):
        errs.add("%d of %d connections done in %g s"
                 % (errs.done, len(by_port), o.timeout))
    return errs.report()


def client(o):
    plan = make_plan(o)
    todo = list(reversed(plan))
    errs = Errors()

    def worker():
        while True:
            with errs.lock:
                if not todo:
                    return
                c = todo.pop()
            try:
                visit(c, o)
            except (OSError, Mismatch) as e:
                errs.add("client, conn %d (%s, port %d): %s"
                         % (c.i, c.mode, c.cport, e))

    threads = [threading.Thread(target=worker, daemon=True)
               for _ in range(max(1, o.parallel))]
    for t in threads:
        t.start()
    deadline = time.monotonic() + o.timeout
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    if any(t.is_alive() for t in threads):
        errs.add("not done in %g s" % o.timeout)
    if errs.report():
        return 1
    if o.expect:
        write_truth(plan, o.ip, o.server, o.expect)
    return 0


def write_truth(plan, cip, sip, outdir):
    tree = oracle_layout.Tree()
    for c in plan:
        tree.add(oracle_layout.endpoint(cip, c.cport),
                 oracle_layout.endpoint(sip, c.sport), c.up, c.down)
    tree.write(outdir)
    modes = {}
    for c in plan:
        modes[c.mode] = modes.get(c.mode, 0) + 1
    n, ab, ba = tree.totals()
    print("conns %d, bytes up %d, down %d, modes %s" % (
        n, ab, ba, " ".join("%s:%d" % m for m in sorted(modes.items()))))


def expect(o):
    write_truth(make_plan(o), o.client, o.server, o.outdir)
    return 0


# --- options --------------------------------------------------------------

def sizes(text):
    lo, _, hi = text.partition(":")
    lo, hi = int(lo), int(hi or lo)
    if lo < 0 or hi < lo:
        raise argparse.ArgumentTypeError("bad size range %r" % text)
    return lo, hi


def modes(text):
    got = tuple(m for m in text.split(",") if m)
    bad = [m for m in got if m not in MODES]
    if bad or not got:
        raise argparse.ArgumentTypeError(
            "modes are among %s" % ",".join(MODES))
    return got


def ports(text):
    got = [int(p) for p in text.split(",") if p]
    if not got or any(p <= 0 or p > 65535 for p in got):
        raise argparse.ArgumentTypeError("bad port list %r" % text)
    return got


def parse(argv):
    ap = argparse.ArgumentParser(prog="live_traffic.py")
    ap.add_argument("role", choices=("server", "client", "expect"))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--conns", type=int, default=8)
    ap.add_argument("--up", type=sizes, default=(1000, 20000))
    ap.add_argument("--down", type=sizes, default=(1000, 60000))
    ap.add_argument("--modes", type=modes, default=MODES)
    ap.add_argument("--ports", type=ports, default=[8080])
    ap.add_argument("--cport-base", type=int, default=40000)
    ap.add_argument("--ip")
    ap.add_argument("--server")
    ap.add_argument("--client")
    ap.add_argument("--parallel", type=int, default=4)
    ap.add_argument("--ready")
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--io-timeout", type=float, default=30.0)
    ap.add_argument("--expect")
    ap.add_argument("--outdir")
    o = ap.parse_args(argv)
    if o.conns < 1 or o.cport_base < 1 or o.cport_base + o.conns > 65536:
        ap.error("--conns and --cport-base must give ports 1..65535")
    need = {"server": ("ip", "ready"), "client": ("ip", "server"),
            "expect": ("client", "server", "outdir")}[o.role]
    for k in need:
        if getattr(o, k) is None:
            ap.error("%s needs --%s" % (o.role, k))
    return o


def main(argv):
    o = parse(argv)
    return {"server": server, "client": client, "expect": expect}[o.role](o)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
