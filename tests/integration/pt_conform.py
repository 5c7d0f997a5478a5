#!/usr/bin/python3
"""dust pt against the Pluggable Transports interface, version 1.

tests/ptdriver.py starts dust pt as tor does (the TOR_PT_* environment,
stdout read line by line, stdin a pipe) and checks:
  - the version exchange: VERSION 1, or VERSION-ERROR no-version alone;
  - both roles' start-up lines in order (CMETHOD dust socks5 ADDR,
    CMETHODS DONE; SMETHOD dust ADDR ARGS:key=..,model=.., SMETHODS DONE);
  - each bad environment gets its -ERROR line (ENV-ERROR, PROXY-ERROR,
    CMETHOD-ERROR, SMETHOD-ERROR) with words naming the fault, 19 cases;
  - the server keeps its key in TOR_PT_STATE_LOCATION (the same ARGS after
    a restart) and writes dust_bridgeline.txt there, which dust invite
    --show reads;
  - a whole path: SOCKS5 with the SMETHOD's arguments in the RFC 1929
    username, the client transport, Dust, the server transport, and a
    fake Extended ORPort (SAFE_COOKIE checked) that saw TRANSPORT=dust and
    USERADDR=127.0.0.1:PORT and echoes 64 KiB back unchanged (the built-in
    model cover: the built-in http one carries about 20 KB/s); a STATUS
    line on the client;
  - bad per-bridge arguments (no key, a mistyped key, an unknown
    argument, a broken k=v list) are refused with SOCKS reply 2 and a LOG
    line naming the fault;
  - through an upstream SOCKS5 proxy (TOR_PT_PROXY with a username and
    password, %-escaped): PROXY DONE, and the Dust connections go to the
    bridge through it (32 KiB echoed); an http proxy gets PROXY-ERROR;
  - closing stdin ends both roles (exit 0 within 10 s) when
    TOR_PT_EXIT_ON_STDIN_CLOSE=1, and does not when it is 0.
Loopback only.  Exit 0 on success."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.environ.get("DUST_ROOT", os.getcwd())
BIN = os.environ.get("DUST_BIN", os.path.join(ROOT, "build", "bin"))
sys.path.insert(0, os.path.join(ROOT, "tests"))
import ptdriver  # noqa: E402
import testlib  # noqa: E402

DUST = os.path.join(BIN, "dust")
failures = []


T0 = time.time()


def mark(what):
    print("%6.1f s  %s" % (time.time() - T0, what))


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL: " + what)
    return cond


def base_env(**kw):
    """A transport's whole environment: TOR_PT_* and what the test run
    needs (sanitizer options, the leftover token), nothing else."""
    env = {k: v for k, v in os.environ.items()
           if k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "DUST_TEST_TOKEN",
                    "PATH")}
    env["DUST_MODEL_DIR"] = os.path.join(ROOT, "models")
    env.update({k: v for k, v in kw.items() if v is not None})
    return env


def run_case(name, env, want_last, words=(), first=None):
    """Start dust pt with ${env}; its last start-up line must start with
    ${want_last} and hold every one of ${words}; ${first}, if given, the
    exact first line.  The process must end by itself within 10 s."""
    pt = ptdriver.PT([DUST, "pt"], env, stderr=subprocess.DEVNULL)
    lines = pt.read_lines(15)
    pt.close_stdin()
    rc = pt.wait(10)
    pt.stop()
    last = lines[-1] if lines else ""
    ok = check(last.startswith(want_last) and
               all(w in last for w in words),
               "%s: last line %r, want %r with %r" % (name, last, want_last,
                                                      words))
    if first is not None:
        ok &= check(lines[:1] == [first], "%s: first line %r, want %r" %
                    (name, lines[:1], first))
    check(rc is not None and rc != 0,
          "%s: exit code %r, want a failure" % (name, rc))
    return ok


def main():
    tmp = tempfile.mkdtemp(prefix="pt_conform.")
    procs = []
    fake = None
    try:
        return body(tmp, procs)
    finally:
        for p in procs:
            p.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def body(tmp, procs):
    state = os.path.join(tmp, "state")
    cstate = os.path.join(tmp, "cstate")
    cookie = os.urandom(32)
    cookie_file = os.path.join(tmp, "cookie")
    with open(cookie_file, "wb") as f:
        f.write(ptdriver.ext.cookie_file(cookie))
    bad_cookie = os.path.join(tmp, "badcookie")
    with open(bad_cookie, "wb") as f:
        f.write(ptdriver.ext.cookie_file(cookie)[:63])
    V = "TOR_PT_MANAGED_TRANSPORT_VER"
    S = "TOR_PT_STATE_LOCATION"
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    busy_port = busy.getsockname()[1]
    orport = "127.0.0.1:%d" % testlib.free_port()

    def client(**kw):
        d = {V: "1", S: cstate, "TOR_PT_CLIENT_TRANSPORTS": "dust",
             "TOR_PT_EXIT_ON_STDIN_CLOSE": "1"}
        d.update(kw)
        return base_env(**d)

    def server(**kw):
        d = {V: "1", S: state, "TOR_PT_SERVER_TRANSPORTS": "dust",
             "TOR_PT_SERVER_BINDADDR": "dust-127.0.0.1:0",
             "TOR_PT_ORPORT": orport, "TOR_PT_EXIT_ON_STDIN_CLOSE": "1"}
        d.update(kw)
        return base_env(**d)

    # The version exchange.
    run_case("version 2", client(**{V: "2"}), "VERSION-ERROR no-version",
             first="VERSION-ERROR no-version")
    run_case("version list without 1", server(**{V: "2,3"}),
             "VERSION-ERROR no-version", first="VERSION-ERROR no-version")
    run_case("no version", client(**{V: None}), "ENV-ERROR",
             ("TOR_PT_MANAGED_TRANSPORT_VER",))
    # Bad environments.
    mark('Bad environments.')
    run_case("no state location", client(**{S: None}), "ENV-ERROR",
             ("TOR_PT_STATE_LOCATION",), first="VERSION 1")
    run_case("relative state location", server(**{S: "state"}),
             "ENV-ERROR", ("TOR_PT_STATE_LOCATION",))
    run_case("no role", base_env(**{V: "1", S: state}), "ENV-ERROR")
    run_case("bad stdin flag", client(TOR_PT_EXIT_ON_STDIN_CLOSE="yes"),
             "ENV-ERROR", ("TOR_PT_EXIT_ON_STDIN_CLOSE",))
    run_case("unknown client transport",
             client(TOR_PT_CLIENT_TRANSPORTS="obfs9"),
             "CMETHODS DONE")
    run_case("http proxy", client(TOR_PT_PROXY="http://127.0.0.1:3128"),
             "PROXY-ERROR", ("socks5",))
    run_case("bad proxy", client(TOR_PT_PROXY="ftp://127.0.0.1:21"),
             "PROXY-ERROR", ("proxy type",))
    run_case("bad bind address",
             server(TOR_PT_SERVER_BINDADDR="dust-localhost:80"),
             "ENV-ERROR", ("TOR_PT_SERVER_BINDADDR",))
    run_case("bind address in use", server(
        TOR_PT_SERVER_BINDADDR="dust-127.0.0.1:%d" % busy_port),
        "SMETHODS DONE")
    run_case("no ORPort", server(TOR_PT_ORPORT=None), "ENV-ERROR")
    busy.close()
    # Errors reported on SMETHOD-ERROR: look at the line before DONE.
    for name, kw, words in [
            ("unknown option",
             {"TOR_PT_SERVER_TRANSPORT_OPTIONS": "dust:colour=red"},
             ("colour",)),
            ("model not installed",
             {"TOR_PT_SERVER_TRANSPORT_OPTIONS": "dust:model=nosuch"},
             ("nosuch",)),
            ("bad cookie file",
             {"TOR_PT_EXTENDED_SERVER_PORT": orport,
              "TOR_PT_AUTH_COOKIE_FILE": bad_cookie}, ("cookie",)),
            ("bind address in use",
             {"TOR_PT_SERVER_BINDADDR": "dust-%s" % orport_busy()},
             ("listen",)),
            ("unknown server transport",
             {"TOR_PT_SERVER_TRANSPORTS": "obfs9",
              "TOR_PT_SERVER_BINDADDR": "obfs9-127.0.0.1:0"},
             ("obfs9",))]:
        pt = ptdriver.PT([DUST, "pt"], server(**kw),
                         stderr=subprocess.DEVNULL)
        lines = pt.read_lines(15)
        pt.stop()
        errs = [x for x in lines if x.startswith("SMETHOD-ERROR")]
        check(errs and all(w in errs[0] for w in words) and
              lines[-1] == "SMETHODS DONE" and
              not any(x.startswith("SMETHOD ") for x in lines),
              "%s: lines %r, want SMETHOD-ERROR with %r" % (name, lines,
                                                            words))
    for name, kw, want in [
            ("client dust and an unknown one",
             {"TOR_PT_CLIENT_TRANSPORTS": "obfs9,dust"}, "obfs9")]:
        pt = ptdriver.PT([DUST, "pt"], client(**kw),
                         stderr=subprocess.DEVNULL)
        procs.append(pt)
        lines = pt.read_lines(15)
        check(lines[0] == "VERSION 1" and
              lines[1].startswith("CMETHOD-ERROR obfs9 ") and
              lines[2].startswith("CMETHOD dust socks5 127.0.0.1:") and
              lines[3] == "CMETHODS DONE",
              "%s: lines %r" % (name, lines))
        pt.stop()

    # The server, with a fake ExtORPort; its key and bridge line.
    mark('The server, with a fake ExtORPort; its key and bridge line.')
    fake = ptdriver.FakeExtORPort(cookie)
    ext = "127.0.0.1:%d" % fake.port
    senv = server(TOR_PT_ORPORT="", TOR_PT_EXTENDED_SERVER_PORT=ext,
                  TOR_PT_AUTH_COOKIE_FILE=cookie_file,
                  TOR_PT_SERVER_TRANSPORT_OPTIONS="dust:model=cover")
    args1 = start_server(senv, procs, stop=True)
    srv, args = start_server(senv, procs)
    check(args1[1] == args[1], "the key changed across a restart: %r, %r"
          % (args1[1], args[1]))
    with open(os.path.join(state, "dust_bridgeline.txt")) as f:
        bl = [x for x in f.read().splitlines() if x.startswith("Bridge ")]
    check(len(bl) == 1 and bl[0].startswith(
        "Bridge dust 127.0.0.1:%d <FINGERPRINT> key=" % args[0]),
        "bridge line file: %r" % bl)
    if bl:
        line = bl[0].replace("<FINGERPRINT>", "AB" * 20)
        check(len(line) < 250, "bridge line of %d characters" % len(line))
        out = subprocess.run([DUST, "invite", "--show", line],
                             capture_output=True, text=True)
        check(out.returncode == 0 and '"model": "cover"' in
              out.stdout, "dust invite --show of the bridge line: %r" %
              (out.stdout + out.stderr))

    # The client, and a whole path through both.
    mark('The client, and a whole path through both.')
    cl = ptdriver.PT([DUST, "pt", "-v"], client())
    procs.append(cl)
    clines = cl.read_lines(15)
    check(len(clines) == 3 and clines[0] == "VERSION 1" and
          clines[2] == "CMETHODS DONE", "client lines %r" % clines)
    cm = ptdriver.method_addr(clines, "CMETHOD")
    if not check(cm is not None and cm[0] == "127.0.0.1",
                 "no CMETHOD on 127.0.0.1: %r" % clines):
        return 1
    sargs = args[1].replace(",", ";")
    s, code = ptdriver.socks_connect(cm[1], "127.0.0.1", args[0], sargs)
    if check(code == 0, "SOCKS reply %d for good arguments" % code):
        data = os.urandom(64 * 1024)
        s.sendall(data)
        back = ptdriver.recv_n(s, len(data))
        check(back == data, "echo through Dust: %d of %d bytes, %s" %
              (len(back), len(data), "equal" if back == data[:len(back)]
               else "different"))
        s.close()
    time.sleep(0.5)
    check(fake.seen and fake.seen[0].get(ptdriver.ext.TRANSPORT) == "dust",
          "ExtORPort TRANSPORT: %r (errors %r)" % (fake.seen, fake.errors))
    ua = fake.seen[0].get(ptdriver.ext.USERADDR, "") if fake.seen else ""
    check(ua.startswith("127.0.0.1:") and ua != "127.0.0.1:%d" % args[0],
          "ExtORPort USERADDR %r" % ua)
    status = [x for x in cl.more_lines(1.0) if x.startswith("STATUS ")]
    check(any("TRANSPORT=dust" in x and "CONNECT=Success" in x
              for x in status), "client STATUS lines %r" % status)

    # Through an upstream SOCKS5 proxy with a username and password.
    mark('Through an upstream SOCKS5 proxy with a username and password.')
    proxy = ptdriver.Socks5Proxy("tor user", "p:ss")
    px = ptdriver.PT([DUST, "pt", "-v"], client(
        TOR_PT_PROXY="socks5://tor%%20user:p%%3Ass@127.0.0.1:%d" %
        proxy.port, TOR_PT_STATE_LOCATION=cstate + "2"))
    procs.append(px)
    plines = px.read_lines(15)
    check(len(plines) == 4 and plines[1] == "PROXY DONE" and
          plines[3] == "CMETHODS DONE", "proxied client lines %r" % plines)
    pm = ptdriver.method_addr(plines, "CMETHOD")
    if pm is not None:
        s, code = ptdriver.socks_connect(pm[1], "127.0.0.1", args[0], sargs)
        if check(code == 0, "SOCKS reply %d through the proxy" % code):
            data = os.urandom(32 * 1024)
            s.sendall(data)
            back = ptdriver.recv_n(s, len(data))
            check(back == data, "echo through the proxy: %d of %d bytes" %
                  (len(back), len(data)))
            s.close()
    check(proxy.dests and set(proxy.dests) ==
          {"127.0.0.1:%d" % args[0]} and not proxy.errors,
          "the proxy saw %r (errors %r)" % (proxy.dests, proxy.errors))
    px.stop()
    proxy.close()

    # Bad per-bridge arguments: SOCKS reply 2 and a LOG naming the fault.
    mark('Bad per-bridge arguments: SOCKS reply 2 and a LOG naming the fault.')
    key = [x for x in sargs.split(";") if x.startswith("key=")][0]
    for name, a, word in [("no key", "model=http", "key="),
                          ("mistyped key", key[:-2] + ";model=http",
                           "key="),
                          ("unknown argument", key + ";colour=red",
                           "colour"),
                          ("broken list", key + ";;", "empty"),
                          ("no authentication", None, "key=")]:
        s, code = ptdriver.socks_connect(cm[1], "127.0.0.1", args[0], a)
        logs = [x for x in cl.more_lines(1.0) if x.startswith("LOG ")]
        check(code == 2 and any(word in x for x in logs),
              "%s: SOCKS reply %d, LOG lines %r" % (name, code, logs))
        if s is not None and code == 0:
            s.close()

    # Closing stdin ends both; with the flag 0 it does not.
    mark('Closing stdin ends both; with the flag 0 it does not.')
    for pt, name in ((cl, "client"), (srv, "server")):
        pt.close_stdin()
        rc = pt.wait(10)
        check(rc == 0, "%s: exit code %r 10 s after stdin closed" %
              (name, rc))
    stay = ptdriver.PT([DUST, "pt"], client(TOR_PT_EXIT_ON_STDIN_CLOSE="0"),
                       stderr=subprocess.DEVNULL)
    procs.append(stay)
    stay.read_lines(15)
    stay.close_stdin()
    check(stay.wait(2) is None, "TOR_PT_EXIT_ON_STDIN_CLOSE=0: exited "
          "when stdin closed")
    stay.p.terminate()
    check(stay.wait(10) == 0, "SIGTERM did not end it cleanly")
    mark("done")
    fake.close()
    check(not fake.errors, "ExtORPort errors: %r" % fake.errors)
    return 1 if failures else 0


def orport_busy():
    """An address something listens on (for the lifetime of the test)."""
    global _busy
    _busy = socket.socket()
    _busy.bind(("127.0.0.1", 0))
    _busy.listen(1)
    return "127.0.0.1:%d" % _busy.getsockname()[1]


def start_server(env, procs, stop=False):
    """Start the server transport; return (port, ARGS) of its SMETHOD
    (and with ${stop}, stop it first), else (pt, (port, ARGS))."""
    pt = ptdriver.PT([DUST, "pt", "-v"], env)
    procs.append(pt)
    lines = pt.read_lines(20)
    sm = ptdriver.method_addr(lines, "SMETHOD")
    check(sm is not None and lines[-1] == "SMETHODS DONE" and
          sm[2].startswith("ARGS:key=") and sm[2].endswith(",model=cover"),
          "server lines %r" % lines)
    res = (sm[1], sm[2][len("ARGS:"):]) if sm else (0, "")
    if stop:
        pt.stop()
        return res
    return pt, res


if __name__ == "__main__":
    sys.exit(main())
