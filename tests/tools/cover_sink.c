/*
 * cover_sink PORT LINKS SECONDS BLOCK RATE
 *
 * Benchmark helper: accept LINKS coverpipe links on 127.0.0.1:PORT and
 * read their block streams for SECONDS once the last link is up,
 * timestamping (CLOCK_MONOTONIC) each block as it completes.  Each link's
 * arrivals are compared with its own schedule: offset_k = t_k - k/RATE,
 * jitter_k = |offset_k - median offset of the link|.  Prints one line:
 * links, blocks, malformed blocks, jitter p50/p99/max in microseconds.
 */
#include <sys/epoll.h>
#include <sys/socket.h>

#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct sink_link {
	int fd;
	size_t pos;			/* Bytes of the current block. */
	uint8_t hdr[2];
	size_t n, cap;
	uint64_t * t;			/* Completion times, ns. */
};

/* Monotonic nanoseconds. */
static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
}

/* qsort comparison of int64_t. */
static int
cmp64(const void * a, const void * b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return ((x > y) - (x < y));
}

/* Account ${len} bytes of ${buf} read at ${t} to ${l}; count bad blocks. */
static void
feed(struct sink_link * l, const uint8_t * buf, size_t len, size_t block,
    uint64_t t, uint64_t * bad)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (l->pos < 2)
			l->hdr[l->pos] = buf[i];
		if (++l->pos == block) {
			unsigned w = ((unsigned)l->hdr[0] << 8) | l->hdr[1];

			if (w > block - 2 && w != 0xFFFF)
				(*bad)++;
			l->pos = 0;
			if (l->n < l->cap)
				l->t[l->n++] = t;
		}
	}
}

int
main(int argc, char ** argv)
{
	struct sockaddr_in sin;
	struct epoll_event ev, evs[256];
	struct sink_link * links;
	size_t nlinks, want, block, i, k, total = 0, cap;
	uint64_t secs, rate, bad = 0, start = 0, t;
	int64_t * off, * jit;
	uint8_t buf[65536];
	int lfd, ep, n, one = 1;

	if (argc != 6) {
		fprintf(stderr, "usage: cover_sink PORT LINKS SECONDS BLOCK "
		    "RATE\n");
		return (1);
	}
	want = strtoul(argv[2], NULL, 10);
	secs = strtoull(argv[3], NULL, 10);
	block = strtoul(argv[4], NULL, 10);
	rate = strtoull(argv[5], NULL, 10);
	if (want == 0 || secs == 0 || block < 3 || rate == 0)
		return (1);
	cap = (size_t)((secs + 5) * rate + 16);
	links = calloc(want, sizeof(*links));
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)atoi(argv[1]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (links == NULL || lfd == -1 ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(lfd, 1024) || (ep = epoll_create1(0)) == -1) {
		perror("cover_sink");
		return (1);
	}
	ev.events = EPOLLIN;
	ev.data.u64 = UINT64_MAX;
	epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	nlinks = 0;
	for (;;) {
		t = now_ns();
		if (start != 0 && t - start > secs * 1000000000ULL)
			break;
		n = epoll_wait(ep, evs, 256, 100);
		t = now_ns();
		for (i = 0; i < (size_t)(n > 0 ? n : 0); i++) {
			if (evs[i].data.u64 == UINT64_MAX) {
				int c = accept(lfd, NULL, NULL);

				if (c == -1 || nlinks == want) {
					if (c != -1)
						close(c);
					continue;
				}
				links[nlinks].fd = c;
				links[nlinks].cap = cap;
				links[nlinks].t = calloc(cap, sizeof(uint64_t));
				ev.data.u64 = nlinks++;
				epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
				if (nlinks == want)
					start = now_ns();
				continue;
			}
			struct sink_link * l = &links[evs[i].data.u64];
			ssize_t r = recv(l->fd, buf, sizeof(buf), MSG_DONTWAIT);

			if (r <= 0) {
				if (r == 0 || errno != EAGAIN) {
					epoll_ctl(ep, EPOLL_CTL_DEL, l->fd,
					    NULL);
				}
				continue;
			}
			/* Only blocks once every link is up count. */
			if (start != 0)
				feed(l, buf, (size_t)r, block, t, &bad);
			else
				l->pos = (l->pos + (size_t)r) % block;
		}
	}
	for (i = 0; i < nlinks; i++)
		total += links[i].n;
	off = calloc(cap, sizeof(int64_t));
	jit = calloc(total + 1, sizeof(int64_t));
	total = 0;
	for (i = 0; i < nlinks; i++) {
		struct sink_link * l = &links[i];
		int64_t med;

		if (l->n < 3)
			continue;
		for (k = 0; k < l->n; k++)
			off[k] = (int64_t)(l->t[k] - l->t[0]) -
			    (int64_t)(k * 1000000000ULL / rate);
		qsort(off, l->n, sizeof(int64_t), cmp64);
		med = off[l->n / 2];
		for (k = 0; k < l->n; k++) {
			int64_t d = (int64_t)(l->t[k] - l->t[0]) -
			    (int64_t)(k * 1000000000ULL / rate) - med;

			jit[total++] = d < 0 ? -d : d;
		}
	}
	qsort(jit, total, sizeof(int64_t), cmp64);
	printf("links %zu blocks %zu malformed %ju jitter_us p50 %.0f "
	    "p99 %.0f max %.0f\n", nlinks, total, (uintmax_t)bad,
	    total ? jit[total / 2] / 1e3 : 0.0,
	    total ? jit[total * 99 / 100] / 1e3 : 0.0,
	    total ? jit[total - 1] / 1e3 : 0.0);
	return (0);
}
