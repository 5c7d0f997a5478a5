#!/usr/bin/python3
"""dust pt carrying a real tor client to a real tor bridge, in a private
Tor network on loopback that this test starts (TestingTorNetwork 1).

  - one directory authority (keys made with tor-gencert; votes every 10 s),
    two relays (one of them an exit that allows 127.0.0.1 only), all
    started here;
  - a bridge (BridgeRelay 1, PublishServerDescriptor 0) serving Dust
    through "ServerTransportPlugin dust exec dust pt" with an ExtORPort;
  - a client with UseBridges 1, the "Bridge dust ..." line read from
    dust_bridgeline.txt in the bridge's transport state directory (the
    fingerprint filled in from the bridge's), and
    "ClientTransportPlugin dust exec dust pt".
The client must bootstrap to 100% through the Dust bridge alone (it has no
other way in: UseBridges, one bridge) within BOOT_SECS, then fetch a 1 MiB
file of random bytes from an HTTP server of this test on 127.0.0.1
through its SOCKS port (and so through bridge, relay and exit), checked by
SHA-256; the bridge's tor must log the transport name "dust" that dust pt
gave it on the ExtORPort.  Skipped (exit 77) when tor or tor-gencert is
missing, or without root (the test runs in a network namespace of its own
with loopback alone).  Every process started is stopped.  Prints the
bootstrap time."""
import hashlib
import http.server
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.environ.get("DUST_ROOT", os.getcwd())
BIN = os.environ.get("DUST_BIN", os.path.join(ROOT, "build", "bin"))
sys.path.insert(0, os.path.join(ROOT, "tests"))
import testlib  # noqa: E402

DUST = os.path.join(BIN, "dust")
TOR = shutil.which("tor") or "/usr/sbin/tor"
GENCERT = shutil.which("tor-gencert")
BOOT_SECS = 240		# the client's bootstrap, at most
MODEL = "http-learned"

COMMON = """TestingTorNetwork 1
DataDirectory {dir}
RunAsDaemon 0
Log notice file {dir}/notice.log
SafeLogging 0
ShutdownWaitLength 0
Sandbox 0
DisableDebuggerAttachment 0
{dirauth}
"""

AUTH = """AuthoritativeDirectory 1
V3AuthoritativeDirectory 1
Nickname auth
Address 127.0.0.1
ORPort 127.0.0.1:{orport}
DirPort 127.0.0.1:{dirport}
SocksPort 0
ContactInfo auth@test.invalid
ExitRelay 0
AssumeReachable 1
TestingV3AuthInitialVotingInterval 10
TestingV3AuthInitialVoteDelay 2
TestingV3AuthInitialDistDelay 2
V3AuthVotingInterval 10
V3AuthVoteDelay 2
V3AuthDistDelay 2
TestingDirAuthVoteGuard *
TestingDirAuthVoteExit *
TestingDirAuthVoteHSDir *
"""

RELAY = """Nickname {nick}
Address 127.0.0.1
ORPort 127.0.0.1:{orport}
SocksPort 0
ContactInfo {nick}@test.invalid
AssumeReachable 1
{exit}
"""

# The exit accepts every address (a microdescriptor's policy summary says
# "accept" only then: tor's #11264), with its DNS on loopback and no
# hijacking test; the whole network runs in a network namespace of its
# own whose only interface is loopback, so nothing can leave it.
EXIT = """ExitRelay 1
ExitPolicyRejectPrivate 0
ExitPolicy accept *:*
ServerDNSDetectHijacking 0
ServerDNSResolvConfFile {resolv}"""

BRIDGE = """Nickname bridge
BridgeRelay 1
PublishServerDescriptor 0
Address 127.0.0.1
ORPort 127.0.0.1:{orport}
ExtORPort 127.0.0.1:{extport}
SocksPort 0
AssumeReachable 1
ContactInfo bridge@test.invalid
ServerTransportPlugin dust exec {dust} pt -M {models}
ServerTransportListenAddr dust 127.0.0.1:{ptport}
ServerTransportOptions dust model={model}
Log debug file {dir}/debug.log
"""

CLIENT = """UseBridges 1
{bridge}
ClientTransportPlugin dust exec {dust} pt -M {models}
SocksPort 127.0.0.1:{socks}
"""


def fail(msg):
    raise RuntimeError(msg)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def make_authority(d, dirport):
    """Keys of the authority in ${d}; return its v3 identity."""
    keys = os.path.join(d, "keys")
    os.makedirs(keys)
    r = subprocess.run(
        [GENCERT, "--create-identity-key", "-m", "12", "-a",
         "127.0.0.1:%d" % dirport,
         "-i", os.path.join(keys, "authority_identity_key"),
         "-s", os.path.join(keys, "authority_signing_key"),
         "-c", os.path.join(keys, "authority_certificate"),
         "--passphrase-fd", "0"], input=b"test\n", capture_output=True)
    if r.returncode != 0:
        fail("tor-gencert: %r" % r.stderr[-300:])
    with open(os.path.join(keys, "authority_certificate")) as f:
        m = re.search(r"^fingerprint ([0-9A-F]{40})$", f.read(), re.M)
    if not m:
        fail("no fingerprint in the authority certificate")
    return m.group(1)


def relay_fingerprint(d, orport):
    """The relay identity fingerprint of the data directory ${d} (made
    now)."""
    r = subprocess.run([TOR, "--list-fingerprint", "--DataDirectory", d,
                        "--ORPort", "127.0.0.1:%d" % orport, "--SocksPort",
                        "0", "--Log", "err stderr"], capture_output=True,
                       text=True)
    with open(os.path.join(d, "fingerprint")) as f:
        return f.read().split()[1]


def start_tor(d, torrc, procs):
    write(os.path.join(d, "torrc"), torrc)
    p = subprocess.Popen([TOR, "-f", os.path.join(d, "torrc")],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    procs.append(p)
    return p


def wait_for(what, secs, test, procs):
    """Wait until test() is true; fail after ${secs} or if a tor ended."""
    end = time.time() + secs
    while time.time() < end:
        v = test()
        if v:
            return v
        for p in procs:
            if p.poll() is not None:
                err = p.stderr.read().decode(errors="replace")[-500:]
                fail("%s: a tor exited (%d): %s" % (what, p.returncode,
                                                   err))
        time.sleep(0.5)
    fail("%s: not within %d s" % (what, secs))


def log_has(path, pattern):
    try:
        with open(path, errors="replace") as f:
            return re.search(pattern, f.read())
    except OSError:
        return None


class Files(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass


def in_namespace():
    """Run this test again in a network namespace of its own (loopback
    only, up); return its exit code, or None if we are in it now."""
    if os.environ.get("PT_TOR_NETNS") == "1":
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
        return None
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        print("SKIP: needs root and unshare for a network namespace")
        return 77
    env = dict(os.environ, PT_TOR_NETNS="1")
    return subprocess.call(["unshare", "--net", "--", sys.executable,
                            os.path.abspath(__file__)], env=env)


def main():
    if not os.path.exists(TOR) or GENCERT is None:
        print("SKIP: tor or tor-gencert is not installed (Debian package "
              "tor); scripts/deps.sh installs it")
        return 77
    rc = in_namespace()
    if rc is not None:
        return rc
    tmp = tempfile.mkdtemp(prefix="pt_tor.")
    procs = []
    httpd = None
    try:
        httpd = serve(tmp)
        return run(tmp, procs, httpd.server_address[1])
    except RuntimeError as e:
        print("FAIL: %s" % e)
        for name in ("bridge", "client", "auth"):
            tail(os.path.join(tmp, name, "notice.log"), name)
        return 1
    finally:
        testlib.stop_procs(procs, grace=20)
        if httpd is not None:
            httpd.shutdown()
        if os.environ.get("PT_TOR_KEEP"):
            print("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def tail(path, name):
    try:
        with open(path, errors="replace") as f:
            lines = f.read().splitlines()[-15:]
    except OSError:
        return
    print("--- %s: %s" % (name, path))
    for x in lines:
        print("    " + x)


def serve(tmp):
    """An HTTP server on 127.0.0.1 (any port) serving ${tmp}/www."""
    www = os.path.join(tmp, "www")
    os.makedirs(www)
    with open(os.path.join(www, "file"), "wb") as f:
        f.write(os.urandom(1 << 20))

    def handler(*a, **kw):
        return Files(*a, directory=www, **kw)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def run(tmp, procs, http_port):
    port = iter(testlib.free_port() for _ in range(100))
    dirs = {n: os.path.join(tmp, n) for n in
            ("auth", "relay1", "relay2", "bridge", "client")}
    for d in dirs.values():
        os.makedirs(d, mode=0o700)
    a_or, a_dir = next(port), next(port)
    v3 = make_authority(dirs["auth"], a_dir)
    a_fp = relay_fingerprint(dirs["auth"], a_or)
    dirauth = ("DirAuthority auth orport=%d no-v2 v3ident=%s "
               "127.0.0.1:%d %s" % (a_or, v3, a_dir, a_fp))
    models = os.path.join(ROOT, "models")
    t0 = time.time()
    start_tor(dirs["auth"], COMMON.format(dir=dirs["auth"], dirauth=dirauth)
              + AUTH.format(orport=a_or, dirport=a_dir), procs)
    resolv = os.path.join(tmp, "resolv.conf")
    write(resolv, "nameserver 127.0.0.1\n")
    ex = EXIT.format(resolv=resolv)
    for nick, ex in (("relay1", ""), ("relay2", ex)):
        start_tor(dirs[nick], COMMON.format(dir=dirs[nick], dirauth=dirauth)
                  + RELAY.format(nick=nick, orport=next(port), exit=ex),
                  procs)
    pt_port = next(port)
    start_tor(dirs["bridge"], COMMON.format(dir=dirs["bridge"],
                                            dirauth=dirauth)
              + BRIDGE.format(orport=next(port), extport=next(port),
                              dust=DUST, models=models, ptport=pt_port,
                              model=MODEL, dir=dirs["bridge"]), procs)

    # The bridge line dust pt wrote, with the bridge's fingerprint.
    blfile = os.path.join(dirs["bridge"], "pt_state", "dust_bridgeline.txt")
    fpfile = os.path.join(dirs["bridge"], "fingerprint")
    wait_for("the bridge's fingerprint and dust_bridgeline.txt", 60,
             lambda: os.path.exists(blfile) and os.path.exists(fpfile),
             procs)
    with open(blfile) as f:
        line = [x for x in f.read().splitlines()
                if x.startswith("Bridge dust ")][0]
    with open(fpfile) as f:
        fp = f.read().split()[1]
    line = line.replace("<FINGERPRINT>", fp)
    if not line.startswith("Bridge dust 127.0.0.1:%d %s key=" %
                           (pt_port, fp)):
        fail("bridge line %r" % line)
    print("bridge line (%d characters): %s" % (len(line), line))

    socks = next(port)
    start_tor(dirs["client"], COMMON.format(dir=dirs["client"],
                                            dirauth=dirauth)
              + CLIENT.format(bridge=line, dust=DUST, models=models,
                              socks=socks), procs)
    tc = time.time()
    clog = os.path.join(dirs["client"], "notice.log")
    wait_for("the client's bootstrap to 100%", BOOT_SECS,
             lambda: log_has(clog, r"Bootstrapped 100%"), procs)
    tb = time.time()
    print("client bootstrapped to 100%% in %.1f s (%.1f s after the "
          "network was started)" % (tb - tc, tb - t0))
    if not log_has(clog, r"new bridge descriptor 'bridge'"):
        fail("the client did not learn the bridge's descriptor")

    # A file through the SOCKS port: bridge (Dust), relay, exit.
    out = os.path.join(tmp, "got")
    r = subprocess.run(["curl", "-sS", "--max-time", "120", "--socks5",
                        "127.0.0.1:%d" % socks, "-o", out,
                        "http://127.0.0.1:%d/file" % http_port],
                       capture_output=True, text=True)
    if r.returncode != 0:
        fail("curl through tor: exit %d: %s" % (r.returncode, r.stderr))
    with open(out, "rb") as f, open(os.path.join(tmp, "www", "file"),
                                    "rb") as g:
        got, want = hashlib.sha256(f.read()), hashlib.sha256(g.read())
    if got.digest() != want.digest():
        fail("the file through tor differs: sha256 %s, want %s" %
             (got.hexdigest(), want.hexdigest()))
    print("1 MiB through tor and Dust in %.1f s, sha256 %s" %
          (time.time() - tb, got.hexdigest()[:16]))

    # The bridge's tor heard "dust" on the ExtORPort.
    blog = os.path.join(dirs["bridge"], "debug.log")
    m = log_has(blog, r"Seen client from '127\.0\.0\.1' with transport "
                r"'dust'")
    if not m:
        fail("the bridge's tor never logged a client with transport "
             "'dust'")
    print("bridge's tor: %s" % m.group(0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
