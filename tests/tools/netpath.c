/*
 * netpath: a network path emulator for tests and measurements, for hosts
 * without sch_netem.
 *
 *   netpath [-R] [-d DELAY_MS] [-r RATE_MBIT] [-m MTU] [-p PIDFILE]
 *       NS_A ADDR_A NS_B ADDR_B
 *
 * Creates a TUN device "np0" in each of the network namespaces NS_A and
 * NS_B (made by "ip netns add"), with ADDR_A peer ADDR_B on NS_A's and the
 * reverse on NS_B's, an MTU of MTU bytes (default 1500), both up (and lo
 * up).  Every packet read from one device is written to the other
 * DELAY_MS milliseconds later (default 10, may be fractional), in order;
 * with -r each direction is also a link of RATE_MBIT Mbit/s, a packet's
 * serialization (len * 8 / rate) starting when the previous one's ends.
 * A direction holds at most QMAX packets or QBYTES bytes; packets beyond
 * are dropped and counted.  The devices have no vnet header, so the kernel
 * segments and checksums before we read: no packet exceeds the MTU.
 * With -R it runs under SCHED_FIFO (priority 1): on a busy host the
 * ordinary scheduler can wake it milliseconds late.  -p writes its
 * process ID to PIDFILE.
 *
 * Prints "netpath: ready" to standard error once both devices are up;
 * runs until SIGTERM or SIGINT, then prints the packets forwarded and
 * dropped each way and exits 0.
 */
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if_tun.h>
#include <math.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEVNAME	"np0"
#define QMAX	4096			/* Packets queued per direction. */
#define QBYTES	(16 * 1024 * 1024)	/* Buffer bytes per direction. */
#define BATCH	64			/* Reads per device per wakeup. */

#define USAGE	"usage: netpath [-R] [-d DELAY_MS] [-r RATE_MBIT] [-m MTU] " \
		"[-p PIDFILE]\n               NS_A ADDR_A NS_B ADDR_B\n"

extern char ** environ;

/* A packet waiting to leave. */
struct pkt {
	int64_t due;			/* Departure, CLOCK_MONOTONIC ns. */
	size_t len;
	uint8_t * buf;			/* mtu bytes. */
};

/* One direction: packets read from ${in}, written to ${out}. */
struct dir {
	int in, out;
	struct pkt * q;			/* Ring of ${cap} slots. */
	size_t cap, head, n;
	int64_t txend;			/* End of the last serialization. */
	uint64_t fwd, drops;
};

static int64_t delay_ns;
static double rate;			/* Mbit/s = bits per us; 0: none. */
static size_t mtu = 1500;
static uint8_t scratch[65536];		/* Where dropped packets are read. */
static volatile sig_atomic_t stop;

/* Print "netpath: " FMT and strerror(errno) if ${err}, then exit 1. */
static void __attribute__((format(printf, 2, 3), noreturn))
die(int err, const char * fmt, ...)
{
	va_list ap;
	int e = errno;

	fprintf(stderr, "netpath: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (err)
		fprintf(stderr, ": %s", strerror(e));
	fprintf(stderr, "\n");
	exit(1);
}

/* Print "netpath: bad ${what}${val}" and the usage, then exit 1. */
static void __attribute__((noreturn))
usage_error(const char * what, const char * val)
{
	fprintf(stderr, "netpath: bad %s%s\n" USAGE, what, val);
	exit(1);
}

/* Monotonic time in ns. */
static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
}

/* Parse ${s} as a finite number in [${lo}, ${hi}]; return it, or -1. */
static double
number(const char * s, double lo, double hi)
{
	char * end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end != '\0' || !isfinite(v) || v < lo ||
	    v > hi)
		return (-1);
	return (v);
}

/* SIGTERM / SIGINT handler: ask the loop to stop. */
static void
onsignal(int sig)
{

	(void)sig;
	stop = 1;
}

/*
 * Open a TUN device DEVNAME inside the network namespace ${ns}, then go
 * back to the namespace ${home}.  Return its descriptor; exit on failure.
 */
static int
tun_in(const char * ns, int home)
{
	char path[PATH_MAX];
	struct ifreq ifr;
	int nsfd, fd;

	if (*ns == '\0' || strchr(ns, '/') != NULL ||
	    (size_t)snprintf(path, sizeof(path), "/run/netns/%s", ns) >=
	    sizeof(path))
		usage_error("namespace name: ", ns);
	if ((nsfd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		die(1, "cannot open %s", path);
	if (setns(nsfd, CLONE_NEWNET))
		die(1, "cannot enter network namespace %s", ns);
	if ((fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC)) == -1)
		die(1, "cannot open /dev/net/tun in %s", ns);
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	strcpy(ifr.ifr_name, DEVNAME);
	if (ioctl(fd, TUNSETIFF, &ifr))
		die(1, "cannot create %s in %s", DEVNAME, ns);
	if (setns(home, CLONE_NEWNET))
		die(1, "cannot return to the original network namespace");
	close(nsfd);
	return (fd);
}

/* Run "ip -n ${ns} ARGS..." (NULL-terminated) and wait; exit on failure. */
static void
ip(const char * ns, ...)
{
	char * argv[16];
	char cmd[512];
	va_list ap;
	size_t n = 0, off = 0;
	pid_t pid;
	int st, e;

	argv[n++] = "ip";
	argv[n++] = "-n";
	argv[n++] = (char *)ns;
	va_start(ap, ns);
	while (n < 15 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	for (n = 0; argv[n] != NULL && off < sizeof(cmd); n++)
		off += (size_t)snprintf(cmd + off, sizeof(cmd) - off, "%s%s",
		    n ? " " : "", argv[n]);
	if ((e = posix_spawnp(&pid, "ip", NULL, NULL, argv, environ)) != 0) {
		errno = e;
		die(1, "cannot run %s", cmd);
	}
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			die(1, "waitpid");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		die(0, "%s: failed (status %d)", cmd, st);
}

/* Read up to BATCH packets from ${d}'s device and queue them at ${now}. */
static void
pull(struct dir * d, int64_t now)
{
	struct pkt * p;
	ssize_t r;
	int i;

	for (i = 0; i < BATCH; i++) {
		p = &d->q[(d->head + d->n) % d->cap];
		if (d->n == d->cap)
			r = read(d->in, scratch, sizeof(scratch));
		else
			r = read(d->in, p->buf, mtu);
		if (r == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			die(1, "read from %s", DEVNAME);
		}
		if (d->n == d->cap) {
			d->drops++;
			continue;
		}
		p->len = (size_t)r;
		p->due = now;
		if (rate > 0) {
			if (d->txend > p->due)
				p->due = d->txend;
			p->due += (int64_t)(p->len * 8 * 1000.0 / rate);
			d->txend = p->due;
		}
		p->due += delay_ns;
		d->n++;
	}
}

/*
 * Write the packets of ${d} due by ${now}.  Return when the next one is
 * due, or INT64_MAX if none is queued.
 */
static int64_t
push(struct dir * d, int64_t now)
{
	struct pkt * p;

	for (; d->n > 0; d->n--, d->head = (d->head + 1) % d->cap) {
		p = &d->q[d->head];
		if (p->due > now)
			return (p->due);
		if (write(d->out, p->buf, p->len) == (ssize_t)p->len)
			d->fwd++;
		else
			d->drops++;
	}
	return (INT64_MAX);
}

/*
 * Create and configure the devices: np0 in ${ns}[i] with address
 * ${addr}[i] and peer ${addr}[1 - i]; store their descriptors in ${fd}.
 */
static void
setup(char * ns[2], char * addr[2], int fd[2])
{
	unsigned char a[16];
	char m[16];
	const char * nodad;
	int home, i;

	for (i = 0; i < 2; i++)
		if (inet_pton(strchr(addr[i], ':') ? AF_INET6 : AF_INET,
		    addr[i], a) != 1)
			die(0, "bad address: %s", addr[i]);
	if ((strchr(addr[0], ':') == NULL) != (strchr(addr[1], ':') == NULL))
		die(0, "addresses of different families: %s %s", addr[0],
		    addr[1]);
	nodad = strchr(addr[0], ':') ? "nodad" : NULL;	/* IPv6: no DAD. */
	if ((home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) == -1)
		die(1, "cannot open /proc/self/ns/net");
	fd[0] = tun_in(ns[0], home);
	fd[1] = tun_in(ns[1], home);
	close(home);
	snprintf(m, sizeof(m), "%zu", mtu);
	for (i = 0; i < 2; i++) {
		ip(ns[i], "link", "set", "dev", "lo", "up", (char *)NULL);
		ip(ns[i], "link", "set", "dev", DEVNAME, "mtu", m, "up",
		    (char *)NULL);
		ip(ns[i], "addr", "add", addr[i], "peer", addr[1 - i], "dev",
		    DEVNAME, nodad, (char *)NULL);
	}
}

/* Make ${d} a direction from ${in} to ${out}, its queue empty. */
static void
dir_init(struct dir * d, int in, int out)
{
	size_t k;

	memset(d, 0, sizeof(*d));
	d->in = in;
	d->out = out;
	d->cap = QBYTES / mtu < QMAX ? QBYTES / mtu : QMAX;
	if ((d->q = calloc(d->cap, sizeof(struct pkt))) == NULL ||
	    (d->q[0].buf = malloc(d->cap * mtu)) == NULL)
		die(1, "malloc");
	for (k = 1; k < d->cap; k++)
		d->q[k].buf = d->q[0].buf + k * mtu;
}

/*
 * Forward packets between the directions ${dirs} until SIGTERM or SIGINT,
 * which are only taken while waiting (ppoll); ${ns} names the ends.
 */
static void
run(struct dir dirs[2], char * ns[2])
{
	struct pollfd pfd[2];
	struct sigaction sa;
	struct timespec ts;
	sigset_t block, waitmask;
	int64_t now, next, t;
	int i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = onsignal;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	if (sigprocmask(SIG_BLOCK, &block, &waitmask) ||
	    sigaction(SIGTERM, &sa, NULL) || sigaction(SIGINT, &sa, NULL))
		die(1, "cannot catch signals");
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);
	for (i = 0; i < 2; i++) {
		pfd[i].fd = dirs[i].in;
		pfd[i].events = POLLIN;
	}
	while (!stop) {
		now = now_ns();
		next = push(&dirs[0], now);
		if ((t = push(&dirs[1], now)) < next)
			next = t;
		if (next != INT64_MAX) {
			t = now_ns();
			next = next > t ? next - t : 0;
			ts.tv_sec = (time_t)(next / 1000000000);
			ts.tv_nsec = (long)(next % 1000000000);
		}
		if (ppoll(pfd, 2, next == INT64_MAX ? NULL : &ts, &waitmask)
		    == -1) {
			if (errno == EINTR)
				continue;
			die(1, "ppoll");
		}
		now = now_ns();
		for (i = 0; i < 2; i++) {
			if (pfd[i].revents & (POLLERR | POLLHUP | POLLNVAL))
				die(0, "%s in %s failed", DEVNAME, ns[i]);
			if (pfd[i].revents & POLLIN)
				pull(&dirs[i], now);
		}
	}
}

int
main(int argc, char ** argv)
{
	struct dir dirs[2];
	struct sched_param sp = { .sched_priority = 1 };
	const char * pidfile = NULL;
	char * ns[2], * addr[2];
	double v;
	int fd[2], ch, rt = 0, i;
	FILE * f;

	while ((ch = getopt(argc, argv, "d:r:m:p:Rh")) != -1) {
		switch (ch) {
		case 'd':
			if ((v = number(optarg, 0, 3600000)) < 0)
				usage_error("delay: -d ", optarg);
			delay_ns = (int64_t)llround(v * 1000) * 1000;
			break;
		case 'r':
			if ((rate = number(optarg, 0.001, 1e6)) < 0)
				usage_error("rate: -r ", optarg);
			break;
		case 'm':
			v = number(optarg, 68, 65535);
			if (v < 0 || v != floor(v))
				usage_error("MTU: -m ", optarg);
			mtu = (size_t)v;
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 'R':
			rt = 1;
			break;
		case 'h':
			printf(USAGE);
			return (0);
		default:
			fprintf(stderr, USAGE);
			return (1);
		}
	}
	if (argc - optind != 4)
		usage_error("number of arguments (want 4)", "");
	for (i = 0; i < 2; i++) {
		ns[i] = argv[optind + 2 * i];
		addr[i] = argv[optind + 2 * i + 1];
	}
	setup(ns, addr, fd);
	dir_init(&dirs[0], fd[0], fd[1]);
	dir_init(&dirs[1], fd[1], fd[0]);
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	if (rt && sched_setscheduler(0, SCHED_FIFO, &sp))
		die(1, "cannot switch to SCHED_FIFO");
	if (pidfile != NULL) {
		if ((f = fopen(pidfile, "w")) == NULL ||
		    fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f))
			die(1, "cannot write %s", pidfile);
	}
	fprintf(stderr, "netpath: ready\n");
	run(dirs, ns);

	fprintf(stderr, "netpath: %s->%s %ju packets %ju dropped, "
	    "%s->%s %ju packets %ju dropped\n", ns[0], ns[1],
	    (uintmax_t)dirs[0].fwd, (uintmax_t)dirs[0].drops, ns[1], ns[0],
	    (uintmax_t)dirs[1].fwd, (uintmax_t)dirs[1].drops);
	for (i = 0; i < 2; i++) {
		free(dirs[i].q[0].buf);
		free(dirs[i].q);
		close(fd[i]);
	}
	return (0);
}
