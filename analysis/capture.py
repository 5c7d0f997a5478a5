"""Connections of a capture, as `dust model check` extracted them.

The C side (lib/capture/conntrack.c through dust/model_check.c) reads the
pcap and writes observed.json / against.json; this module turns one into
Conn objects.  Direction 0 is client to server, 1 server to client.
"""
import json

import numpy as np


class Conn:
    """One TCP connection: its first data segment each way, its
    data-carrying segments (time from the connection's start, direction,
    TCP payload length), and whether it parses as TLS 1.3 (its client's
    first flight a ClientHello with a server_name, its server's a
    ServerHello and the records after it: the C parsers of
    lib/format/tlshello.c), or as SSH-2 (both sides' starts, identification
    to NEWKEYS: lib/format/sshhello.c)."""

    def __init__(self, d):
        self.t0 = d["t0"]
        self.duration = max(0.0, d["t1"] - d["t0"])
        self.first = [bytes.fromhex(d["first_c2s"]),
                      bytes.fromhex(d["first_s2c"])]
        self.first_len = [d["first_c2s_len"], d["first_s2c_len"]]
        self.tls = bool(d.get("tls", 0))
        self.ssh = bool(d.get("ssh", 0))
        p = np.array(d["pkts"], dtype=float).reshape(-1, 3)
        self.ts = p[:, 0]
        self.dir = p[:, 1].astype(int)
        self.len = p[:, 2].astype(int)

    def lengths(self, direction):
        return self.len[self.dir == direction]

    def gaps(self, direction):
        """Seconds between consecutive data segments of one direction."""
        t = self.ts[self.dir == direction]
        return np.diff(t) if len(t) > 1 else np.zeros(0)

    def per_second(self, direction):
        """Data segments of one direction in each second of the
        connection's life (as dust model learn counts them)."""
        n = max(1, int(np.ceil(self.duration)))
        t = self.ts[self.dir == direction]
        idx = np.clip(np.floor(t).astype(int), 0, n - 1)
        return np.bincount(idx, minlength=n)


class Capture:
    def __init__(self, path):
        with open(path) as f:
            d = json.load(f)
        self.name = d["capture"]
        self.port = d["port"]
        self.bytes = [np.array(b, dtype=float) for b in d["bytes"]]
        # Connections that carried data from the client (the detectors
        # look at the client's first data segment).
        self.all = [Conn(c) for c in d["conns"]]
        self.conns = [c for c in self.all if len(c.first[0]) > 0]

    def tls_share(self):
        """The share of the connections that parse as TLS 1.3: the
        censor's parse test."""
        return (sum(c.tls for c in self.conns) / len(self.conns)
                if self.conns else float("nan"))

    def ssh_share(self):
        """The share of the connections that parse as SSH-2."""
        return (sum(c.ssh for c in self.conns) / len(self.conns)
                if self.conns else float("nan"))

    def lengths(self, direction):
        return np.concatenate([c.lengths(direction) for c in self.conns]
                              + [np.zeros(0, dtype=int)])

    def gaps(self, direction):
        return np.concatenate([c.gaps(direction) for c in self.conns]
                              + [np.zeros(0)])

    def per_second(self, direction):
        return np.concatenate([c.per_second(direction) for c in self.conns]
                              + [np.zeros(0, dtype=int)])

    def durations_ms(self):
        # Whole milliseconds, at least 1, as dust model learn writes them.
        return np.array([max(1.0, round(c.duration * 1000))
                         for c in self.conns])
