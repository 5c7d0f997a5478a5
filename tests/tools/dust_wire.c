/*
 * dust_wire: what Dust puts on the wire, as a capture, before the tunnel
 * exists.  N connections of a client and a server engine (lib/engine/)
 * back to back on a simulated clock (no loss, no latency):
 * the client sends a request of 80..400 random bytes, the server answers
 * with one of the response sizes of models/capture/http.sh (120 B to
 * 200 kB); each side sends what dust_packet_count says, each packet of
 * dust_encoded_ready's length, and the connection ends (FIN) once the
 * response has arrived and the client's drawn duration has elapsed, or
 * after $DUST_WIRE_MAX_MS (default 120000) ms of simulated time.  Each packet becomes one TCP segment
 * (split at 65495 bytes) of an Ethernet/IPv4 frame between 127.0.0.1
 * ports, after a SYN / SYN-ACK / ACK, written with libpcap.
 *
 *   dust_wire MODEL N OUT.pcap [SEED]
 *
 * MODEL is a model file or a built-in name.  Timing is the engine's
 * schedule, not a kernel's: per packet, the clock ticks whole ms and the
 * packets of a tick share its time; in conversation mode it moves to the
 * next microsecond either engine has a step due (dust_engine_next_due_us),
 * so each step goes at its learned gap.
 *
 * With a model that has conversations (conversation mode) both engines
 * follow the conversation their handshake chose (the client none of
 * those it drew lately, as the tunnel's client): each side sends the
 * steps dust_packet_count_us releases (gated on the peer's bytes, which
 * are delivered at once, and the steps' gaps), and the connection ends
 * when both engines are done, closed as the learned one was
 * (dust_engine_close_us).  The request and response are carried as far as
 * the conversation's bytes allow (the server's answer is queued at once,
 * without waiting for the request: Seattle sends it once the session is
 * established).  One line per connection goes to
 * standard output: "conn I ms MS c2s SENT/WANTED s2c SENT/WANTED", the
 * application bytes delivered each way.
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dust/engine.h"
#include "dust/keyfile.h"
#include "dust/model.h"
#include "dust/rng.h"
#include "dust/seattle.h"

#define SERVER_PORT	8080
#define TICK_MS		1
#define MAX_MS		120000.0
#define SEG_MAX		65495

static double max_ms = MAX_MS;

static const uint32_t sizes[] = { 120, 300, 700, 1200, 2500, 4000, 6000,
    9000, 14000, 20000, 30000, 45000, 64000, 90000, 130000, 200000 };

/*
 * The capture being written and its clock, and the client's record of
 * the conversations it drew lately (a client draws none of them again,
 * as the tunnel's does; NULL per packet).
 */
struct wire {
	pcap_dumper_t * d;
	double t0;
	struct dust_conv_recent * recent;
};

/* One direction of a simulated TCP connection. */
struct end {
	uint16_t port;
	uint32_t seq;
};

/* frame(w, ms, from, to, flags, data, n): write one TCP segment. */
static void
frame(struct wire * w, double ms, struct end * from, struct end * to,
    uint8_t flags, const uint8_t * data, size_t n)
{
	static uint8_t b[14 + 40 + SEG_MAX];
	struct pcap_pkthdr h;
	uint8_t * ip = b + 14, * tcp = ip + 20;
	size_t tot = 40 + n;
	double t = w->t0 + ms / 1000.0;

	memset(b, 0, 14 + 40);
	b[12] = 0x08;
	ip[0] = 0x45;
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	ip[6] = 0x40;
	ip[8] = 64;
	ip[9] = 6;
	ip[12] = ip[16] = 127;
	ip[15] = ip[19] = 1;
	tcp[0] = (uint8_t)(from->port >> 8);
	tcp[1] = (uint8_t)from->port;
	tcp[2] = (uint8_t)(to->port >> 8);
	tcp[3] = (uint8_t)to->port;
	tcp[4] = (uint8_t)(from->seq >> 24);
	tcp[5] = (uint8_t)(from->seq >> 16);
	tcp[6] = (uint8_t)(from->seq >> 8);
	tcp[7] = (uint8_t)from->seq;
	tcp[8] = (uint8_t)(to->seq >> 24);
	tcp[9] = (uint8_t)(to->seq >> 16);
	tcp[10] = (uint8_t)(to->seq >> 8);
	tcp[11] = (uint8_t)to->seq;
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	tcp[14] = 0xff;
	tcp[15] = 0xff;
	if (n > 0)
		memcpy(tcp + 20, data, n);
	from->seq += (uint32_t)n + ((flags & 0x03) ? 1 : 0);
	h.ts.tv_sec = (time_t)t;
	h.ts.tv_usec = (suseconds_t)((t - (double)(time_t)t) * 1e6);
	h.caplen = h.len = (bpf_u_int32)(14 + tot);
	pcap_dump((u_char *)w->d, &h, b);
}

/*
 * send_side(w, e, n, ms, peer, from, to): ${e}'s next ${n} packets (those
 * dust_packet_count_us said fell due), at ${ms}, handed to ${peer}.
 */
static void
send_side(struct wire * w, struct dust_engine * e, uint16_t n, double ms,
    struct dust_engine * peer, struct end * from, struct end * to)
{
	static uint8_t pkt[65535];
	uint16_t len;
	size_t off, k;

	for (; n > 0; n--) {
		len = dust_encoded_ready(e);
		dust_get_encoded(e, pkt, len);
		for (off = 0; off < len; off += k) {
			k = len - off < SEG_MAX ? len - off : SEG_MAX;
			frame(w, ms, from, to, 0x18, pkt + off, k);
		}
		if (dust_put_encoded(peer, pkt, len) != 0) {
			fprintf(stderr, "dust_wire: out of memory\n");
			exit(1);
		}
	}
}

/*
 * next_us(c, s): in conversation mode, the microseconds to the next step
 * either engine has due by time alone: at least 1 (a step due now went
 * in this round; the peer's bytes that make one due are in), at most a
 * tick's, so that a side waiting for its peer looks again.
 */
static uint32_t
next_us(const struct dust_engine * c, const struct dust_engine * s)
{
	uint64_t a = dust_engine_next_due_us(c), b = dust_engine_next_due_us(s);

	if (b < a)
		a = b;
	if (a < 1)
		return (1);
	return (a > TICK_MS * 1000 ? TICK_MS * 1000 : (uint32_t)a);
}

/*
 * close_conn(w, ms, c, s, ce, se): end the connection whose conversation
 * was over at ${ms} as the real one was (dust_engine_close_us): the side
 * that closed first sends its FIN after its gap, the other answers at
 * once; per packet, or when the model does not say, at ${ms}.
 */
static void
close_conn(struct wire * w, double ms, const struct dust_engine * c,
    const struct dust_engine * s, struct end * ce, struct end * se)
{
	uint64_t cu = dust_engine_close_us(c), su = dust_engine_close_us(s);
	struct end * first = ce, * other = se;

	if (su < cu) {
		first = se;
		other = ce;
		cu = su;
	}
	if (cu != UINT64_MAX)
		ms += cu / 1000.0;
	frame(w, ms, first, other, 0x11, NULL, 0);
	frame(w, ms, other, first, 0x11, NULL, 0);
	frame(w, ms, first, other, 0x10, NULL, 0);
}

/*
 * conn(w, m, B, b, sid, sidlen, rng, i):
 * Simulate the ${i}-th connection; return its length in ms.
 */
static double
conn(struct wire * w, const struct dust_model * m, const uint8_t B[32],
    const uint8_t b[32], const uint8_t * sid, size_t sidlen,
    struct dust_rng_seeded * rng, unsigned i)
{
	static uint8_t buf[65535];
	struct dust_engine * c, * s;
	struct end ce = { (uint16_t)(40000 + i % 20000), 1000u * i };
	struct end se = { SERVER_PORT, 7000000u + 977u * i };
	uint32_t req, resp, got_req = 0, sent = 0, got = 0, x, us;
	uint16_t n, nc, ns;
	double ms;

	c = dust_engine_client_new_fresh(m, B, sid, sidlen, &rng->rng,
	    w->recent);
	s = dust_engine_server_new(m, b, sid, sidlen, NULL, &rng->rng);
	if (c == NULL || s == NULL) {
		fprintf(stderr, "dust_wire: cannot create the engines\n");
		exit(1);
	}
	dust_rng_fill(&rng->rng, (uint8_t *)&x, sizeof(x));
	req = 80 + x % 321;
	dust_rng_fill(&rng->rng, (uint8_t *)&x, sizeof(x));
	resp = sizes[x % (sizeof(sizes) / sizeof(sizes[0]))];

	frame(w, 0, &ce, &se, 0x02, NULL, 0);
	frame(w, 0, &se, &ce, 0x12, NULL, 0);
	frame(w, 0, &ce, &se, 0x10, NULL, 0);
	dust_rng_fill(&rng->rng, buf, req);
	dust_put_decoded(c, buf, (uint16_t)req);
	/* A conversation's first step is timed from the SYN, at 0. */
	us = m->conv != NULL ? 0 : TICK_MS * 1000;
	for (ms = 0; ms < max_ms; ms += us / 1000.0) {
		/*
		 * Both clocks first, then the packets: bytes that arrive are
		 * dated at the receiver's clock, which must be at ${ms} too.
		 */
		nc = dust_packet_count_us(c, us);
		ns = dust_packet_count_us(s, us);
		send_side(w, c, nc, ms, s, &ce, &se);
		send_side(w, s, ns, ms, c, &se, &ce);
		if (got_req < req && (n = dust_decoded_ready(s)) > 0) {
			dust_get_decoded(s, buf, n);
			got_req += n;
		}
		/*
		 * In conversation mode the request may never fit: the server's
		 * answer is queued from the start (Seattle sends it once the
		 * session is established), so that the capacity of both
		 * directions shows.
		 */
		while ((got_req >= req || m->conv != NULL) && sent < resp) {
			n = (uint16_t)(resp - sent > 16384 ? 16384 :
			    resp - sent);
			dust_rng_fill(&rng->rng, buf, n);
			dust_put_decoded(s, buf, n);
			sent += n;
		}
		if ((n = dust_decoded_ready(c)) > 0) {
			dust_get_decoded(c, buf, n);
			got += n;
		}
		if (m->conv != NULL ? dust_engine_done(c) &&
		    dust_engine_done(s) : got >= resp &&
		    ms >= dust_engine_duration(c))
			break;
		if (m->conv != NULL)
			us = next_us(c, s);
	}
	printf("conn %u ms %.0f c2s %u/%u s2c %u/%u\n", i, ms, got_req, req,
	    got, resp);
	close_conn(w, ms, c, s, &ce, &se);
	/* Why a side failed, for the log (nothing on the wire shows it). */
	if (dust_engine_state(c) == DUST_ENGINE_FAILED)
		fprintf(stderr, "conn %u client: %s\n", i, dust_engine_failure(c));
	if (dust_engine_state(s) == DUST_ENGINE_FAILED)
		fprintf(stderr, "conn %u server: %s\n", i, dust_engine_failure(s));
	dust_engine_free(c);
	dust_engine_free(s);
	return (ms);
}

int
main(int argc, char ** argv)
{
	struct dust_rng_seeded rng;
	const uint8_t addr[4] = { 127, 0, 0, 1 };
	uint8_t b[32], B[32], sid[SEATTLE_SID_MAX];
	struct dust_model * m;
	struct wire w;
	size_t sidlen, len;
	char err[256], * text;
	unsigned long n, i;
	pcap_t * p;
	FILE * f;

	if (argc < 4 || argc > 5 || (n = strtoul(argv[2], NULL, 10)) == 0) {
		fprintf(stderr, "usage: dust_wire MODEL N OUT.pcap [SEED]\n");
		return (1);
	}
	if ((f = fopen(argv[1], "rb")) != NULL) {
		if ((text = malloc(1 << 24)) == NULL)
			return (1);
		len = fread(text, 1, 1 << 24, f);
		fclose(f);
		m = dust_model_parse(text, len, err, sizeof(err));
		free(text);
	} else
		m = dust_model_builtin(argv[1], err, sizeof(err));
	if (m == NULL) {
		fprintf(stderr, "dust_wire: %s: %s\n", argv[1], err);
		return (1);
	}
	if (getenv("DUST_WIRE_MAX_MS") != NULL)
		max_ms = strtod(getenv("DUST_WIRE_MAX_MS"), NULL);
	dust_rng_seeded_u64(&rng, argc == 5 ? strtoull(argv[4], NULL, 10) : 1);
	keyfile_generate(b, B, &rng.rng);
	sidlen = seattle_sid(sid, 0, addr, SERVER_PORT, 0);
	p = pcap_open_dead(DLT_EN10MB, 65535);
	if ((w.d = pcap_dump_open(p, argv[3])) == NULL) {
		fprintf(stderr, "dust_wire: %s: %s\n", argv[3], pcap_geterr(p));
		return (1);
	}
	w.t0 = 1.7e9;
	w.recent = NULL;
	if (m->conv != NULL && (w.recent = dust_conv_recent_new(m->conv)) ==
	    NULL) {
		fprintf(stderr, "dust_wire: out of memory\n");
		return (1);
	}
	for (i = 0; i < n; i++)
		w.t0 += (conn(&w, m, B, b, sid, sidlen, &rng, (unsigned)i) +
		    10) / 1000.0;
	pcap_dump_close(w.d);
	dust_conv_recent_free(w.recent);
	pcap_close(p);
	dust_model_free(m);
	return (0);
}
