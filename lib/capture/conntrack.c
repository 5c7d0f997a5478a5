#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conntrack.h"

/*
 * The decoder reads fixed-offset fields after checking that they lie in
 * the captured bytes; every length taken from a header is compared with
 * what was captured before use.  Connections are found through an
 * open-addressing hash table of indexes, keyed on both endpoints in a
 * canonical (sorted) order so that either direction finds the connection.
 */

struct dust_ct {
	uint16_t port;			/* Server port, 0 for any. */
	size_t flightmax;		/* Bytes of first flight kept, 0: none. */
	int starts;			/* Keep the first flightmax bytes of
					   each side, whatever the peer does. */
	struct dust_ct_conn ** conns;	/* In order of first appearance. */
	size_t nconns, cap;
	size_t * table;			/* Index + 1 into conns, 0 empty. */
	size_t tsize;			/* Power of two. */
	uint64_t bytes[2][256];
};

/* A decoded TCP segment. */
struct seg {
	uint8_t v6;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint32_t seq;
	uint8_t flags;
	const uint8_t * data;		/* Captured payload bytes, */
	size_t datalen;			/* of */
	uint32_t wirelen;		/* on the wire. */
};

#define TCP_FIN	0x01
#define TCP_SYN	0x02
#define TCP_RST	0x04
#define TCP_ACK	0x10

/* be16(p), be32(p): big-endian integers at ${p}. */
static uint16_t
be16(const uint8_t * p)
{

	return ((uint16_t)((p[0] << 8) | p[1]));
}

static uint32_t
be32(const uint8_t * p)
{

	return (((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | p[3]);
}

/**
 * dust_ct_new(port):
 * Return a tracker for the connections to server port ${port} (0: any TCP
 * port, direction by SYN), or NULL when out of memory.
 */
struct dust_ct *
dust_ct_new(uint16_t port)
{
	struct dust_ct * ct;

	if ((ct = calloc(1, sizeof(*ct))) == NULL)
		return (NULL);
	ct->port = port;
	ct->tsize = 1024;
	if ((ct->table = calloc(ct->tsize, sizeof(size_t))) == NULL) {
		free(ct);
		return (NULL);
	}
	return (ct);
}

/**
 * dust_ct_keep_flights(ct, max):
 * Keep the first flight of each side of the connections ${ct} sees from
 * now on, up to ${max} bytes (a longer one is DUST_CT_FLIGHT_BROKEN).
 */
void
dust_ct_keep_flights(struct dust_ct * ct, size_t max)
{

	ct->flightmax = max;
}

/**
 * dust_ct_keep_starts(ct, max):
 * Keep the first ${max} bytes each side of the connections ${ct} sees from
 * now on sends, in the place of its first flight (flight, flightlen),
 * whatever the peer sends meanwhile (an SSH side's start runs over several
 * round trips): a side that sends more has the first ${max} bytes kept
 * and is DUST_CT_FLIGHT_DONE; one that sends fewer stays OPEN.
 */
void
dust_ct_keep_starts(struct dust_ct * ct, size_t max)
{

	ct->flightmax = max;
	ct->starts = 1;
}

/**
 * dust_ct_link_ok(linktype):
 * Return 1 if the tracker decodes frames of pcap link type ${linktype}.
 */
int
dust_ct_link_ok(int lt)
{

	switch (lt) {
	case DUST_CT_LINK_NULL:
	case DUST_CT_LINK_ETHERNET:
	case DUST_CT_LINK_RAW:
	case DUST_CT_LINK_RAW_OLD:
	case DUST_CT_LINK_LOOP:
	case DUST_CT_LINK_SLL:
	case DUST_CT_LINK_IPV4:
	case DUST_CT_LINK_IPV6:
	case DUST_CT_LINK_SLL2:
		return (1);
	default:
		return (0);
	}
}

/*
 * decode_tcp(s, p, avail, wire):
 * Decode the TCP header in the ${avail} captured bytes at ${p}, a segment
 * of ${wire} bytes on the wire, into ${s}.  Return 0, or -1 if malformed.
 */
static int
decode_tcp(struct seg * s, const uint8_t * p, size_t avail, size_t wire)
{
	size_t hl;

	if (avail < 20 || wire < 20)
		return (-1);
	hl = (size_t)(p[12] >> 4) * 4;
	if (hl < 20 || hl > avail || hl > wire)
		return (-1);
	s->sport = be16(p);
	s->dport = be16(p + 2);
	s->seq = be32(p + 4);
	s->flags = p[13];
	s->data = p + hl;
	s->wirelen = (uint32_t)(wire - hl);
	s->datalen = avail - hl;
	if (s->datalen > s->wirelen)
		s->datalen = s->wirelen;
	return (0);
}

/*
 * decode_ip(s, p, caplen):
 * Decode the IPv4 or IPv6 packet in the ${caplen} bytes at ${p} down to
 * TCP.  Return 0, or -1 if it is not an unfragmented TCP segment.
 */
static int
decode_ip(struct seg * s, const uint8_t * p, size_t caplen)
{
	size_t hl, tot, off, elen;
	uint8_t nh;
	int i;

	if (caplen < 1)
		return (-1);
	if ((p[0] >> 4) == 4) {
		if (caplen < 20)
			return (-1);
		hl = (size_t)(p[0] & 0x0f) * 4;
		tot = be16(p + 2);
		if (tot == 0)		/* Captured before segmentation. */
			tot = caplen;
		if (hl < 20 || hl > caplen || tot < hl || p[9] != 6)
			return (-1);
		if ((be16(p + 6) & 0x3fff) != 0)	/* MF or offset. */
			return (-1);
		s->v6 = 0;
		memset(s->src, 0, 16);
		memset(s->dst, 0, 16);
		memcpy(s->src, p + 12, 4);
		memcpy(s->dst, p + 16, 4);
		if (caplen > tot)	/* Link-layer padding. */
			caplen = tot;
		return (decode_tcp(s, p + hl, caplen - hl, tot - hl));
	}
	if ((p[0] >> 4) == 6) {
		if (caplen < 40)
			return (-1);
		tot = (size_t)be16(p + 4) + 40;
		if (tot == 40)		/* Jumbogram or nothing. */
			return (-1);
		s->v6 = 1;
		memcpy(s->src, p + 8, 16);
		memcpy(s->dst, p + 24, 16);
		if (caplen > tot)
			caplen = tot;
		nh = p[6];
		off = 40;
		for (i = 0; i < 8 && nh != 6; i++) {
			if (nh != 0 && nh != 43 && nh != 60 && nh != 51)
				return (-1);	/* Fragment, ESP, none... */
			if (off + 2 > caplen)
				return (-1);
			elen = (nh == 51) ? ((size_t)p[off + 1] + 2) * 4 :
			    ((size_t)p[off + 1] + 1) * 8;
			nh = p[off];
			off += elen;
		}
		if (nh != 6 || off > caplen)
			return (-1);
		return (decode_tcp(s, p + off, caplen - off, tot - off));
	}
	return (-1);
}

/*
 * decode_frame(s, lt, f, caplen):
 * Decode the frame ${f} of link type ${lt} down to TCP.  Return 0, or -1
 * if it is not a TCP segment this decoder understands.
 */
static int
decode_frame(struct seg * s, int lt, const uint8_t * f, size_t caplen)
{
	uint32_t fam, famle;
	size_t off;
	uint16_t et;
	int i;

	switch (lt) {
	case DUST_CT_LINK_NULL:
	case DUST_CT_LINK_LOOP:
		if (caplen < 4)
			return (-1);
		fam = be32(f);
		famle = ((uint32_t)f[3] << 24) | ((uint32_t)f[2] << 16) |
		    ((uint32_t)f[1] << 8) | f[0];
		if (lt == DUST_CT_LINK_NULL && fam > 0xffff)
			fam = famle;	/* Host order of the capturing side. */
		if (fam != 2 && fam != 10 && fam != 24 && fam != 28 &&
		    fam != 30)
			return (-1);
		return (decode_ip(s, f + 4, caplen - 4));
	case DUST_CT_LINK_ETHERNET:
		if (caplen < 14)
			return (-1);
		off = 12;
		et = be16(f + off);
		for (i = 0; i < 2 && (et == 0x8100 || et == 0x88a8); i++) {
			off += 4;
			if (off + 2 > caplen)
				return (-1);
			et = be16(f + off);
		}
		off += 2;
		if (et != 0x0800 && et != 0x86dd)
			return (-1);
		return (decode_ip(s, f + off, caplen - off));
	case DUST_CT_LINK_SLL:
		if (caplen < 16)
			return (-1);
		et = be16(f + 14);
		if (et != 0x0800 && et != 0x86dd)
			return (-1);
		return (decode_ip(s, f + 16, caplen - 16));
	case DUST_CT_LINK_SLL2:
		if (caplen < 20)
			return (-1);
		et = be16(f);
		if (et != 0x0800 && et != 0x86dd)
			return (-1);
		return (decode_ip(s, f + 20, caplen - 20));
	case DUST_CT_LINK_RAW:
	case DUST_CT_LINK_RAW_OLD:
	case DUST_CT_LINK_IPV4:
	case DUST_CT_LINK_IPV6:
		return (decode_ip(s, f, caplen));
	default:
		return (-1);
	}
}

/* key(buf, a, ap, b, bp): the canonical key of endpoints a and b. */
static size_t
key(uint8_t buf[36], const uint8_t * a, uint16_t ap, const uint8_t * b,
    uint16_t bp)
{
	uint8_t ea[18], eb[18];

	memcpy(ea, a, 16);
	ea[16] = (uint8_t)(ap >> 8);
	ea[17] = (uint8_t)ap;
	memcpy(eb, b, 16);
	eb[16] = (uint8_t)(bp >> 8);
	eb[17] = (uint8_t)bp;
	if (memcmp(ea, eb, 18) <= 0) {
		memcpy(buf, ea, 18);
		memcpy(buf + 18, eb, 18);
	} else {
		memcpy(buf, eb, 18);
		memcpy(buf + 18, ea, 18);
	}
	return (36);
}

/* hash(k): FNV-1a of the 36-byte key ${k}. */
static uint64_t
hash(const uint8_t * k)
{
	uint64_t h = 14695981039346656037ULL;
	size_t i;

	for (i = 0; i < 36; i++) {
		h ^= k[i];
		h *= 1099511628211ULL;
	}
	return (h);
}

/* conn_key(c, buf): the canonical key of connection ${c}. */
static void
conn_key(const struct dust_ct_conn * c, uint8_t buf[36])
{

	key(buf, c->addr[0], c->port[0], c->addr[1], c->port[1]);
}

/*
 * slot(ct, k, v6):
 * Return the table slot holding the connection of key ${k} (and family
 * ${v6}), or the empty slot where it would go.
 */
static size_t
slot(const struct dust_ct * ct, const uint8_t * k, int v6)
{
	uint8_t ck[36];
	size_t i, mask = ct->tsize - 1;
	const struct dust_ct_conn * c;

	for (i = (size_t)hash(k) & mask; ct->table[i] != 0; i = (i + 1) & mask) {
		c = ct->conns[ct->table[i] - 1];
		conn_key(c, ck);
		if (c->v6 == v6 && memcmp(ck, k, 36) == 0)
			return (i);
	}
	return (i);
}

/* grow(ct): double the hash table.  Return 0, or -1 out of memory. */
static int
grow(struct dust_ct * ct)
{
	size_t * old = ct->table, oldsize = ct->tsize, i, j;
	uint8_t k[36];

	if ((ct->table = calloc(oldsize * 2, sizeof(size_t))) == NULL) {
		ct->table = old;
		return (-1);
	}
	ct->tsize = oldsize * 2;
	for (i = 0; i < oldsize; i++) {
		if (old[i] == 0)
			continue;
		conn_key(ct->conns[old[i] - 1], k);
		j = slot(ct, k, ct->conns[old[i] - 1]->v6);
		ct->table[j] = old[i];
	}
	free(old);
	return (0);
}

/*
 * conn_add(ct, s, fromclient, at):
 * Add a connection for segment ${s}, whose sender is the client if
 * ${fromclient}, into table slot ${at} (occupied: replaced).  Return it,
 * or NULL when out of memory or too many.
 */
static struct dust_ct_conn *
conn_add(struct dust_ct * ct, const struct seg * s, int fromclient,
    size_t at)
{
	struct dust_ct_conn * c, ** nc;
	size_t ncap;

	if (ct->nconns >= DUST_CT_CONNS_MAX)
		return (NULL);
	if (ct->nconns == ct->cap) {
		ncap = ct->cap ? ct->cap * 2 : 64;
		if ((nc = realloc(ct->conns, ncap * sizeof(*nc))) == NULL)
			return (NULL);
		ct->conns = nc;
		ct->cap = ncap;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (NULL);
	c->v6 = s->v6;
	memcpy(c->addr[0], fromclient ? s->src : s->dst, 16);
	memcpy(c->addr[1], fromclient ? s->dst : s->src, 16);
	c->port[0] = fromclient ? s->sport : s->dport;
	c->port[1] = fromclient ? s->dport : s->sport;
	c->tstart = c->tsyn = c->tsynack = c->tack = c->tfin = -1;
	ct->conns[ct->nconns++] = c;
	ct->table[at] = ct->nconns;
	return (c);
}

/* flight_broken(sd): the first flight of ${sd} is not whole: free it. */
static void
flight_broken(struct dust_ct_side * sd)
{

	free(sd->flight);
	sd->flight = NULL;
	sd->flightlen = 0;
	sd->flightstate = DUST_CT_FLIGHT_BROKEN;
}

/*
 * flight_data(ct, c, dir, s, fresh):
 * Add what segment ${s} of direction ${dir} brings to that side's first
 * flight, and if it carries ${fresh} bytes (not only retransmitted ones),
 * end the peer's.  Return 0, or -1 when out of memory.
 */
static int
flight_data(struct dust_ct * ct, struct dust_ct_conn * c, int dir,
    const struct seg * s, int fresh)
{
	struct dust_ct_side * sd = &c->side[dir];
	uint8_t * nf;
	size_t off, n;
	int32_t d;

	if (fresh && !ct->starts &&
	    c->side[!dir].flightstate == DUST_CT_FLIGHT_OPEN)
		c->side[!dir].flightstate = DUST_CT_FLIGHT_DONE;
	if (ct->flightmax == 0 || sd->flightstate == DUST_CT_FLIGHT_DONE ||
	    sd->flightstate == DUST_CT_FLIGHT_BROKEN)
		return (0);
	if (sd->flightstate == DUST_CT_FLIGHT_NONE) {
		sd->flightstate = DUST_CT_FLIGHT_OPEN;
		sd->flightseq = s->seq;
	}
	d = (int32_t)(s->seq - sd->flightseq);
	if (d > 0 || s->datalen < s->wirelen) {
		/* A segment before this one was not captured, or cut. */
		flight_broken(sd);
		return (0);
	}
	if ((off = (size_t)-(int64_t)d) >= s->datalen)
		return (0);		/* Retransmitted bytes only. */
	n = s->datalen - off;
	if (sd->flightlen + n > ct->flightmax) {
		if (!ct->starts) {
			flight_broken(sd);
			return (0);
		}
		/* A start: its first bytes are enough. */
		n = ct->flightmax - sd->flightlen;
		sd->flightstate = DUST_CT_FLIGHT_DONE;
	}
	if ((nf = realloc(sd->flight, sd->flightlen + n)) == NULL)
		return (-1);
	sd->flight = nf;
	memcpy(nf + sd->flightlen, s->data + off, n);
	sd->flightlen += n;
	sd->flightseq = s->seq + (uint32_t)s->datalen;
	return (0);
}

/*
 * side_data(ct, c, dir, s, ts):
 * Record the data of segment ${s} going in direction ${dir} of ${c}.
 * Return 0, or -1 when out of memory.
 */
static int
side_data(struct dust_ct * ct, struct dust_ct_conn * c, int dir,
    const struct seg * s, double ts)
{
	struct dust_ct_side * sd = &c->side[dir];
	struct dust_ct_pkt * np;
	size_t ncap, i, skip;
	int32_t d;

	if (c->npkts == c->cap) {
		ncap = c->cap ? c->cap * 2 : 16;
		if ((np = realloc(c->pkts, ncap * sizeof(*np))) == NULL)
			return (-1);
		c->pkts = np;
		c->cap = ncap;
	}
	if (sd->first == NULL) {
		sd->firstlen = s->datalen < DUST_CT_FIRST_MAX ? s->datalen :
		    DUST_CT_FIRST_MAX;
		if ((sd->first = malloc(sd->firstlen + 1)) == NULL)
			return (-1);
		memcpy(sd->first, s->data, sd->firstlen);
		sd->firstwire = s->wirelen;
	}
	c->pkts[c->npkts].ts = ts;
	c->pkts[c->npkts].len = s->wirelen;
	c->pkts[c->npkts].dir = (uint8_t)dir;
	c->npkts++;

	/* Count only the bytes past the highest sequence number seen. */
	skip = 0;
	d = sd->seqknown ? (int32_t)(s->seq + s->wirelen - sd->next) : 1;
	if (flight_data(ct, c, dir, s, d > 0))
		return (-1);
	if (sd->seqknown) {
		if (d <= 0)
			return (0);
		if ((uint32_t)d < s->wirelen)
			skip = s->wirelen - (uint32_t)d;
	}
	sd->next = s->seq + s->wirelen;
	sd->seqknown = 1;
	for (i = skip; i < s->datalen; i++)
		ct->bytes[dir][s->data[i]]++;
	if (s->datalen > skip)
		sd->payload += s->datalen - skip;
	return (0);
}

/*
 * handshake_times(c, dir, flags, ts): note the time ${ts} of a segment
 * with TCP flags ${flags} going in direction ${dir} if it is the client's
 * first SYN, the server's first SYN-ACK after it, or the client's first
 * segment after that: the capture point's round trips to the server
 * (SYN to SYN-ACK) and to the client (SYN-ACK to ACK).
 */
static void
handshake_times(struct dust_ct_conn * c, int dir, uint8_t flags, double ts)
{
	uint8_t synack = flags & (TCP_SYN | TCP_ACK);

	if (dir == DUST_CT_C2S && synack == TCP_SYN && c->tsyn < 0)
		c->tsyn = ts;
	else if (dir == DUST_CT_S2C && synack == (TCP_SYN | TCP_ACK) &&
	    c->tsyn >= 0 && c->tsynack < 0)
		c->tsynack = ts;
	else if (dir == DUST_CT_C2S && synack == TCP_ACK &&
	    c->tsynack >= 0 && c->tack < 0)
		c->tack = ts;
}

/*
 * is_keepalive(c, dir, s): return 1 if the segment ${s} going in direction
 * ${dir} of ${c} is a TCP keep-alive probe: an ACK of no data or one byte
 * whose sequence number is the one before the side's next (what Linux and
 * Windows send on an idle connection), else 0.
 */
static int
is_keepalive(const struct dust_ct_conn * c, int dir, const struct seg * s)
{
	const struct dust_ct_side * sd = &c->side[dir];
	uint32_t next;

	if ((s->flags & (TCP_SYN | TCP_FIN | TCP_RST | TCP_ACK)) != TCP_ACK ||
	    s->wirelen > 1)
		return (0);
	if (sd->seqknown)
		next = sd->next;
	else if (dir == DUST_CT_C2S && c->synseen)
		next = c->isn + 1;
	else
		return (0);
	return (s->seq == next - 1);
}

/**
 * dust_ct_frame(ct, linktype, frame, caplen, wirelen, ts):
 * Feed the ${caplen} captured bytes ${frame} (of ${wirelen} on the wire)
 * of link type ${linktype}, captured at time ${ts}.  Return 1 if it was a
 * TCP segment of a tracked connection, 0 if it was ignored (not TCP, not
 * the port, malformed, truncated headers), or -1 when out of memory or
 * past DUST_CT_CONNS_MAX connections (the tracker is then unchanged).
 */
int
dust_ct_frame(struct dust_ct * ct, int lt, const uint8_t * frame,
    size_t caplen, size_t wirelen, double ts)
{
	struct dust_ct_conn * c;
	struct seg s;
	uint8_t k[36];
	size_t at;
	int fromclient, dir, syn;

	(void)wirelen;	/* The IP header says how long the segment was. */
	if (decode_frame(&s, lt, frame, caplen) != 0)
		return (0);
	if (ct->port != 0 && s.sport != ct->port && s.dport != ct->port)
		return (0);
	syn = (s.flags & (TCP_SYN | TCP_ACK)) == TCP_SYN;

	/* Keep the table at most half full. */
	if ((ct->nconns + 1) * 2 > ct->tsize && grow(ct))
		return (-1);
	key(k, s.src, s.sport, s.dst, s.dport);
	at = slot(ct, k, s.v6);
	c = ct->table[at] ? ct->conns[ct->table[at] - 1] : NULL;

	/* A new SYN on a used address pair is a new connection. */
	if (c != NULL && syn && !(c->synseen && c->isn == s.seq) &&
	    (c->synseen || c->npkts > 0 || c->closed))
		c = NULL;	/* (The same ISN: a retransmitted SYN.) */
	if (c == NULL) {
		if (!syn && s.wirelen == 0 && !(s.flags & TCP_SYN))
			return (0);	/* No data from an unknown pair. */
		if (ct->port != 0)
			fromclient = (s.dport == ct->port);
		else if (s.flags & TCP_SYN)
			fromclient = syn;
		else
			fromclient = (s.sport > s.dport) ||
			    (s.sport == s.dport);
		if ((c = conn_add(ct, &s, fromclient, at)) == NULL)
			return (-1);
	}
	dir = (s.sport == c->port[0] &&
	    memcmp(s.src, c->addr[0], 16) == 0) ? DUST_CT_C2S : DUST_CT_S2C;
	if (c->port[0] == c->port[1] &&
	    memcmp(c->addr[0], c->addr[1], 16) == 0)
		dir = DUST_CT_C2S;	/* A connection to itself. */
	if (syn && dir == DUST_CT_C2S) {
		c->synseen = 1;
		c->isn = s.seq;
	}
	if ((s.flags & (TCP_FIN | TCP_RST)) && c->tfin < 0) {
		c->tfin = ts;
		c->findir = (uint8_t)dir;
		c->finrst = (s.flags & TCP_RST) != 0;
	}
	if (s.flags & (TCP_FIN | TCP_RST))
		c->closed = 1;
	handshake_times(c, dir, s.flags, ts);
	if (c->tstart < 0 || ts < c->tstart)
		c->tstart = ts;
	if (ts > c->tend)
		c->tend = ts;
	if (is_keepalive(c, dir, &s)) {
		c->keepalive[dir]++;
		return (1);
	}
	if (s.wirelen > 0 && side_data(ct, c, dir, &s, ts))
		return (-1);
	return (1);
}

/**
 * dust_ct_nconns(ct):
 * Return the number of connections seen so far.
 */
size_t
dust_ct_nconns(const struct dust_ct * ct)
{

	return (ct->nconns);
}

/**
 * dust_ct_conn(ct, i):
 * Return the ${i}-th connection in order of first appearance.
 */
const struct dust_ct_conn *
dust_ct_conn(const struct dust_ct * ct, size_t i)
{

	return (ct->conns[i]);
}

/**
 * dust_ct_bytes(ct, dir):
 * Return the 256 counts of the payload byte values of direction ${dir} of
 * every connection (captured, non-retransmitted bytes).
 */
const uint64_t *
dust_ct_bytes(const struct dust_ct * ct, int dir)
{

	return (ct->bytes[dir]);
}

/**
 * dust_ct_free(ct):
 * Free ${ct} and its connections (NULL: nothing).
 */
void
dust_ct_free(struct dust_ct * ct)
{
	size_t i;

	if (ct == NULL)
		return;
	for (i = 0; i < ct->nconns; i++) {
		free(ct->conns[i]->pkts);
		free(ct->conns[i]->side[0].first);
		free(ct->conns[i]->side[1].first);
		free(ct->conns[i]->side[0].flight);
		free(ct->conns[i]->side[1].flight);
		free(ct->conns[i]);
	}
	free(ct->conns);
	free(ct->table);
	free(ct);
}
