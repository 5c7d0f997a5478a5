#ifndef DUST_MODEL_H
#define DUST_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "dust/dist.h"

/*
 * A Dust model: what the traffic of each direction should look like.  It is
 * read from JSON (docs/models.md: format, families, validation, built-in
 * models) and, once loaded, is immutable: every connection using it shares
 * its code tables.
 */

enum dust_coder {
	/* Reverse Huffman (docs/spec.md §3.3), the default. */
	DUST_CODER_HUFFMAN,
	DUST_CODER_EXACT	/* Reverse arithmetic coding. */
};

/* Directions, the index of a part in struct dust_model. */
#define DUST_C2S	0	/* client_to_server */
#define DUST_S2C	1	/* server_to_client */

/* Bounds of the sampled values. */
#define DUST_LENGTH_MAX		65535		/* Bytes per packet, 1.. */
#define DUST_FLOW_MAX		65535		/* Packets per second, 0.. */
#define DUST_DURATION_MAX	2147483647	/* ms per connection, 1.. */
#define DUST_PREFIX_MAX		4096		/* Bytes of prefix. */

/* The coders' tables, internal to libdust (lib/shape/). */
struct dust_huff_code;
struct dust_exact_code;

/* One direction of a model. */
struct dust_model_part {
	double weight[256];		/* Target byte probabilities (sum 1). */
	uint32_t freq[256];		/* Quantized: sum 2^20. */
	struct dust_dist length;	/* Packet length, 1..65535. */
	struct dust_dist flow;		/* Packets per second, 0..65535. */
	struct dust_dist duration;	/* Connection duration in ms. */
	uint8_t * prefix;		/* Sent first on each connection. */
	size_t prefixlen;
	enum dust_coder coder;
	struct dust_huff_code * huff;	/* Both coders' tables are built, */
	struct dust_exact_code * exact;	/* whichever the model chose. */
};

struct dust_convset;
struct dust_format;

/* Most connections a host keeps open at once (hosts.concurrency). */
#define DUST_HOSTS_CONC_MAX	256

/* Who ends a connection: the index of a share in dust_hosts.close. */
#define DUST_CLOSE_CLIENT_FIN	0
#define DUST_CLOSE_SERVER_FIN	1
#define DUST_CLOSE_CLIENT_RST	2
#define DUST_CLOSE_SERVER_RST	3

/*
 * The host-level behaviour of the learned client (docs/models.md, the
 * "hosts" object): how its connections to the server follow one another.
 */
struct dust_hosts {
	uint64_t connections;		/* Connections it was learned from. */
	struct dust_dist start_gap;	/* ms from a start to the next, */
	struct dust_dist busy_gap;	/* and to a next that found others
					   of the host's connections open. */
	struct dust_dist concurrency;	/* Open at each start, itself in. */
	struct dust_dist lifetime;	/* ms from the SYN to the close. */
	struct dust_dist idle_close;	/* ms from the last data to it. */
	double close[4];		/* Shares, DUST_CLOSE_* (sum 1). */
	double keepalive;		/* Share of connections whose client
					   sent keep-alive probes while
					   idle (0: an idle client is
					   silent). */
};

struct dust_model {
	char * name;
	struct dust_model_part part[2];	/* [DUST_C2S], [DUST_S2C] */
	struct dust_convset * conv;	/* Conversations, or NULL (per-packet
					   mode; include/dust/conversation.h). */
	struct dust_format * format;	/* A protocol format (TLS 1.3), or
					   NULL: the seed's shaping
					   (docs/formats.md). */
	struct dust_hosts * hosts;	/* The host-level behaviour, or NULL
					   (a model learned before it). */
};

/**
 * dust_model_parse(json, len, errbuf, errlen):
 * Load the model in the ${len} bytes of JSON text ${json}.  Return it, or
 * NULL with a message naming the field and the reason in ${errbuf} (of
 * ${errlen} bytes), e.g. "client_to_server.bytes: all weights are zero".
 */
struct dust_model * dust_model_parse(const char *, size_t, char *, size_t);

/**
 * dust_model_builtin(name, errbuf, errlen):
 * Load the built-in model ${name} ("uniform", "cover", "http", "tls").  Return
 * it, or NULL with a message in ${errbuf}.
 */
struct dust_model * dust_model_builtin(const char *, char *, size_t);

/**
 * dust_model_builtin_json(name):
 * Return the JSON text of the built-in model ${name}, or NULL.
 */
const char * dust_model_builtin_json(const char *);

/**
 * dust_model_builtin_name(i):
 * Return the name of the ${i}-th built-in model, or NULL past the last.
 */
const char * dust_model_builtin_name(size_t);

/**
 * dust_model_free(m):
 * Free the model ${m} (NULL: nothing).
 */
void dust_model_free(struct dust_model *);

/**
 * dust_model_entropy(part):
 * Return the entropy of ${part}'s byte weights in bits per byte: the most
 * uniform bits a wire byte can carry.
 */
double dust_model_entropy(const struct dust_model_part *);

#endif /* !DUST_MODEL_H */
