/*
 * bench_ensemble: the Ensemble session layer alone (no engine, no
 * sockets): one client session and one server session joined by a link
 * pair, the client's application writing, the server's reading and
 * acknowledging, in rounds of DEPTH messages (written, pulled, pushed in
 * 64 KB pieces as the tunnel does, read, acknowledged).
 *
 *   bench_ensemble [SECONDS]
 *
 * Figures (each the best of 5 rounds of SECONDS/15, default 3 s in all):
 * nanoseconds per message and MB/s of application data for 16-byte
 * messages (dust -m 16) with 64 and with 4,095 messages unacknowledged,
 * and for 8192-byte messages with 128 (1 MiB) unacknowledged.  The cost
 * per message must not grow with the depth of the window: the ratio of
 * the two 16-byte rows is the check (goal <= 1.5; exit status 1 if
 * not).  Before pulls, reads and the parser were made linear it was 6.6
 * (3.2 us per message 4,095 deep, against 0.38 us now).
 * Output: a markdown table on stdout.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dust/ensemble.h"
#include "benchclock.h"

#define ROUNDS	5
#define PIECE	65536

static uint8_t wire[8 * 1024 * 1024], app[ENS_WINDOW_BYTES];


/* Move everything ${from} has to say to ${to}, in pieces. */
static void
carry(struct ens_link * from, struct ens_link * to)
{
	size_t n = 0, k, off;

	while (n + ENS_MSG_MAX <= sizeof(wire) &&
	    (k = ens_link_pull(from, wire + n, PIECE)) > 0)
		n += k;
	for (off = 0; off < n; off += k) {
		k = n - off < PIECE ? n - off : PIECE;
		if (ens_link_push(to, wire + off, k))
			exit(1);
	}
}

/*
 * Run rounds of ${depth} messages of ${size} bytes for ${secs} seconds;
 * return the messages per second.
 */
static double
run(size_t size, size_t depth, double secs)
{
	struct ens_table * t;
	struct ens_session * c, * s;
	struct ens_link * cl, * sl;
	double t0, t1;
	uint64_t msgs = 0;

	if ((t = ens_table_new(1, NULL, NULL, NULL)) == NULL ||
	    (c = ens_session_client_new()) == NULL ||
	    (cl = ens_link_client(c)) == NULL ||
	    (sl = ens_link_server(t)) == NULL ||
	    ens_session_set_chunk(c, size))
		exit(1);
	carry(cl, sl);
	carry(sl, cl);
	if ((s = ens_link_session(sl)) == NULL)
		exit(1);
	t0 = now();
	do {
		if (ens_session_write(c, app, size * depth) !=
		    (ssize_t)(size * depth))
			exit(1);
		carry(cl, sl);
		while (ens_session_read(s, app, sizeof(app)) > 0)
			;
		carry(sl, cl);
		msgs += depth;
	} while ((t1 = now()) - t0 < secs);
	ens_link_end(cl);
	ens_link_end(sl);
	ens_session_free(c);
	ens_table_free(t);
	return ((double)msgs / (t1 - t0));
}

int
main(int argc, char ** argv)
{
	static const struct {
		size_t size, depth;
	} rows[] = {
		{16, 64}, {16, ENS_WINDOW_MSGS - 1}, {ENS_CHUNK, 127}
	};
	double secs = argc > 1 ? atof(argv[1]) : 3.0, best[3] = {0, 0, 0}, r;
	size_t i, k;

	if (secs <= 0) {
		fprintf(stderr, "usage: bench_ensemble [SECONDS]\n");
		return (1);
	}
	/* Rows take turns, so that the ratio compares like with like. */
	for (k = 0; k < ROUNDS; k++)
		for (i = 0; i < 3; i++)
			if ((r = run(rows[i].size, rows[i].depth,
			    secs / (ROUNDS * 3))) > best[i])
				best[i] = r;
	printf("| DATA size | unacknowledged | ns per message | MB/s |\n");
	printf("| ---: | ---: | ---: | ---: |\n");
	for (i = 0; i < 3; i++)
		printf("| %zu | %zu | %.0f | %.1f |\n", rows[i].size,
		    rows[i].depth, 1e9 / best[i],
		    best[i] * (double)rows[i].size / 1e6);
	printf("\nCost per 16-byte message, 4,095 deep over 64 deep: %.2f "
	    "(goal <= 1.5: no cost grows with the window)\n",
	    best[0] / best[1]);
	return (best[0] / best[1] <= 1.5 ? 0 : 1);
}
