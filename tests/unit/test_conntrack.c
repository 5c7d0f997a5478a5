/* The TCP connection tracker on hand-built frames. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "capture/conntrack.h"

#define SYN	0x02
#define ACK	0x10
#define FIN	0x01
#define RST	0x04

/* A frame under construction. */
struct frame {
	uint8_t b[2048];
	size_t len;
};

/*
 * eth_ip4_tcp(f, src, sport, dst, dport, seq, flags, data, n):
 * Build Ethernet + IPv4 + TCP (20-byte header) carrying ${n} bytes.
 */
static void
eth_ip4_tcp(struct frame * f, uint8_t src, uint16_t sport, uint8_t dst,
    uint16_t dport, uint32_t seq, uint8_t flags, const void * data, size_t n)
{
	uint8_t * ip = f->b + 14, * tcp = ip + 20;
	size_t tot = 20 + 20 + n;

	memset(f->b, 0, sizeof(f->b));
	f->b[12] = 0x08;
	ip[0] = 0x45;
	ip[2] = (uint8_t)(tot >> 8);
	ip[3] = (uint8_t)tot;
	ip[8] = 64;
	ip[9] = 6;
	ip[12] = 127; ip[15] = src;
	ip[16] = 127; ip[19] = dst;
	tcp[0] = (uint8_t)(sport >> 8); tcp[1] = (uint8_t)sport;
	tcp[2] = (uint8_t)(dport >> 8); tcp[3] = (uint8_t)dport;
	tcp[4] = (uint8_t)(seq >> 24); tcp[5] = (uint8_t)(seq >> 16);
	tcp[6] = (uint8_t)(seq >> 8); tcp[7] = (uint8_t)seq;
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	memcpy(tcp + 20, data, n);
	f->len = 14 + tot;
}

/* feed(ct, f, ts): feed an Ethernet frame; return the tracker's answer. */
static int
feed(struct dust_ct * ct, const struct frame * f, double ts)
{

	return (dust_ct_frame(ct, DUST_CT_LINK_ETHERNET, f->b, f->len,
	    f->len, ts));
}

/* Directions by port, first segments, byte counts, retransmission. */
static void
test_port_direction_and_retransmission(void ** state)
{
	struct dust_ct * ct = dust_ct_new(80);
	const struct dust_ct_conn * c;
	struct frame f;

	(void)state;
	assert_non_null(ct);
	eth_ip4_tcp(&f, 1, 40000, 2, 80, 1000, SYN, "", 0);
	assert_int_equal(feed(ct, &f, 1.0), 1);
	eth_ip4_tcp(&f, 2, 80, 1, 40000, 5000, SYN | ACK, "", 0);
	assert_int_equal(feed(ct, &f, 1.1), 1);
	eth_ip4_tcp(&f, 1, 40000, 2, 80, 1001, ACK, "GET / HTTP/1.1\r\n", 16);
	assert_int_equal(feed(ct, &f, 1.2), 1);
	/* The same segment again: on the wire twice, counted once. */
	assert_int_equal(feed(ct, &f, 1.3), 1);
	/* Overlapping: 4 old bytes (".1\r\n"), 2 new. */
	eth_ip4_tcp(&f, 1, 40000, 2, 80, 1001 + 12, ACK, ".1\r\nab", 6);
	assert_int_equal(feed(ct, &f, 1.4), 1);
	eth_ip4_tcp(&f, 2, 80, 1, 40000, 5001, ACK, "HTTP", 4);
	assert_int_equal(feed(ct, &f, 1.5), 1);
	/* Another port: ignored. */
	eth_ip4_tcp(&f, 1, 40001, 2, 81, 1, ACK, "x", 1);
	assert_int_equal(feed(ct, &f, 1.6), 0);

	assert_int_equal(dust_ct_nconns(ct), 1);
	c = dust_ct_conn(ct, 0);
	assert_int_equal(c->port[0], 40000);
	assert_int_equal(c->port[1], 80);
	assert_int_equal(c->synseen, 1);
	assert_int_equal(c->npkts, 4);
	assert_int_equal(c->side[0].firstlen, 16);
	assert_memory_equal(c->side[0].first, "GET / HTTP/1.1\r\n", 16);
	assert_int_equal(c->side[0].payload, 16 + 2);
	assert_int_equal(c->side[1].firstlen, 4);
	assert_int_equal(dust_ct_bytes(ct, 0)['G'], 1);
	assert_int_equal(dust_ct_bytes(ct, 0)['a'], 1);
	assert_int_equal(dust_ct_bytes(ct, 0)['\n'], 1);
	assert_int_equal(dust_ct_bytes(ct, 1)['H'], 1);
	assert_true(c->tstart == 1.0 && c->tend == 1.5);
	/* Handshake: SYN, SYN-ACK, the client's next segment. */
	assert_true(c->tsyn == 1.0 && c->tsynack == 1.1 && c->tack == 1.2);
	assert_true(c->tfin == -1);
	dust_ct_free(ct);
}

/* Without a port the SYN's sender is the client; a new SYN after a close
 * on the same address pair is a new connection, a repeated SYN is not. */
static void
test_syn_direction_and_reuse(void ** state)
{
	struct dust_ct * ct = dust_ct_new(0);
	struct frame f;

	(void)state;
	/* The client has the lower port here. */
	eth_ip4_tcp(&f, 1, 80, 2, 9000, 7, SYN, "", 0);
	assert_int_equal(feed(ct, &f, 0), 1);
	assert_int_equal(feed(ct, &f, 0.5), 1);	/* Retransmitted SYN. */
	eth_ip4_tcp(&f, 1, 80, 2, 9000, 8, ACK, "hi", 2);
	assert_int_equal(feed(ct, &f, 1), 1);
	eth_ip4_tcp(&f, 2, 9000, 1, 80, 100, ACK | FIN, "", 0);
	assert_int_equal(feed(ct, &f, 2), 1);
	eth_ip4_tcp(&f, 1, 80, 2, 9000, 5000, SYN, "", 0);
	assert_int_equal(feed(ct, &f, 3), 1);
	eth_ip4_tcp(&f, 1, 80, 2, 9000, 5001, ACK, "again", 5);
	assert_int_equal(feed(ct, &f, 4), 1);
	/* No SYN seen: the higher port is the client. */
	eth_ip4_tcp(&f, 3, 443, 4, 50000, 1, ACK, "srv", 3);
	assert_int_equal(feed(ct, &f, 5), 1);
	/* A pure ACK of an unknown pair makes no connection. */
	eth_ip4_tcp(&f, 5, 1, 6, 2, 1, ACK, "", 0);
	assert_int_equal(feed(ct, &f, 6), 0);

	assert_int_equal(dust_ct_nconns(ct), 3);
	assert_int_equal(dust_ct_conn(ct, 0)->port[0], 80);
	assert_int_equal(dust_ct_conn(ct, 0)->npkts, 1);
	assert_int_equal(dust_ct_conn(ct, 0)->closed, 1);
	/* The server (port 9000) closed first, at 2. */
	assert_true(dust_ct_conn(ct, 0)->tfin == 2);
	assert_int_equal(dust_ct_conn(ct, 0)->findir, DUST_CT_S2C);
	assert_true(dust_ct_conn(ct, 1)->tfin == -1);
	assert_memory_equal(dust_ct_conn(ct, 1)->side[0].first, "again", 5);
	assert_int_equal(dust_ct_conn(ct, 2)->port[0], 50000);
	assert_int_equal(dust_ct_conn(ct, 2)->side[1].firstlen, 3);
	dust_ct_free(ct);
}

/* IPv6 behind a VLAN tag; raw IPv4; Linux cooked. */
static void
test_link_types(void ** state)
{
	struct dust_ct * ct = dust_ct_new(22);
	struct frame f4;
	uint8_t v6[14 + 4 + 40 + 20 + 3], sll[16 + 2048];
	uint8_t * ip = v6 + 18, * tcp = ip + 40;

	(void)state;
	memset(v6, 0, sizeof(v6));
	v6[12] = 0x81; v6[13] = 0x00;		/* 802.1Q */
	v6[16] = 0x86; v6[17] = 0xdd;
	ip[0] = 0x60;
	ip[5] = 23;				/* payload length */
	ip[6] = 6;
	ip[23] = 1;				/* ::1 */
	ip[39] = 1;
	tcp[0] = 0xc0; tcp[1] = 0x00;		/* 49152 -> 22 */
	tcp[3] = 22;
	tcp[12] = 5 << 4;
	tcp[13] = ACK;
	memcpy(tcp + 20, "SSH", 3);
	assert_int_equal(dust_ct_frame(ct, DUST_CT_LINK_ETHERNET, v6,
	    sizeof(v6), sizeof(v6), 1), 1);

	eth_ip4_tcp(&f4, 1, 1234, 2, 22, 1, ACK, "abc", 3);
	assert_int_equal(dust_ct_frame(ct, DUST_CT_LINK_RAW, f4.b + 14,
	    f4.len - 14, f4.len - 14, 2), 1);
	memset(sll, 0, 16);
	sll[14] = 0x08;
	memcpy(sll + 16, f4.b + 14, f4.len - 14);
	assert_int_equal(dust_ct_frame(ct, DUST_CT_LINK_SLL, sll,
	    16 + f4.len - 14, 16 + f4.len - 14, 3), 1);

	assert_int_equal(dust_ct_nconns(ct), 2);
	assert_int_equal(dust_ct_conn(ct, 0)->v6, 1);
	assert_memory_equal(dust_ct_conn(ct, 0)->side[0].first, "SSH", 3);
	assert_int_equal(dust_ct_conn(ct, 1)->npkts, 2);
	assert_int_equal(dust_ct_link_ok(DUST_CT_LINK_SLL2), 1);
	assert_int_equal(dust_ct_link_ok(147), 0);
	dust_ct_free(ct);
}

/* Malformed and unsupported frames are ignored, never read past. */
static void
test_malformed(void ** state)
{
	struct dust_ct * ct = dust_ct_new(0);
	struct frame f;
	size_t cut;

	(void)state;
	eth_ip4_tcp(&f, 1, 1000, 2, 2000, 1, ACK, "data", 4);
	/* Every truncation inside the headers. */
	for (cut = 0; cut < 14 + 20 + 20; cut++)
		assert_int_equal(dust_ct_frame(ct, DUST_CT_LINK_ETHERNET,
		    f.b, cut, cut, 0), 0);
	f.b[14] = 0x44;				/* IHL 16 bytes */
	assert_int_equal(feed(ct, &f, 0), 0);
	f.b[14] = 0x45;
	f.b[14 + 20 + 12] = 4 << 4;		/* TCP header 16 bytes */
	assert_int_equal(feed(ct, &f, 0), 0);
	f.b[14 + 20 + 12] = 15 << 4;		/* 60 bytes: past the end */
	assert_int_equal(feed(ct, &f, 0), 0);
	f.b[14 + 20 + 12] = 5 << 4;
	f.b[14 + 6] = 0x20;			/* More fragments */
	assert_int_equal(feed(ct, &f, 0), 0);
	f.b[14 + 6] = 0;
	f.b[14 + 9] = 17;			/* UDP */
	assert_int_equal(feed(ct, &f, 0), 0);
	f.b[14 + 9] = 6;
	f.b[14 + 3] = 30;			/* IP length < headers */
	assert_int_equal(feed(ct, &f, 0), 0);
	assert_int_equal(dust_ct_nconns(ct), 0);
	dust_ct_free(ct);
}

/*
 * First flights: each side's bytes in order, from its first data to the
 * peer's next data, across segments and retransmissions; a missing
 * segment or one past the limit breaks the flight; not kept unless asked.
 */
static void
test_flights(void ** state)
{
	struct dust_ct * ct = dust_ct_new(443);
	const struct dust_ct_conn * c;
	struct frame f;

	(void)state;
	assert_non_null(ct);
	dust_ct_keep_flights(ct, 16);
	/* Connection 1: client "hello" in two segments, one sent twice. */
	eth_ip4_tcp(&f, 1, 40000, 2, 443, 100, ACK, "hel", 3);
	assert_int_equal(feed(ct, &f, 1.0), 1);
	assert_int_equal(feed(ct, &f, 1.1), 1);
	eth_ip4_tcp(&f, 1, 40000, 2, 443, 101, ACK, "ello", 4);
	assert_int_equal(feed(ct, &f, 1.2), 1);
	/* The server's flight; the client's old bytes again do not end it. */
	eth_ip4_tcp(&f, 2, 443, 1, 40000, 700, ACK, "server", 6);
	assert_int_equal(feed(ct, &f, 1.3), 1);
	eth_ip4_tcp(&f, 1, 40000, 2, 443, 100, ACK, "hel", 3);
	assert_int_equal(feed(ct, &f, 1.35), 1);
	eth_ip4_tcp(&f, 2, 443, 1, 40000, 706, ACK, "-1", 2);
	assert_int_equal(feed(ct, &f, 1.4), 1);
	/* The client's second flight ends it; later bytes are not in it. */
	eth_ip4_tcp(&f, 1, 40000, 2, 443, 105, ACK, "fin", 3);
	assert_int_equal(feed(ct, &f, 1.5), 1);
	eth_ip4_tcp(&f, 2, 443, 1, 40000, 708, ACK, "data", 4);
	assert_int_equal(feed(ct, &f, 1.6), 1);

	/* Connection 2: a server segment missing; connection 3: too long. */
	eth_ip4_tcp(&f, 3, 40001, 2, 443, 1, ACK, "hi", 2);
	assert_int_equal(feed(ct, &f, 2.0), 1);
	eth_ip4_tcp(&f, 2, 443, 3, 40001, 50, ACK, "ab", 2);
	assert_int_equal(feed(ct, &f, 2.1), 1);
	eth_ip4_tcp(&f, 2, 443, 3, 40001, 60, ACK, "cd", 2);
	assert_int_equal(feed(ct, &f, 2.2), 1);
	eth_ip4_tcp(&f, 4, 40002, 2, 443, 1, ACK, "0123456789abcdefg", 17);
	assert_int_equal(feed(ct, &f, 3.0), 1);

	assert_int_equal(dust_ct_nconns(ct), 3);
	c = dust_ct_conn(ct, 0);
	assert_int_equal(c->side[0].flightstate, DUST_CT_FLIGHT_DONE);
	assert_int_equal(c->side[0].flightlen, 5);
	assert_memory_equal(c->side[0].flight, "hello", 5);
	assert_int_equal(c->side[1].flightstate, DUST_CT_FLIGHT_DONE);
	assert_int_equal(c->side[1].flightlen, 8);
	assert_memory_equal(c->side[1].flight, "server-1", 8);
	c = dust_ct_conn(ct, 1);
	assert_int_equal(c->side[0].flightstate, DUST_CT_FLIGHT_DONE);
	assert_int_equal(c->side[1].flightstate, DUST_CT_FLIGHT_BROKEN);
	assert_null(c->side[1].flight);
	c = dust_ct_conn(ct, 2);
	assert_int_equal(c->side[0].flightstate, DUST_CT_FLIGHT_BROKEN);
	assert_int_equal(c->side[0].flightlen, 0);
	dust_ct_free(ct);

	/* Not asked: nothing kept. */
	assert_non_null(ct = dust_ct_new(443));
	eth_ip4_tcp(&f, 1, 40000, 2, 443, 100, ACK, "hello", 5);
	assert_int_equal(feed(ct, &f, 1.0), 1);
	c = dust_ct_conn(ct, 0);
	assert_int_equal(c->side[0].flightstate, DUST_CT_FLIGHT_NONE);
	assert_null(c->side[0].flight);
	dust_ct_free(ct);
}

/*
 * Starts (dust_ct_keep_starts): each side's first bytes, across the
 * peer's data, cut at the limit and then whole; a gap still breaks one.
 */
static void
test_starts(void ** state)
{
	struct dust_ct * ct = dust_ct_new(22);
	const struct dust_ct_conn * c;
	struct frame f;

	(void)state;
	assert_non_null(ct);
	dust_ct_keep_starts(ct, 10);
	/* The server speaks first; the client's bytes do not end its start. */
	eth_ip4_tcp(&f, 2, 22, 1, 40000, 700, ACK, "SSH-s\r\n", 7);
	assert_int_equal(feed(ct, &f, 1.0), 1);
	eth_ip4_tcp(&f, 1, 40000, 2, 22, 100, ACK, "SSH-c\r\n", 7);
	assert_int_equal(feed(ct, &f, 1.1), 1);
	eth_ip4_tcp(&f, 2, 22, 1, 40000, 707, ACK, "KEXINIT", 7);
	assert_int_equal(feed(ct, &f, 1.2), 1);
	eth_ip4_tcp(&f, 1, 40000, 2, 22, 107, ACK, "kexi", 4);
	assert_int_equal(feed(ct, &f, 1.3), 1);
	/* A server segment missing in connection 2. */
	eth_ip4_tcp(&f, 3, 40001, 2, 22, 1, ACK, "hi", 2);
	assert_int_equal(feed(ct, &f, 2.0), 1);
	eth_ip4_tcp(&f, 2, 22, 3, 40001, 50, ACK, "ab", 2);
	assert_int_equal(feed(ct, &f, 2.1), 1);
	eth_ip4_tcp(&f, 2, 22, 3, 40001, 60, ACK, "cd", 2);
	assert_int_equal(feed(ct, &f, 2.2), 1);

	c = dust_ct_conn(ct, 0);
	assert_int_equal(c->side[0].flightstate, DUST_CT_FLIGHT_DONE);
	assert_int_equal(c->side[0].flightlen, 10);
	assert_memory_equal(c->side[0].flight, "SSH-c\r\nkex", 10);
	assert_int_equal(c->side[1].flightstate, DUST_CT_FLIGHT_DONE);
	assert_int_equal(c->side[1].flightlen, 10);
	assert_memory_equal(c->side[1].flight, "SSH-s\r\nKEX", 10);
	c = dust_ct_conn(ct, 1);
	assert_int_equal(c->side[0].flightstate, DUST_CT_FLIGHT_OPEN);
	assert_int_equal(c->side[0].flightlen, 2);
	assert_int_equal(c->side[1].flightstate, DUST_CT_FLIGHT_BROKEN);
	assert_null(c->side[1].flight);
	dust_ct_free(ct);
}

/*
 * Keep-alive probes (no data or one byte at the sequence number before the
 * side's next) are counted, not taken for data; a first close by RST is
 * told from one by FIN.
 */
static void
test_keepalive_and_rst(void ** state)
{
	struct dust_ct * ct = dust_ct_new(80);
	const struct dust_ct_conn * c;
	struct frame f;

	(void)state;
	eth_ip4_tcp(&f, 1, 5000, 2, 80, 99, SYN, "", 0);
	assert_int_equal(feed(ct, &f, 0), 1);
	eth_ip4_tcp(&f, 1, 5000, 2, 80, 100, ACK, "GET /", 5);
	assert_int_equal(feed(ct, &f, 1), 1);
	eth_ip4_tcp(&f, 2, 80, 1, 5000, 500, ACK, "200", 3);
	assert_int_equal(feed(ct, &f, 1.1), 1);
	/* Linux's probe: no data, seq 104 (next 105); Windows': 1 byte. */
	eth_ip4_tcp(&f, 1, 5000, 2, 80, 104, ACK, "", 0);
	assert_int_equal(feed(ct, &f, 10), 1);
	eth_ip4_tcp(&f, 1, 5000, 2, 80, 104, ACK, "T", 1);
	assert_int_equal(feed(ct, &f, 20), 1);
	/* A pure ACK at the next sequence number is no probe. */
	eth_ip4_tcp(&f, 1, 5000, 2, 80, 105, ACK, "", 0);
	assert_int_equal(feed(ct, &f, 21), 1);
	eth_ip4_tcp(&f, 2, 80, 1, 5000, 503, ACK | RST, "", 0);
	assert_int_equal(feed(ct, &f, 30), 1);

	c = dust_ct_conn(ct, 0);
	assert_int_equal(c->keepalive[DUST_CT_C2S], 2);
	assert_int_equal(c->keepalive[DUST_CT_S2C], 0);
	assert_int_equal(c->npkts, 2);
	assert_int_equal(c->side[DUST_CT_C2S].payload, 5);
	assert_true(c->tfin == 30);
	assert_int_equal(c->findir, DUST_CT_S2C);
	assert_int_equal(c->finrst, 1);

	/* A FIN first: not a RST. */
	eth_ip4_tcp(&f, 1, 5001, 2, 80, 9, SYN, "", 0);
	assert_int_equal(feed(ct, &f, 40), 1);
	eth_ip4_tcp(&f, 1, 5001, 2, 80, 10, ACK | FIN, "", 0);
	assert_int_equal(feed(ct, &f, 41), 1);
	eth_ip4_tcp(&f, 2, 80, 1, 5001, 70, ACK | RST, "", 0);
	assert_int_equal(feed(ct, &f, 42), 1);
	c = dust_ct_conn(ct, 1);
	assert_int_equal(c->findir, DUST_CT_C2S);
	assert_int_equal(c->finrst, 0);
	dust_ct_free(ct);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_port_direction_and_retransmission),
		cmocka_unit_test(test_flights),
		cmocka_unit_test(test_starts),
		cmocka_unit_test(test_syn_direction_and_reuse),
		cmocka_unit_test(test_link_types),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_keepalive_and_rst),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
