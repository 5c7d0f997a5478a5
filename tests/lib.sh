# Helpers for the integration tests; source it with ". tests/lib.sh".
# Every process started with spawn is killed when the test exits, and the
# test's scratch folder ($T) is removed unless KEEP=1.
set -eu
: "${DUST_ROOT:=$(pwd)}" "${DUST_BIN:=$DUST_ROOT/build/asan/bin}"
: "${DUST_TOOLS:=$DUST_ROOT/build/asan/tests/tools}"
T=$(mktemp -d /tmp/dust-test.XXXXXX)
PIDS=""

# cleanup: SIGTERM to every process spawned, up to 10 s for them to exit
# (nginx ends its workers first, and SIGKILL to it would leave them
# running: tests/run.sh fails a test that leaves processes), SIGKILL to
# the rest, then remove $T.
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	_i=0
	while [ $_i -lt 100 ] && any_alive $PIDS; do
		sleep 0.1
		_i=$((_i + 1))
	done
	for p in $PIDS; do kill -9 "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	[ "${KEEP:-0}" = 1 ] || rm -rf "$T"
}
trap cleanup EXIT INT TERM

# fail MESSAGE: end the test as failed.
fail() { echo "FAIL: $*" >&2; exit 1; }

# skip MESSAGE: end the test as skipped (exit 77).
skip() { echo "skipped: $*"; exit 77; }

# spawn NAME CMD...: start CMD in the background, output in $T/NAME.log;
# its process ID is in $PID_NAME (with - and . in NAME turned into _).
spawn() {
	_spawn_name=$1; shift
	"$@" > "$T/$_spawn_name.log" 2>&1 &
	PIDS="$PIDS $!"
	eval "PID_$(echo "$_spawn_name" | tr -c 'A-Za-z0-9_\n' _)=$!"
}

# free_port: print a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_port PORT [SECONDS [PREFIX]]: wait until something listens on
# PORT, in the network namespace PREFIX enters ("ip netns exec NS") if set.
wait_port() {
	i=0
	while [ -z "$(${3:-} ss -Hltn "sport = :$1" 2>/dev/null)" ]; do
		i=$((i + 1))
		[ $i -lt $(( ${2:-10} * 10 )) ] || fail "nothing listens on port $1"
		sleep 0.1
	done
}

# alive PID: succeed if the process is still running (not a zombie).
alive() {
	kill -0 "$1" 2>/dev/null &&
	    [ "$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# any_alive PID...: succeed if one of the processes is still running.
any_alive() {
	for _p in "$@"; do alive "$_p" && return 0; done
	return 1
}

# start_www SERVER...: start nginx in the foreground (the process "nginx",
# stopped by cleanup) serving $T/www (the caller fills it, and makes $T
# readable to nginx's workers), one server block per SERVER, its listen
# directives ("listen 127.0.0.1:8080;").
start_www() {
	mkdir -p "$T/tmp"
	{
		cat <<NGINX
user root root;
daemon off;
worker_processes 1;
pid $T/nginx.pid;
error_log $T/nginx-error.log;
events { worker_connections 256; }
http {
    access_log off;
    client_body_temp_path $T/tmp/cb; proxy_temp_path $T/tmp/px;
    fastcgi_temp_path $T/tmp/fc; uwsgi_temp_path $T/tmp/uw;
    scgi_temp_path $T/tmp/sc;
NGINX
		for _srv in "$@"; do
			echo "    server { $_srv root $T/www; }"
		done
		echo "}"
	} > "$T/nginx.conf"
	spawn nginx /usr/sbin/nginx -c "$T/nginx.conf" -p "$T"
}

# start_sshd [PREFIX...]: start Debian's sshd (run under PREFIX, e.g.
# "taskset -c 1", if given) on a free port of 127.0.0.1, in $P_SSHD, with a
# throwaway ed25519 host key ($T/host_key, made if missing) and a config
# of its own ($T/sshd_config): key authentication only, with the keys of
# $T/authorized_keys (the caller writes it; empty: every login refused).
start_sshd() {
	[ -f "$T/host_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$T/host_key"
	mkdir -p /run/sshd
	P_SSHD=$(free_port)
	cat > "$T/sshd_config" <<EOC
Port $P_SSHD
ListenAddress 127.0.0.1
HostKey $T/host_key
AuthorizedKeysFile $T/authorized_keys
PidFile $T/sshd.pid
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
EOC
	spawn sshd "$@" /usr/sbin/sshd -D -e -f "$T/sshd_config"
}
