#!/usr/bin/python3
"""impair_relay.py -- a user-space impairing bridge between two interfaces.

usage: impair_relay.py IFACE_A IFACE_B --seed N [--loss P] [--reorder P]
                       [--dup P] [--delay MS] [--reorder-delay MS]
                       [--stats FILE]

Every Ethernet frame received on one interface (packet(7), AF_PACKET raw
sockets) is sent out of the other.  Only IPv4 and IPv6 frames carrying
TCP are impaired, so that ARP and neighbour discovery never stall:

  --loss P           P percent of TCP frames are dropped
  --reorder P        P percent are held back --reorder-delay ms (default 3)
                     so that frames behind them overtake them
  --dup P            P percent are sent twice
  --delay MS         every TCP frame waits MS ms (both directions)

Each direction draws its decisions from a generator of its own, seeded
from --seed and the direction, so a run is repeatable as far as the
frame sequence is.  The tests use it where the kernel has no sch_netem
(tc-netem(8)).  SIGTERM or SIGINT flush the frames still held, write the
per-direction counters as JSON to --stats and end the relay with status 0.

Python 3 standard library only.
"""

import argparse
import heapq
import json
import random
import select
import signal
import socket
import sys
import time

ETH_P_ALL = 0x0003          # linux/if_ether.h: every protocol
PACKET_OUTGOING = 4         # linux/if_packet.h: a frame this host sent
SO_RCVBUFFORCE = 33         # socket(7), needs CAP_NET_ADMIN
ETHERTYPE_IPV4 = 0x0800
ETHERTYPE_IPV6 = 0x86DD
VLAN_TAGS = (0x8100, 0x88A8)    # IEEE 802.1Q and 802.1ad
IPPROTO_TCP = 6
FRAME_MAX = 65536 + 64
BATCH = 64


def tcp_frame(frame):
    """True for an IPv4 or IPv6 frame whose next protocol is TCP.

    IPv6 extension headers are not walked: a TCP segment behind one is
    forwarded unimpaired, which only makes the impairment milder.
    """
    off = 12
    if len(frame) < off + 2:
        return False
    etype = int.from_bytes(frame[off:off + 2], "big")
    while etype in VLAN_TAGS and len(frame) >= off + 6:
        off += 4
        etype = int.from_bytes(frame[off:off + 2], "big")
    ip = off + 2
    if etype == ETHERTYPE_IPV4 and len(frame) >= ip + 20:
        return frame[ip + 9] == IPPROTO_TCP       # RFC 791 protocol
    if etype == ETHERTYPE_IPV6 and len(frame) >= ip + 40:
        return frame[ip + 6] == IPPROTO_TCP       # RFC 8200 next header
    return False


def packet_socket(ifname):
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                         socket.htons(ETH_P_ALL))
    try:
        sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
    except OSError:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    sock.bind((ifname, 0))
    sock.setblocking(False)
    return sock


class Direction:
    """Frames read on one interface, impaired, written on the other."""

    def __init__(self, name, rx, tx, seed, opts):
        self.name = name
        self.rx = rx
        self.tx = tx
        self.rng = random.Random("impair_relay %d %s" % (seed, name))
        self.opts = opts
        self.count = {"frames": 0, "tcp": 0, "forwarded": 0, "dropped": 0,
                      "reordered": 0, "duplicated": 0, "send_errors": 0}

    def chance(self, percent):
        # one draw per decision, whatever the percentage, so that changing
        # one knob does not shift the others' decisions
        return self.rng.random() * 100.0 < percent

    def send(self, frame):
        try:
            self.tx.send(frame)
            self.count["forwarded"] += 1
        except OSError:
            self.count["send_errors"] += 1

    def receive(self, queue):
        """Read up to BATCH frames; return how many were read.

        Bounded, so that a busy direction does not keep held frames of
        either direction past their time.
        """
        got = 0
        while got < BATCH:
            try:
                frame, addr = self.rx.recvfrom(FRAME_MAX)
            except (BlockingIOError, InterruptedError):
                break
            if addr[2] == PACKET_OUTGOING:
                continue        # our own transmission seen on this leg
            got += 1
            self.count["frames"] += 1
            if not tcp_frame(frame):
                self.send(frame)
                continue
            self.impair(frame, queue)
        return got

    def impair(self, frame, queue):
        o = self.opts
        self.count["tcp"] += 1
        lose = self.chance(o.loss)
        hold = self.chance(o.reorder)
        twice = self.chance(o.dup)
        if lose:
            self.count["dropped"] += 1
            return
        due = time.monotonic() + o.delay / 1000.0
        if hold:
            self.count["reordered"] += 1
            due += o.reorder_delay / 1000.0
        if due <= time.monotonic() and not twice:
            self.send(frame)
            return
        queue.push(due, self, frame)
        if twice:
            self.count["duplicated"] += 1
            queue.push(due + 0.0001, self, frame)


class Queue:
    """Frames waiting for their time, earliest first, FIFO among equals."""

    def __init__(self):
        self.heap = []
        self.serial = 0

    def push(self, due, direction, frame):
        self.serial += 1
        heapq.heappush(self.heap, (due, self.serial, direction, frame))

    def release(self, now):
        while self.heap and self.heap[0][0] <= now:
            _, _, direction, frame = heapq.heappop(self.heap)
            direction.send(frame)

    def flush(self):
        self.release(float("inf"))

    def wait_ms(self, now):
        if not self.heap:
            return 100
        return max(0, int((self.heap[0][0] - now) * 1000.0 + 0.999))


def percent(text):
    v = float(text)
    if not 0.0 <= v <= 100.0:
        raise argparse.ArgumentTypeError("%s is not a percentage" % text)
    return v


def millis(text):
    v = float(text)
    if v < 0.0:
        raise argparse.ArgumentTypeError("%s ms is negative" % text)
    return v


def parse(argv):
    ap = argparse.ArgumentParser(
        prog="impair_relay.py",
        usage="%(prog)s IFACE_A IFACE_B --seed N [--loss P] [--reorder P]"
              " [--dup P] [--delay MS] [--reorder-delay MS] [--stats FILE]",
        description="Forward frames between two interfaces, impairing TCP.")
    ap.add_argument("iface_a", metavar="IFACE_A")
    ap.add_argument("iface_b", metavar="IFACE_B")
    ap.add_argument("--seed", metavar="N", type=int, required=True)
    ap.add_argument("--loss", metavar="P", type=percent, default=0.0,
                    help="percent of TCP frames dropped")
    ap.add_argument("--reorder", metavar="P", type=percent, default=0.0,
                    help="percent of TCP frames held back")
    ap.add_argument("--dup", metavar="P", type=percent, default=0.0,
                    help="percent of TCP frames sent twice")
    ap.add_argument("--delay", metavar="MS", type=millis, default=0.0,
                    help="ms added to every TCP frame")
    ap.add_argument("--reorder-delay", metavar="MS", type=millis,
                    default=3.0, help="ms a held frame waits (default 3)")
    ap.add_argument("--stats", metavar="FILE",
                    help="counters as JSON, written at SIGTERM/SIGINT")
    args = ap.parse_args(argv)
    if args.iface_a == args.iface_b:
        ap.error("IFACE_A and IFACE_B must differ")
    return args


def write_stats(path, dirs, started):
    out = {d.name: d.count for d in dirs}
    out["seconds"] = round(time.monotonic() - started, 3)
    text = json.dumps(out, indent=1, sort_keys=True) + "\n"
    if path:
        with open(path, "w") as f:
            f.write(text)


def run(args):
    try:
        sa = packet_socket(args.iface_a)
        sb = packet_socket(args.iface_b)
    except OSError as e:
        print("impair_relay.py: %s" % e, file=sys.stderr)
        return 1
    ab = Direction("a_to_b", sa, sb, args.seed, args)
    ba = Direction("b_to_a", sb, sa, args.seed, args)
    by_fd = {sa.fileno(): ab, sb.fileno(): ba}
    queue = Queue()
    stop = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.append(True))
    poller = select.poll()
    poller.register(sa, select.POLLIN)
    poller.register(sb, select.POLLIN)
    started = time.monotonic()
    while not stop:
        queue.release(time.monotonic())
        try:
            ready = poller.poll(queue.wait_ms(time.monotonic()))
        except InterruptedError:
            continue
        for fd, ev in ready:
            if ev & (select.POLLERR | select.POLLNVAL):
                print("impair_relay.py: %s: socket error"
                      % by_fd[fd].name, file=sys.stderr)
                stop.append(True)
                continue
            by_fd[fd].receive(queue)
    queue.flush()
    write_stats(args.stats, (ab, ba), started)
    return 0


if __name__ == "__main__":
    sys.exit(run(parse(sys.argv[1:])))
