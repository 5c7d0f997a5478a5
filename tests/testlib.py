"""Helpers the Python integration tests share, imported by path (a test
puts ROOT/tests on sys.path).  Loopback addresses only."""
import os
import socket
import subprocess
import sys
import time


def exit_fail(msg):
    """End the test as failed, with ${msg}."""
    sys.exit("FAIL: " + msg)


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, secs=10, fail=exit_fail):
    """Wait up to ${secs} seconds until something accepts connections on
    127.0.0.1:${port}; if nothing does, call fail(message)."""
    end = time.time() + secs
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    fail("nothing listens on port %d" % port)


def listening(port, secs=10, fail=exit_fail):
    """Wait up to ${secs} seconds until something listens on
    127.0.0.1:${port}, without connecting to it (a probe connection would
    be a session or a link of its own); if nothing does, call
    fail(message)."""
    end = time.time() + secs
    while time.time() < end:
        out = subprocess.run(["ss", "-Hltn", "sport = :%d" % port],
                             capture_output=True, text=True).stdout
        if out.strip():
            return
        time.sleep(0.05)
    fail("nothing listens on port %d" % port)


def recv_all(s):
    """Read from the socket ${s} until EOF; return the bytes."""
    buf = []
    while True:
        d = s.recv(65536)
        if not d:
            return b"".join(buf)
        buf.append(d)


def stop_procs(procs, grace=10):
    """End the subprocess.Popen objects ${procs}: SIGTERM to each still
    running, up to ${grace} seconds for all to exit (a program with
    children, such as nginx, ends them first: SIGKILL would leave them
    running), then SIGKILL to the rest; every one is reaped."""
    for p in procs:
        if p.poll() is None:
            p.terminate()
    end = time.time() + grace
    for p in procs:
        try:
            p.wait(max(0.0, end - time.time()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def nginx_conf(tmp, port, tls_port=None, timeout=None, slow_port=None):
    """Write ${tmp}/nginx.conf for an nginx in the foreground serving
    ${tmp}/www (the caller fills it) over HTTP on 127.0.0.1:${port} and,
    if ${tls_port}, over TLS 1.3 there with a fresh self-signed P-256
    certificate for localhost; ${timeout} (s) sets the header, body and
    keep-alive timeouts; if ${slow_port}, HTTP there too with a header
    timeout of 60 s.  Return the file's path."""
    os.makedirs(os.path.join(tmp, "tmp"), exist_ok=True)
    tls = ""
    if tls_port is not None:
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                        "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-keyout", os.path.join(tmp, "key.pem"), "-out",
                        os.path.join(tmp, "cert.pem"), "-days", "2",
                        "-subj", "/CN=localhost"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        tls = """	server { listen 127.0.0.1:%(tp)d ssl; root %(t)s/www;
		ssl_certificate %(t)s/cert.pem;
		ssl_certificate_key %(t)s/key.pem;
		ssl_protocols TLSv1.3; }
"""
    slow = ""
    if slow_port is not None:
        slow = """	server { listen 127.0.0.1:%(sp)d; root %(t)s/www;
		client_header_timeout 60s; }
"""
    timeouts = ""
    if timeout is not None:
        timeouts = """	client_header_timeout %(to)ds;
	client_body_timeout %(to)ds;
	keepalive_timeout %(to)ds;
"""
    text = ("""daemon off;
worker_processes 1;
pid %(t)s/nginx.pid;
error_log %(t)s/nginx-error.log;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path %(t)s/tmp;
	proxy_temp_path %(t)s/tmp;
	fastcgi_temp_path %(t)s/tmp;
	uwsgi_temp_path %(t)s/tmp;
	scgi_temp_path %(t)s/tmp;
""" + timeouts + """	server { listen 127.0.0.1:%(p)d; root %(t)s/www; }
""" + tls + slow + "}\n") % {"t": tmp, "p": port, "tp": tls_port or 0,
                             "to": timeout or 0, "sp": slow_port or 0}
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write(text)
    return conf
