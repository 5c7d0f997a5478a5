"""A relay on 127.0.0.1 that keeps what each side of a connection sent,
for the scripts that capture test vectors (make-tls13-hellos.sh,
make-ssh-hellos.sh, through capture.sh):
  python3 relay.py LPORT DPORT OUT all|first
It passes each connection accepted on LPORT to DPORT on 127.0.0.1, one
at a time, and when it ends (or is idle for 10 s) appends a line
"CLIENTHEX SERVERHEX" to OUT: with "all", every byte each side sent; with
"first", the client's first flight (every byte it sent before the server's
first byte) and the server's first flight (every byte it sent before the
client's second flight).  It prints "relay: ready" once it listens."""
import select
import socket
import sys


def kept(mode, phase, from_client):
    """Whether a read is kept, and the phase after it: 0 the client's first
    flight, 1 the server's first flight, 2 done ("first" mode)."""
    if mode == "all":
        return True, phase
    if from_client:
        return phase == 0, 2 if phase == 1 else phase
    phase = 1 if phase == 0 else phase
    return phase == 1, phase


def relay(c, dport, mode):
    """Relay the connection ${c}; return the bytes kept of each side."""
    s = socket.create_connection(("127.0.0.1", dport))
    sent = {c: b"", s: b""}
    peer = {c: s, s: c}
    live = [c, s]
    phase = 0
    while live:
        r, _, _ = select.select(live, [], [], 10)
        if not r:
            break
        for a in r:
            try:
                d = a.recv(65536)
            except ConnectionResetError:
                d = b""
            if not d:
                live.remove(a)
                try:
                    peer[a].shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                continue
            keep, phase = kept(mode, phase, a is c)
            if keep:
                sent[a] += d
            try:
                peer[a].sendall(d)
            except OSError:
                pass
    s.close()
    return sent[c], sent[s]


def main():
    lport, dport, out, mode = (int(sys.argv[1]), int(sys.argv[2]),
                               sys.argv[3], sys.argv[4])
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", lport))
    ls.listen(8)
    print("relay: ready", flush=True)
    while True:
        c, _ = ls.accept()
        cli, srv = relay(c, dport, mode)
        c.close()
        with open(out, "a") as f:
            f.write(cli.hex() + " " + srv.hex() + "\n")


main()
