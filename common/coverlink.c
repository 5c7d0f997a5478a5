#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "dust/cover.h"

#include "acceptor.h"
#include "coverlink.h"
#include "sock.h"
#include "sockread.h"
#include "warnp.h"

#define SLOT_NS		1000000ULL	/* Target width of a wheel slot. */
#define INBLOCKS	2		/* Read buffer, in blocks: a read that
					 * fills it means more may wait. */
#define SLOTS_MAX	1000
#define CIN_BURST	32		/* Reads per cover callback, at most. */
#define SPIN_NS		300000ULL	/* Timer set this early: warm, spin. */

struct link {
	struct coversvc * svc;
	struct link * prev, * next;	/* Slot list (while in the wheel). */
	struct link * aprev, * anext;	/* List of all links. */
	uint64_t id;
	int plain, cover;		/* Descriptors. */
	int target_fd;			/* plain or cover: the one we connect. */
	unsigned int target_idx;	/* Address being tried. */
	unsigned int slot;
	int in_wheel;
	uint64_t start_j;		/* First grid tick this link serves. */
	struct event ev_conn;		/* Connect to the target. */
	struct event ev_cin;		/* Blocks arriving on cover. */
	struct event ev_cout;		/* Finish a partial block write. */
	struct event ev_pout;		/* Finish a partial plain write. */
	struct event ev_pin;		/* Plain readable (armed while not). */
	int plain_ready;		/* Plain may have data or EOF. */
	int cin_paused;			/* ev_cin off until plain drains. */
	int plain_eof;			/* Plain side sent EOF. */
	int out_ready;			/* out[] holds the next tick's block. */
	size_t out_data;		/* Bytes of real data in out[]. */
	int out_eos;			/* The block in out[] is end of stream. */
	int out_done;			/* End of stream sent on cover. */
	int eos_in;			/* End of stream received on cover. */
	int in_done;			/* ... and plain shut down for writing. */
	size_t out_off;			/* Bytes of out[] sent; block = idle. */
	size_t in_off, in_len;		/* Unprocessed bytes of in[]. */
	const uint8_t * pend;		/* Data still to write to plain. */
	size_t pendlen;
	struct cover_unpacker up;
	uint64_t sent, skipped, bytes_out, bytes_in;
	uint8_t * out;			/* One block, after the struct. */
	uint8_t * in;			/* INBLOCKS blocks, after out[]. */
};

struct coversvc {
	struct event_base * base;
	struct coverlink_conf conf;
	int lfd;
	struct acceptor * acc;
	struct event ev_tick;
	struct cover_sched grid;	/* rate * nslots ticks per second. */
	unsigned int nslots;
	uint64_t catchup;		/* Grid ticks run late at most. */
	struct link ** slot_head;
	unsigned int * slot_count;
	struct link * all;
	uint64_t nextid;
	uint64_t nlinks;		/* Links in the wheel. */
	uint64_t sent;			/* Blocks sent, all links. */
	uint64_t data_out, data_in;	/* Real bytes sent and received. */
	uint64_t skipped;		/* Ticks skipped (block unfinished). */
	uint64_t stalled;		/* Blocks skipped by stalls, all time. */
	uint64_t stall_blocks;		/* Blocks skipped since last said. */
	uint64_t stall_worst;		/* Worst lateness since then, ns. */
	uint64_t stall_logged;		/* When a stall was last logged. */
	int warm_tx, warm_rx;		/* tick_warm's loopback pair, or -1. */
	uint8_t * warm_buf;		/* One block: what crosses the pair. */
};

/* Monotonic time in nanoseconds. */
static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

/* Name of the cover side of ${l} in log lines ("source" or "target"). */
static const char *
cover_name(const struct link * l)
{

	return (l->svc->conf.plain_is_source ? "target" : "source");
}

/* Name of the plain side of ${l} in log lines. */
static const char *
plain_name(const struct link * l)
{

	return (l->svc->conf.plain_is_source ? "source" : "target");
}

static void tick_arm(struct coversvc *);
static int link_fill(struct link *);

/* Put ${l} in the least loaded slot, starting at its next turn. */
static void
wheel_add(struct link * l)
{
	struct coversvc * svc = l->svc;
	uint64_t jnow = svc->grid.next + cover_sched_due(&svc->grid,
	    mono_ns());
	unsigned int d, s, best = 0, bestcount = UINT32_MAX;
	int idle = (svc->nlinks == 0);

	for (d = 0; d < svc->nslots; d++) {
		s = (unsigned int)((jnow + d) % svc->nslots);
		if (svc->slot_count[s] < bestcount) {
			bestcount = svc->slot_count[s];
			best = d;
		}
	}
	l->start_j = jnow + best;
	l->slot = (unsigned int)(l->start_j % svc->nslots);
	l->prev = NULL;
	l->next = svc->slot_head[l->slot];
	if (l->next != NULL)
		l->next->prev = l;
	svc->slot_head[l->slot] = l;
	svc->slot_count[l->slot]++;
	svc->nlinks++;
	l->in_wheel = 1;
	if (idle) {
		/* The grid stood still: move it to now, nothing is owed. */
		svc->grid.next = jnow;
		tick_arm(svc);
	}
}

/* Take ${l} out of the wheel. */
static void
wheel_remove(struct link * l)
{
	struct coversvc * svc = l->svc;

	if (!l->in_wheel)
		return;
	if (l->prev != NULL)
		l->prev->next = l->next;
	else
		svc->slot_head[l->slot] = l->next;
	if (l->next != NULL)
		l->next->prev = l->prev;
	svc->slot_count[l->slot]--;
	svc->nlinks--;
	l->in_wheel = 0;
	if (svc->nlinks == 0)
		event_del(&svc->ev_tick);
}

/* Close and free ${l}. */
static void
link_free(struct link * l)
{
	struct coversvc * svc = l->svc;

	wheel_remove(l);
	event_del(&l->ev_conn);
	event_del(&l->ev_cin);
	event_del(&l->ev_cout);
	event_del(&l->ev_pout);
	event_del(&l->ev_pin);
	if (l->plain != -1)
		close(l->plain);
	if (l->cover != -1)
		close(l->cover);
	if (l->aprev != NULL)
		l->aprev->anext = l->anext;
	else
		svc->all = l->anext;
	if (l->anext != NULL)
		l->anext->aprev = l->aprev;
	free(l);
	acceptor_wake(svc->acc);
}

/* End ${l}: log why (a warning if ${warn}, else with -v), then free it. */
static void
link_end(struct link * l, int warn, const char * why)
{

	if (warn)
		warn0("link %" PRIu64 ": %s; link dropped", l->id, why);
	info0("link %" PRIu64 " closed (%s): %" PRIu64 " blocks sent, "
	    "%" PRIu64 " skipped, %" PRIu64 " data bytes out, %" PRIu64
	    " in", l->id, why, l->sent, l->skipped, l->bytes_out,
	    l->bytes_in);
	link_free(l);
}

/* Free ${l} if both directions have ended cleanly.  Return 1 if freed. */
static int
link_maybe_done(struct link * l)
{

	if (l->out_done && l->in_done) {
		link_end(l, 0, "end of stream both ways");
		return (1);
	}
	return (0);
}

/* Send what is left of the block in out[].  Return -1 if ${l} was freed. */
static int
link_flush_out(struct link * l)
{
	size_t block = l->svc->conf.block;
	ssize_t r;

	while (l->out_off < block) {
		r = send(l->cover, l->out + l->out_off, block - l->out_off,
		    MSG_NOSIGNAL);
		if (r > 0) {
			l->out_off += (size_t)r;
			continue;
		}
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* Finish this block before any other. */
			event_add(&l->ev_cout, NULL);
			return (0);
		}
		warnp("link %" PRIu64 ": write to %s", l->id, cover_name(l));
		link_end(l, 0, "write error on cover side");
		return (-1);
	}
	/* Counted as sent once the block has gone, data and block alike. */
	l->sent++;
	l->svc->sent++;
	l->bytes_out += l->out_data;
	l->svc->data_out += l->out_data;
	if (l->out_eos && !l->out_done) {
		l->out_done = 1;
		(void)shutdown(l->cover, SHUT_WR);
		wheel_remove(l);
		if (link_maybe_done(l))
			return (-1);
	}
	return (0);
}

/*
 * Fill out[] with the block for the next tick: at most block - 2 bytes of
 * whatever waits on plain, or cover.  It runs half an interval after the
 * link's tick (tick_cb), not at the tick, so that the work done at the
 * tick itself (one send of a ready block) is the same whether the block
 * carries data or not, and so that reading data does not hold the CPU
 * while the spiped next to us forwards the block just sent: the hop's
 * timing must not depend on the data.  The price is half an interval of
 * latency.  Return -1 if ${l} was freed.
 */
static int
link_fill(struct link * l)
{
	size_t block = l->svc->conf.block;
	ssize_t n;

	l->out_data = 0;
	if (!l->plain_eof && !l->plain_ready) {
		/* Nothing arrived since a read drained plain: cover. */
		cover_pack_header(l->out, block, 0);
	} else if (!l->plain_eof) {
		n = sockread(l->plain, l->out + 2, block - 2, NULL);
		if (n > 0) {
			cover_pack_header(l->out, block, (size_t)n);
			l->out_data = (size_t)n;
		} else if (n == 0) {
			l->plain_eof = 1;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			/* Drained: let the (level-triggered) event say when
			 * more comes, so idle ticks cost no read. */
			l->plain_ready = 0;
			event_add(&l->ev_pin, NULL);
			cover_pack_header(l->out, block, 0);
		} else {
			warnp("link %" PRIu64 ": read from %s", l->id,
			    plain_name(l));
			link_end(l, 0, "read error on plain side");
			return (-1);
		}
	}
	if (l->plain_eof) {
		cover_pack_eos(l->out, block);
		l->out_eos = 1;
	}
	l->out_ready = 1;
	return (0);
}

/* One tick of ${l}: send the block that link_fill made ready. */
static void
link_tick(struct link * l)
{
	size_t block = l->svc->conf.block;

	if (l->out_off < block) {
		/* Last block still going out: skip this tick (counted). */
		l->skipped++;
		l->svc->skipped++;
		return;
	}
	/* The link's first tick, or a block that was still going out at
	 * the fill: nothing was made ready before it. */
	if (!l->out_ready && link_fill(l))
		return;
	l->out_ready = 0;
	l->out_off = 0;
	(void)link_flush_out(l);
}

/* Data or EOF waits on plain: read it at the next tick, and stop
 * watching until a read finds plain empty again. */
static void
pin_cb(evutil_socket_t fd, short what, void * arg)
{
	struct link * l = arg;

	l->plain_ready = 1;
}

/* The cover socket can take the rest of a partial block. */
static void
cout_cb(evutil_socket_t fd, short what, void * arg)
{

	(void)link_flush_out(arg);
}

/* Write unpacked data to plain and unpack more of in[].  Return -1 if
 * ${l} was freed. */
static int
link_process_in(struct link * l)
{
	const uint8_t * d;
	size_t used, dl;
	ssize_t w;
	int st;

	while (l->pendlen > 0 || l->in_off < l->in_len) {
		if (l->pendlen > 0) {
			w = send(l->plain, l->pend, l->pendlen, MSG_NOSIGNAL);
			if (w > 0) {
				l->pend += w;
				l->pendlen -= (size_t)w;
				l->bytes_in += (uint64_t)w;
				l->svc->data_in += (uint64_t)w;
				continue;
			}
			if (w == -1 && errno == EINTR)
				continue;
			if (w == -1 && (errno == EAGAIN ||
			    errno == EWOULDBLOCK)) {
				/* Stop reading blocks until plain drains. */
				if (!l->cin_paused) {
					event_del(&l->ev_cin);
					l->cin_paused = 1;
				}
				event_add(&l->ev_pout, NULL);
				return (0);
			}
			warnp("link %" PRIu64 ": write to %s", l->id,
			    plain_name(l));
			link_end(l, 0, "write error on plain side");
			return (-1);
		}
		st = cover_unpack(&l->up, l->in + l->in_off,
		    l->in_len - l->in_off, &used, &d, &dl);
		l->in_off += used;
		if (st < 0) {
			char why[200];

			snprintf(why, sizeof(why), "protocol error from %s: "
			    "%s", cover_name(l), cover_strerror(st));
			link_end(l, 1, why);
			return (-1);
		}
		if (st == COVER_DATA) {
			l->pend = d;
			l->pendlen = dl;
		} else if (st == COVER_END)
			l->eos_in = 1;
	}
	if (l->eos_in && !l->in_done) {
		l->in_done = 1;
		(void)shutdown(l->plain, SHUT_WR);
		if (link_maybe_done(l))
			return (-1);
	}
	if (l->cin_paused) {
		l->cin_paused = 0;
		event_add(&l->ev_cin, NULL);
	}
	return (0);
}

/* The plain socket can take more data. */
static void
pout_cb(evutil_socket_t fd, short what, void * arg)
{

	(void)link_process_in(arg);
}

/* Blocks (or the end) arrive on the cover socket: read until it is empty
 * (up to CIN_BURST reads), so that a loop slowed down by other work still
 * keeps up with the blocks coming in.  A read that does not fill in[]
 * emptied the socket, so the usual single block costs a single read. */
static void
cin_cb(evutil_socket_t fd, short what, void * arg)
{
	struct link * l = arg;
	ssize_t r;
	int e, i;

	for (i = 0; i < CIN_BURST && !l->cin_paused; i++) {
		r = sockread(l->cover, l->in, INBLOCKS * l->svc->conf.block,
		    NULL);
		if (r == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				return;
			warnp("link %" PRIu64 ": read from %s", l->id,
			    cover_name(l));
			link_end(l, 0, "read error on cover side");
			return;
		}
		if (r == 0) {
			if ((e = cover_unpack_finish(&l->up)) == 0) {
				/* Clean: end of stream came first. */
				event_del(&l->ev_cin);
				return;
			}
			if (e == COVER_E_NO_EOS) {
				/* The peer went away (killed, or the hop
				 * broke). */
				link_end(l, 0, "cover side closed without "
				    "end of stream");
			} else {
				char why[200];

				snprintf(why, sizeof(why), "protocol error "
				    "from %s: %s", cover_name(l),
				    cover_strerror(e));
				link_end(l, 1, why);
			}
			return;
		}
		l->in_off = 0;
		l->in_len = (size_t)r;
		if (link_process_in(l))
			return;
		if ((size_t)r < INBLOCKS * l->svc->conf.block)
			return;
	}
}

static void start_connect(struct link *);

/* The connect to the target finished, failed or timed out. */
static void
conn_cb(evutil_socket_t fd, short what, void * arg)
{
	struct link * l = arg;
	const struct coverlink_conf * c = &l->svc->conf;
	char a[300];

	addr_format(&c->target[l->target_idx], a, sizeof(a));
	if (what & EV_TIMEOUT) {
		errno = ETIMEDOUT;
	} else if (sock_connected(l->target_fd) == 0) {
		info0("link %" PRIu64 ": connected to target %s", l->id, a);
		event_add(&l->ev_cin, NULL);
		wheel_add(l);
		return;
	}
	warnp("link %" PRIu64 ": cannot connect to target %s", l->id, a);
	close(l->target_fd);
	l->target_fd = -1;
	if (c->plain_is_source)
		l->cover = -1;
	else
		l->plain = -1;
	if (++l->target_idx < c->ntargets) {
		start_connect(l);
		return;
	}
	link_end(l, 0, "target unreachable; source closed");
}

/* Start connecting ${l} to its current target address. */
static void
start_connect(struct link * l)
{
	const struct coverlink_conf * c = &l->svc->conf;
	struct event_base * base = l->svc->base;
	struct timeval tv = {c->connect_timeout, 0};
	char a[300];
	int fd = -1;

	for (; l->target_idx < c->ntargets; l->target_idx++) {
		if ((fd = sock_connect(&c->target[l->target_idx])) != -1)
			break;
		warnp("link %" PRIu64 ": cannot connect to target %s", l->id,
		    addr_format(&c->target[l->target_idx], a, sizeof(a)));
	}
	if (l->target_idx == c->ntargets) {
		link_end(l, 0, "target unreachable; source closed");
		return;
	}
	l->target_fd = fd;
	if (c->plain_is_source)
		l->cover = fd;
	else
		l->plain = fd;
	event_assign(&l->ev_conn, base, fd, EV_WRITE, conn_cb, l);
	event_assign(&l->ev_cin, base, l->cover, EV_READ | EV_PERSIST,
	    cin_cb, l);
	event_assign(&l->ev_cout, base, l->cover, EV_WRITE, cout_cb, l);
	event_assign(&l->ev_pout, base, l->plain, EV_WRITE, pout_cb, l);
	event_assign(&l->ev_pin, base, l->plain, EV_READ, pin_cb, l);
	event_add(&l->ev_conn, &tv);
}

/* Make a link for the accepted descriptor ${fd}. */
static void
link_new(struct coversvc * svc, int fd)
{
	size_t block = svc->conf.block;
	struct link * l;

	if ((l = calloc(1, sizeof(*l) + (1 + INBLOCKS) * block)) == NULL) {
		warnp("link: out of memory");
		close(fd);
		return;
	}
	l->svc = svc;
	l->id = ++svc->nextid;
	l->out = (uint8_t *)(l + 1);
	l->in = l->out + block;
	l->out_off = block;
	l->plain = l->cover = l->target_fd = -1;
	if (svc->conf.plain_is_source)
		l->plain = fd;
	else
		l->cover = fd;
	cover_unpack_init(&l->up, block);
	/* Events are assigned in start_connect; make them safe to delete. */
	event_assign(&l->ev_conn, svc->base, -1, 0, conn_cb, l);
	event_assign(&l->ev_cin, svc->base, -1, 0, cin_cb, l);
	event_assign(&l->ev_cout, svc->base, -1, 0, cout_cb, l);
	event_assign(&l->ev_pout, svc->base, -1, 0, pout_cb, l);
	event_assign(&l->ev_pin, svc->base, -1, 0, pin_cb, l);
	l->plain_ready = 1;
	l->anext = svc->all;
	if (svc->all != NULL)
		svc->all->aprev = l;
	svc->all = l;
	info0("link %" PRIu64 ": accepted", l->id);
	start_connect(l);
}

/* A connection waited on the listening socket. */
static void
accept_cb(void * arg, int fd)
{

	link_new(arg, fd);
}

/* The slot whose links fill their next block at grid tick ${j}: the
 * one whose ticks were half an interval ago. */
static unsigned int
fill_slot(const struct coversvc * svc, uint64_t j)
{

	return ((unsigned int)((j + svc->nslots - svc->nslots / 2) %
	    svc->nslots));
}

/* Arm the timer for the next grid tick whose slot holds a link, or
 * links that fill then. */
static void
tick_arm(struct coversvc * svc)
{
	uint64_t d, now, at;
	struct timeval tv;

	if (svc->nlinks == 0)
		return;
	for (d = 0; d < svc->nslots; d++)
		if (svc->slot_count[(svc->grid.next + d) % svc->nslots] > 0 ||
		    svc->slot_count[fill_slot(svc, svc->grid.next + d)] > 0)
			break;
	svc->grid.next += d;
	/* A tick that sends wakes early, to warm its path and wait out the
	 * rest in tick_cb; one that only fills needs no exact moment. */
	at = cover_sched_deadline(&svc->grid);
	if (svc->slot_count[svc->grid.next % svc->nslots] > 0)
		at -= SPIN_NS;
	now = mono_ns();
	d = at > now ? at - now : 0;
	tv.tv_sec = (time_t)(d / 1000000000ULL);
	tv.tv_usec = (suseconds_t)((d % 1000000000ULL) / 1000);
	/* libevent adds ${tv} to the time it cached when this loop round
	 * began; refresh it, or the timer fires early by the round's work
	 * and the tick would spin that long. */
	event_base_update_cache_time(svc->base);
	evtimer_add(&svc->ev_tick, &tv);
}

/* Blocks skipped when grid ticks [j0, j0 + n) are dropped. */
static uint64_t
stall_blocks(const struct coversvc * svc, uint64_t j0, uint64_t n)
{
	uint64_t total = (n / svc->nslots) * svc->nlinks, i;

	for (i = 0; i < n % svc->nslots; i++)
		total += svc->slot_count[(j0 + i) % svc->nslots];
	return (total);
}

/*
 * Before grid tick ${j} is due, run what its sends will run: one block
 * through the loopback pair (the kernel's TCP send and receive path, the
 * one the block and then the spiped beside us take), then, for each link
 * about to send, a touch of its block and a send of zero bytes on its
 * cover socket (which TCP and Unix sockets take and turn into nothing on
 * the wire).  Between two ticks whatever else runs on the core evicts these
 * from the caches: a build in an idle spell, or in a busy one the
 * applications' own traffic, which keeps the network path warm.  Traced
 * beside a build, the send started up to 50 us late when cold, and took
 * 28 us at the median (p95 76) until spiped was woken, against 5 us warm:
 * the block left the host sooner when data flowed.  Run during the spin,
 * which holds the core, the path is warm at the deadline either way.
 */
static void
tick_warm(struct coversvc * svc, uint64_t j)
{
	size_t block = svc->conf.block, i;
	struct link * l;
	volatile uint8_t sink = 0;
	int paired = 0;
	ssize_t r;

	for (l = svc->slot_head[j % svc->nslots]; l != NULL; l = l->next) {
		if (l->start_j > j || l->out_off < block)
			continue;
		if (!paired && svc->warm_tx != -1 && send(svc->warm_tx,
		    svc->warm_buf, block, MSG_NOSIGNAL) > 0) {
			do {
				r = recv(svc->warm_rx, svc->warm_buf, block,
				    0);
			} while (r > 0 || (r == -1 && errno == EINTR));
		}
		paired = 1;
		for (i = 0; i < block; i += 64)
			sink ^= l->out[i];
		(void)send(l->cover, l->out, 0, MSG_NOSIGNAL | MSG_DONTWAIT);
	}
	(void)sink;
}

/*
 * Open the loopback pair of tick_warm: a TCP connection from 127.0.0.1 to
 * itself, both ends non-blocking.  Return 0 on success or -1 on error.
 */
static int
warm_open(struct coversvc * svc)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int lfd, one = 1, ok;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	ok = bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    listen(lfd, 1) == 0 &&
	    getsockname(lfd, (struct sockaddr *)&sin, &len) == 0 &&
	    (svc->warm_tx = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC,
	    0)) != -1 &&
	    connect(svc->warm_tx, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    (svc->warm_rx = sock_accept(lfd)) != -1 &&
	    sock_nonblock(svc->warm_tx) == 0 &&
	    setsockopt(svc->warm_tx, IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one)) == 0;
	close(lfd);
	return (ok ? 0 : -1);
}

/* Close the loopback pair of tick_warm, if open. */
static void
warm_close(struct coversvc * svc)
{

	if (svc->warm_tx != -1)
		close(svc->warm_tx);
	if (svc->warm_rx != -1)
		close(svc->warm_rx);
	svc->warm_tx = svc->warm_rx = -1;
}

/* Grid ticks are due: serve the links of their slots. */
static void
tick_cb(evutil_socket_t fd, short what, void * arg)
{
	struct coversvc * svc = arg;
	uint64_t j0 = svc->grid.next, due = cover_sched_deadline(&svc->grid);
	uint64_t now, run, skipped, j, n;
	struct link * l, * next;

	/*
	 * The timer of a sending tick fired up to SPIN_NS early: warm the
	 * tick's path (up to about 100 us when the core left it cold), then
	 * spin to the deadline, so that the block leaves at the same moment
	 * whether the loop was asleep (wake-up latency) or busy with data
	 * when the deadline came, and whatever ran on the core before.
	 */
	if (mono_ns() < due)
		tick_warm(svc, j0);
	while ((now = mono_ns()) < due)
		continue;

	run = cover_sched_take(&svc->grid, now, svc->catchup, &skipped);
	if (skipped > 0) {
		/* A stall: count it, and say so at most every 10 s. */
		n = stall_blocks(svc, j0, skipped);
		svc->stall_blocks += n;
		svc->stalled += n;
		if (now - cover_sched_at(&svc->grid, j0) > svc->stall_worst)
			svc->stall_worst = now - cover_sched_at(&svc->grid,
			    j0);
		if (now - svc->stall_logged > 10000000000ULL) {
			warn0("fell behind schedule (worst %" PRIu64 " ms "
			    "late): %" PRIu64 " blocks skipped",
			    svc->stall_worst / 1000000, svc->stall_blocks);
			svc->stall_logged = now;
			svc->stall_blocks = svc->stall_worst = 0;
		}
	}
	for (j = svc->grid.next - run; j < svc->grid.next; j++) {
		for (l = svc->slot_head[j % svc->nslots]; l != NULL;
		    l = next) {
			next = l->next;
			if (l->start_j <= j)
				link_tick(l);
		}
		/* Half an interval after their ticks, links fill the next
		 * block (see link_fill). */
		for (l = svc->slot_head[fill_slot(svc, j)]; l != NULL;
		    l = next) {
			next = l->next;
			if (!l->out_ready && l->out_off == svc->conf.block &&
			    !l->out_done)
				(void)link_fill(l);
		}
	}
	tick_arm(svc);
}

/**
 * coversvc_new(base, lfd, conf):
 * Serve links accepted on the listening socket ${lfd} on ${base}, as
 * ${conf} says.  Return the service, or NULL on error.
 */
struct coversvc *
coversvc_new(struct event_base * base, int lfd,
    const struct coverlink_conf * conf)
{
	struct coversvc * svc;
	uint64_t interval = 1000000000ULL / conf->rate;

	if ((svc = calloc(1, sizeof(*svc))) == NULL)
		return (NULL);
	svc->warm_tx = svc->warm_rx = -1;
	svc->base = base;
	svc->conf = *conf;
	svc->lfd = lfd;
	svc->nslots = (unsigned int)(interval / SLOT_NS);
	if (svc->nslots < 1)
		svc->nslots = 1;
	if (svc->nslots > SLOTS_MAX)
		svc->nslots = SLOTS_MAX;
	svc->slot_head = calloc(svc->nslots, sizeof(*svc->slot_head));
	svc->slot_count = calloc(svc->nslots, sizeof(*svc->slot_count));
	svc->warm_buf = calloc(1, conf->block);
	if (svc->slot_head == NULL || svc->slot_count == NULL ||
	    svc->warm_buf == NULL)
		goto err;
	if (warm_open(svc)) {
		/* Only the timing suffers: the ticks' path is then as cold as
		 * the core leaves it. */
		warnp("cannot open the loopback pair that warms the ticks");
		warm_close(svc);
	}
	cover_sched_init(&svc->grid, mono_ns(), conf->rate * svc->nslots);
	svc->catchup = svc->grid.rate * COVERLINK_CATCHUP_MS / 1000;
	if (svc->catchup < svc->nslots)
		svc->catchup = svc->nslots;	/* One interval at least. */
	event_assign(&svc->ev_tick, base, -1, 0, tick_cb, svc);
	if ((svc->acc = acceptor_new(base, lfd, NULL, accept_cb, svc)) ==
	    NULL)
		goto err;
	return (svc);

err:
	warm_close(svc);
	free(svc->warm_buf);
	free(svc->slot_head);
	free(svc->slot_count);
	free(svc);
	return (NULL);
}

/**
 * coversvc_stats(svc):
 * Log one line of counters: links, blocks sent, ticks skipped.
 */
void
coversvc_stats(const struct coversvc * svc)
{

	warn0("stats: %" PRIu64 " links sending, %" PRIu64 " blocks sent, %"
	    PRIu64 " data bytes sent, %" PRIu64 " data bytes received, %"
	    PRIu64 " ticks skipped (block unfinished), %" PRIu64 " blocks "
	    "skipped (late)", svc->nlinks, svc->sent, svc->data_out,
	    svc->data_in, svc->skipped, svc->stalled);
}

/**
 * coversvc_free(svc):
 * Close every link of ${svc} and the listening socket; free ${svc}.
 */
void
coversvc_free(struct coversvc * svc)
{

	if (svc->stall_blocks > 0)
		warn0("fell behind schedule (worst %" PRIu64 " ms late): %"
		    PRIu64 " blocks skipped", svc->stall_worst / 1000000,
		    svc->stall_blocks);
	while (svc->all != NULL)
		link_free(svc->all);
	acceptor_free(svc->acc);
	event_del(&svc->ev_tick);
	close(svc->lfd);
	warm_close(svc);
	free(svc->warm_buf);
	free(svc->slot_head);
	free(svc->slot_count);
	free(svc);
}
