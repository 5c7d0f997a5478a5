#ifndef DUST_CONNTRACK_H
#define DUST_CONNTRACK_H

#include <stddef.h>
#include <stdint.h>

/*
 * TCP connections out of captured link-layer frames, sans-I/O: the caller
 * reads a capture (dust/pcapread.c does it with libpcap) and feeds every
 * frame with its link type and time; the tracker decodes Ethernet (with
 * VLAN tags), BSD loopback, Linux cooked (v1, v2) or raw IP, IPv4 or IPv6
 * and TCP, and keeps, per connection and direction, the data-carrying
 * segments (time, length), the first data segment's bytes and the byte
 * counts of every new payload byte (retransmitted bytes are counted once),
 * and, if asked (dust_ct_keep_flights), each side's first flight: every
 * byte it sent from its first data until the peer's next data (a TLS
 * client's ClientHello; its server's ServerHello, ChangeCipherSpec and
 * encrypted handshake), reassembled in sequence order.
 * Frames are untrusted: any bytes are either decoded or ignored.
 *
 * Direction: with a server port, client-to-server is toward that port;
 * without one, the sender of the SYN is the client (when the SYN was not
 * captured, the side with the higher port).
 */

/* Directions, as in dust/model.h. */
#define DUST_CT_C2S	0
#define DUST_CT_S2C	1

/* Bytes kept of each direction's first data segment. */
#define DUST_CT_FIRST_MAX	4096

/* What is known of a side's first flight. */
#define DUST_CT_FLIGHT_NONE	0	/* No data yet, or flights not kept. */
#define DUST_CT_FLIGHT_OPEN	1	/* Being sent: the peer has not answered. */
#define DUST_CT_FLIGHT_DONE	2	/* Whole: the peer sent data after it. */
#define DUST_CT_FLIGHT_BROKEN	3	/* Not whole: a segment missing or cut
					   short by the capture, or longer than
					   the tracker keeps (bytes freed). */

/* Most connections one tracker holds. */
#define DUST_CT_CONNS_MAX	(1 << 20)

/* Link types (pcap LINKTYPE_* values) the tracker decodes. */
#define DUST_CT_LINK_NULL	0
#define DUST_CT_LINK_ETHERNET	1
#define DUST_CT_LINK_RAW	101
#define DUST_CT_LINK_RAW_OLD	12	/* DLT_RAW on some systems */
#define DUST_CT_LINK_LOOP	108
#define DUST_CT_LINK_SLL	113
#define DUST_CT_LINK_IPV4	228
#define DUST_CT_LINK_IPV6	229
#define DUST_CT_LINK_SLL2	276

/* One data-carrying segment. */
struct dust_ct_pkt {
	double ts;		/* Capture time, seconds. */
	uint32_t len;		/* TCP payload length on the wire. */
	uint8_t dir;		/* DUST_CT_C2S or DUST_CT_S2C. */
};

/* One direction of a connection. */
struct dust_ct_side {
	uint8_t * first;	/* First data segment's captured bytes, */
	size_t firstlen;	/* at most DUST_CT_FIRST_MAX of them. */
	uint32_t firstwire;	/* Its length on the wire. */
	uint32_t next;		/* Sequence number after the highest byte. */
	int seqknown;		/* next is set. */
	uint64_t payload;	/* New payload bytes seen. */
	uint8_t * flight;	/* The first flight's bytes (if kept), */
	size_t flightlen;	/* in sequence order, */
	uint32_t flightseq;	/* and the sequence number after them. */
	int flightstate;	/* DUST_CT_FLIGHT_* */
};

struct dust_ct_conn {
	uint8_t addr[2][16];	/* [C2S] client, [S2C] server address. */
	uint16_t port[2];	/* Client port, server port. */
	uint8_t v6;		/* IPv6 addresses, else IPv4 in addr[][0..3]. */
	uint8_t synseen;	/* The client's SYN was captured. */
	uint8_t closed;		/* FIN or RST seen. */
	uint32_t isn;		/* The client's SYN sequence number. */
	double tstart, tend;	/* First and last frame of the connection. */
	double tsyn;		/* The client's first SYN, */
	double tsynack;		/* the server's first SYN-ACK, */
	double tack;		/* the client's next segment (-1: none). */
	double tfin;		/* The first FIN or RST (-1: none), */
	uint8_t findir;		/* its direction, */
	uint8_t finrst;		/* and 1 if it was a RST. */
	uint32_t keepalive[2];	/* Keep-alive probes each way: no data or
				   one byte, at the sequence number before
				   the side's next, no SYN, FIN or RST. */
	struct dust_ct_pkt * pkts;	/* Data segments in capture order. */
	size_t npkts, cap;
	struct dust_ct_side side[2];
};

struct dust_ct;

/**
 * dust_ct_new(port):
 * Return a tracker for the connections to server port ${port} (0: any TCP
 * port, direction by SYN), or NULL when out of memory.
 */
struct dust_ct * dust_ct_new(uint16_t);

/**
 * dust_ct_keep_flights(ct, max):
 * Keep the first flight of each side of the connections ${ct} sees from
 * now on, up to ${max} bytes (a longer one is DUST_CT_FLIGHT_BROKEN).
 */
void dust_ct_keep_flights(struct dust_ct *, size_t);

/**
 * dust_ct_keep_starts(ct, max):
 * Keep the first ${max} bytes each side of the connections ${ct} sees from
 * now on sends, in the place of its first flight (flight, flightlen),
 * whatever the peer sends meanwhile (an SSH side's start runs over several
 * round trips): a side that sends more has the first ${max} bytes kept
 * and is DUST_CT_FLIGHT_DONE; one that sends fewer stays OPEN.
 */
void dust_ct_keep_starts(struct dust_ct *, size_t);

/**
 * dust_ct_link_ok(linktype):
 * Return 1 if the tracker decodes frames of pcap link type ${linktype}.
 */
int dust_ct_link_ok(int);

/**
 * dust_ct_frame(ct, linktype, frame, caplen, wirelen, ts):
 * Feed the ${caplen} captured bytes ${frame} (of ${wirelen} on the wire)
 * of link type ${linktype}, captured at time ${ts}.  Return 1 if it was a
 * TCP segment of a tracked connection, 0 if it was ignored (not TCP, not
 * the port, malformed, truncated headers), or -1 when out of memory or
 * past DUST_CT_CONNS_MAX connections (the tracker is then unchanged).
 */
int dust_ct_frame(struct dust_ct *, int, const uint8_t *, size_t, size_t,
    double);

/**
 * dust_ct_nconns(ct):
 * Return the number of connections seen so far.
 */
size_t dust_ct_nconns(const struct dust_ct *);

/**
 * dust_ct_conn(ct, i):
 * Return the ${i}-th connection in order of first appearance.
 */
const struct dust_ct_conn * dust_ct_conn(const struct dust_ct *, size_t);

/**
 * dust_ct_bytes(ct, dir):
 * Return the 256 counts of the payload byte values of direction ${dir} of
 * every connection (captured, non-retransmitted bytes).
 */
const uint64_t * dust_ct_bytes(const struct dust_ct *, int);

/**
 * dust_ct_free(ct):
 * Free ${ct} and its connections (NULL: nothing).
 */
void dust_ct_free(struct dust_ct *);

#endif /* !DUST_CONNTRACK_H */
