#include <sys/types.h>

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/elligator.h"
#include "crypto/skein.h"
#include "dust/seattle.h"

#include "bytequeue.h"
#include "handshake.h"
#include "machine.h"
#include "mark.h"
#include "record.h"

/* Buffers grow to what is needed: a peer's record may be 65537 bytes. */
#define OBUF_MIN	(2 + SEATTLE_LEN_MIN + SEATTLE_RECORD_DATA)
#define IBUF_MIN	4096

/* What the next unit of the outgoing stream is. */
enum out_state {
	OUT_KEY,		/* Own representative. */
	OUT_MARK,		/* Client: the mark (first filler's place). */
	OUT_WAIT,		/* Filler until K is known, then code || IV. */
	OUT_RECORDS		/* Data or padding records. */
};

/* What the receiver is collecting. */
enum in_state {
	IN_KEY,			/* The peer's representative (32), and on a
				   server requiring it the mark (64). */
	IN_CODE,		/* A 32-byte chunk: filler or the code. */
	IN_IV,			/* The peer's IV (32). */
	IN_LEN,			/* A record's LEN (2). */
	IN_BODY			/* The rest of a record (LEN). */
};

struct seattle {
	int server;
	int points;			/* Keys sent as X25519 points (the
					   formats), not representatives. */
	enum seattle_status status;
	const char * why;		/* Reason of a failure. */
	struct dust_rng_seeded bulk;	/* Filler, bytes after a failure. */
	struct seattle_replay * replay;
	uint8_t sid[SEATTLE_SID_MAX];
	size_t sidlen;

	/* Handshake secrets: wiped as soon as they are used. */
	uint8_t statickey[32];		/* Client: B.  Server: b. */
	uint8_t eph_sk[32];		/* x or y. */
	uint8_t own_rep[32];		/* X or Y as sent. */
	uint8_t own_code[32];		/* CC or confirmation. */
	uint8_t peer_code[32];		/* The code we wait for. */
	uint8_t own_iv[32];
	uint8_t K[32];			/* Kept until the peer's IV. */
	int have_key;			/* K and the codes are known. */
	uint8_t convseed[32];		/* Conversation seed, while */
	int have_seed;			/* known and not yet taken. */
	int seed_taken;
	int want_seed;			/* Server: asked for before X. */
	uint8_t dh2[32];		/* Client: DH2 from the seed, for K. */
	int have_dh2;

	/* The mark (mark.h): the client's to send, the server's key. */
	int mark_on;
	uint8_t mark[32];		/* Client: M.  Server: MK. */
	uint64_t mark_hour;		/* Server: its hour (seattle_set_mark). */
	int held;			/* Server: silent until M verified. */

	/* Session keys. */
	struct skein256_ctx mac;	/* Skein-MAC keyed with K. */
	struct skein256_stream ks_out, ks_in;

	/* Sending. */
	enum out_state out;
	uint8_t * obuf;			/* Current unit. */
	size_t ocap;			/* Bytes allocated at obuf. */
	size_t olen, opos;
	size_t odata;			/* Application bytes in obuf. */
	size_t record_data;		/* DATA per data record. */
	size_t pad_room;		/* Stream bytes padding may fill. */
	struct bytequeue wq;		/* Application data to send. */

	/* Receiving. */
	enum in_state in;
	uint8_t * ibuf;
	size_t icap;			/* Bytes allocated at ibuf. */
	size_t ineed, ihave;		/* Bytes wanted / held in ibuf. */
	size_t fillers;			/* Chunks that were not the code. */
	struct bytequeue rq;		/* Application data received. */

	/*
	 * Bulk data records received, decrypted, whose MACs are checked
	 * eight at a time (or when data is read): pend_k records of
	 * pend_total bytes each at pbuf.
	 */
	uint8_t * pbuf;
	size_t pcap;
	size_t pend_k, pend_total;
};

/* wipe_keys(s): forget every secret of ${s} but the received data. */
static void
wipe_keys(struct seattle * s)
{

	sodium_memzero(s->statickey, sizeof(s->statickey));
	sodium_memzero(s->eph_sk, sizeof(s->eph_sk));
	sodium_memzero(s->own_code, sizeof(s->own_code));
	sodium_memzero(s->peer_code, sizeof(s->peer_code));
	sodium_memzero(s->K, sizeof(s->K));
	sodium_memzero(s->dh2, sizeof(s->dh2));
	sodium_memzero(s->mark, sizeof(s->mark));
	sodium_memzero(&s->mac, sizeof(s->mac));
	sodium_memzero(&s->ks_out, sizeof(s->ks_out));
	sodium_memzero(&s->ks_in, sizeof(s->ks_in));
	sodium_memzero(s->obuf, s->ocap);
	sodium_memzero(s->ibuf, s->icap);
}

/* stopped(s): ${s} failed or found the first flight unauthenticated. */
static int
stopped(const struct seattle * s)
{

	return (s->status == SEATTLE_FAILED ||
	    s->status == SEATTLE_UNAUTHENTICATED);
}

/*
 * fail(s, why): the silent failure of docs/spec.md §5.  Secrets and unsent
 * data are dropped; pull goes on with random bytes, push discards.
 */
static void
fail(struct seattle * s, const char * why)
{

	if (stopped(s))
		return;
	s->status = SEATTLE_FAILED;
	s->why = why;
	s->have_key = 0;
	wipe_keys(s);
	bytequeue_free(&s->wq);
	s->olen = s->opos = s->odata = 0;
}

/*
 * unauthenticated(s, why): a server requiring the mark found the first
 * flight not authentic.  It has sent nothing and sends nothing from now
 * on (seattle_pull writes nothing): the program hands the connection on.
 */
static void
unauthenticated(struct seattle * s, const char * why)
{

	fail(s, why);
	s->status = SEATTLE_UNAUTHENTICATED;
}

/*
 * grow(buf, cap, need, keep): make the buffer *${buf} of *${cap} bytes
 * hold ${need}, keeping its first ${keep} bytes and wiping the old one.
 * Return 0, or -1 on ENOMEM (the buffer is then unchanged).
 */
static int
grow(uint8_t ** buf, size_t * cap, size_t need, size_t keep)
{
	uint8_t * nbuf;

	if (need <= *cap)
		return (0);
	if ((nbuf = malloc(need)) == NULL)
		return (-1);
	if (*buf != NULL) {
		memcpy(nbuf, *buf, keep);
		sodium_memzero(*buf, *cap);
		free(*buf);
	}
	*buf = nbuf;
	*cap = need;
	return (0);
}

/*
 * point_key_pair(pk, sk, rng): an ordinary X25519 key pair, as a TLS or
 * SSH implementation makes one: 32 bytes of ${rng} as the secret, the
 * public key its multiple of the base point (in the prime-order subgroup,
 * bit 255 clear).
 */
static void
point_key_pair(uint8_t pk[32], uint8_t sk[32], const struct dust_rng * rng)
{

	dust_rng_fill(rng, sk, 32);
	crypto_scalarmult_base(pk, sk);
}

/* create(server, points, statickey, sid, sidlen, rng): the common part. */
static struct seattle *
create(int server, int points, const uint8_t statickey[32],
    const uint8_t * sid, size_t sidlen, const struct dust_rng * rng)
{
	struct seattle * s;

	if (sidlen != 7 && sidlen != 19) {
		errno = EINVAL;
		return (NULL);
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return (NULL);
	s->ocap = OBUF_MIN;
	s->icap = IBUF_MIN;
	if ((s->obuf = malloc(s->ocap)) == NULL ||
	    (s->ibuf = malloc(s->icap)) == NULL) {
		free(s->obuf);
		free(s);
		return (NULL);
	}
	s->server = server;
	s->points = points;
	s->status = SEATTLE_HANDSHAKING;
	memcpy(s->sid, sid, sidlen);
	s->sidlen = sidlen;
	memcpy(s->statickey, statickey, 32);
	s->record_data = SEATTLE_RECORD_DATA;

	/* The ephemeral key first, then the IV: the transcript's order. */
	if (points)
		point_key_pair(s->own_rep, s->eph_sk, rng);
	else
		elligator2_key_pair(s->own_rep, s->eph_sk, rng);
	dust_rng_fill(rng, s->own_iv, 32);

	/*
	 * Then the key of the session's own stream, the one draw of ${rng}
	 * for all its bulk random bytes: a silent prober gets filler for as
	 * long as it waits, which must not cost a system call per chunk.
	 */
	dust_rng_seeded_from(&s->bulk, rng);

	s->out = OUT_KEY;
	s->in = IN_KEY;
	s->ineed = 32;
	return (s);
}

/**
 * seattle_client_new(B, sid, sidlen, rng):
 * Create the client side of a session to the server whose static public
 * key is ${B} and whose identifier is ${sid} (${sidlen} bytes, 7 or 19).
 * Draws the ephemeral key, the IV and the key of the session's stream of
 * filler from ${rng} (NULL: libsodium), and nothing more.  Return NULL on
 * error (ENOMEM, or EINVAL if ${sidlen} is not 7 or 19).
 */
struct seattle *
seattle_client_new(const uint8_t B[32], const uint8_t * sid, size_t sidlen,
    const struct dust_rng * rng)
{

	return (create(0, 0, B, sid, sidlen, rng));
}

/**
 * seattle_client_new_points(B, sid, sidlen, rng):
 * As seattle_client_new, but the client's key is an ordinary X25519 key
 * and X is its public point (for the formats, whose key fields hold curve
 * points: docs/protocol.md, "The TLS format"); the server must be made
 * with seattle_server_new_points.  Return NULL on error.
 */
struct seattle *
seattle_client_new_points(const uint8_t B[32], const uint8_t * sid,
    size_t sidlen, const struct dust_rng * rng)
{

	return (create(0, 1, B, sid, sidlen, rng));
}

/**
 * seattle_server_new(b, sid, sidlen, replay, rng):
 * Create the server side of a session for the static secret key ${b} and
 * the server identifier ${sid} (${sidlen} bytes).  Client keys are
 * checked against and added to ${replay} (NULL: no replay check, for
 * tests).  Return NULL on error.
 */
struct seattle *
seattle_server_new(const uint8_t b[32], const uint8_t * sid, size_t sidlen,
    struct seattle_replay * replay, const struct dust_rng * rng)
{
	struct seattle * s;

	if ((s = create(1, 0, b, sid, sidlen, rng)) != NULL)
		s->replay = replay;
	return (s);
}

/**
 * seattle_server_new_points(b, sid, sidlen, replay, rng):
 * As seattle_server_new, for clients made with seattle_client_new_points:
 * X and Y are X25519 points.  Return NULL on error.
 */
struct seattle *
seattle_server_new_points(const uint8_t b[32], const uint8_t * sid,
    size_t sidlen, struct seattle_replay * replay,
    const struct dust_rng * rng)
{
	struct seattle * s;

	if ((s = create(1, 1, b, sid, sidlen, rng)) != NULL)
		s->replay = replay;
	return (s);
}

/**
 * seattle_set_mark(s, MK, hour):
 * Use the mark on the session ${s}, before any byte is pulled or pushed.
 * A client sends the mark of its X in the hour ${hour} right after X
 * (MK from mark_key with the invite's B and SID).  A server requires it:
 * it sends nothing (seattle_pull writes nothing, seattle_may_send is 0)
 * until X and the mark have arrived and mark_check, with the server's
 * replay filter, found them authentic at its hour ${hour} (when the
 * connection came; a stale hour is safe, see mark_check); if they are
 * not, the session becomes SEATTLE_UNAUTHENTICATED and stays silent for
 * good (the program hands the connection elsewhere).  Return 0, or -1
 * (EINVAL) if the stream has begun.
 */
int
seattle_set_mark(struct seattle * s, const uint8_t MK[32], uint64_t hour)
{

	if (s->out != OUT_KEY || s->in != IN_KEY || s->ihave != 0 ||
	    s->status != SEATTLE_HANDSHAKING) {
		errno = EINVAL;
		return (-1);
	}
	s->mark_on = 1;
	if (s->server) {
		memcpy(s->mark, MK, 32);
		s->mark_hour = hour;
		s->held = 1;
		s->ineed = 64;
	} else {
		mark_make(s->mark, MK, s->own_rep, hour);
	}
	return (0);
}

/**
 * seattle_may_send(s):
 * Return 1 if seattle_pull gives bytes now, or 0 while a server requiring
 * the mark has not verified it, and for good once it found the first
 * flight unauthenticated.
 */
int
seattle_may_send(const struct seattle * s)
{

	return (!s->held && s->status != SEATTLE_UNAUTHENTICATED);
}

/**
 * seattle_conversation_seed(s, out):
 * Move the conversation seed to ${out} (32 bytes) and wipe it from ${s}.
 * Return 0, or -1 while it is not known (a server before the client's key)
 * or once it has been taken.  A client computes it here, so it must take
 * it before the server's key arrives; a server computes it when X arrives
 * only if it was asked for before (the engine asks at creation, in
 * conversation mode), so that per-packet sessions pay nothing for it.
 */
int
seattle_conversation_seed(struct seattle * s, uint8_t out[32])
{

	/* The client's, on demand (a scalar multiplication) while x is held. */
	if (!s->server && !s->seed_taken && s->in == IN_KEY &&
	    s->status != SEATTLE_FAILED) {
		/* DH2 is kept: K needs it too (peer_key). */
		handshake_static_dh(s->dh2, s->eph_sk, s->statickey, 0);
		s->have_dh2 = 1;
		handshake_seed(s->convseed, s->dh2, s->own_rep);
		s->have_seed = 1;
	}
	if (!s->have_seed) {
		/* A server computes it only if asked before X arrives. */
		s->want_seed = 1;
		return (-1);
	}
	s->seed_taken = 1;
	memcpy(out, s->convseed, 32);
	sodium_memzero(s->convseed, sizeof(s->convseed));
	s->have_seed = 0;
	return (0);
}

/**
 * seattle_free(s):
 * Wipe and free ${s}.  NULL is allowed.
 */
void
seattle_free(struct seattle * s)
{

	if (s == NULL)
		return;
	wipe_keys(s);
	sodium_memzero(s->convseed, sizeof(s->convseed));
	bytequeue_free(&s->wq);
	bytequeue_free(&s->rq);
	free(s->obuf);
	free(s->ibuf);
	if (s->pbuf != NULL)
		sodium_memzero(s->pbuf, s->pcap);
	free(s->pbuf);
	dust_rng_seeded_wipe(&s->bulk);
	sodium_memzero(s, sizeof(*s));
	free(s);
}

/**
 * seattle_set_record_data(s, max):
 * Put at most ${max} bytes (1 .. SEATTLE_DATA_MAX) of application data in
 * each data record ${s} makes from now on.  Return 0, or -1 on ENOMEM
 * (the setting is then unchanged).
 */
int
seattle_set_record_data(struct seattle * s, size_t max)
{

	if (max < 1)
		max = 1;
	if (max > SEATTLE_DATA_MAX)
		max = SEATTLE_DATA_MAX;
	if (grow(&s->obuf, &s->ocap, 2 + SEATTLE_LEN_MIN + max, s->olen))
		return (-1);
	s->record_data = max;
	return (0);
}

/**
 * seattle_write(s, buf, len):
 * Queue ${len} bytes of application data to send.  Return 0, or -1 on
 * ENOMEM.  Data queued after a failure is dropped.
 */
int
seattle_write(struct seattle * s, const uint8_t * buf, size_t len)
{

	if (stopped(s))
		return (0);
	return (bytequeue_append(&s->wq, buf, len));
}

/**
 * seattle_unsent(s):
 * Return the number of queued application bytes whose record has not been
 * pulled completely yet.
 */
size_t
seattle_unsent(const struct seattle * s)
{

	return (s->wq.len + (s->opos < s->olen ? s->odata : 0));
}

/* got_key(s): K is known; make the codes and key both directions. */
static void
got_key(struct seattle * s, const uint8_t K[32])
{
	uint8_t server_code[32], client_code[32];
	const uint8_t * X = s->server ? s->ibuf : s->own_rep;
	const uint8_t * Y = s->server ? s->own_rep : s->ibuf;

	handshake_codes(server_code, client_code, K, X, Y, s->sid, s->sidlen);
	memcpy(s->own_code, s->server ? server_code : client_code, 32);
	memcpy(s->peer_code, s->server ? client_code : server_code, 32);
	skein256_init_mac(&s->mac, K, 32, 32);
	skein256_stream_init(&s->ks_out, K, s->own_iv);
	memcpy(s->K, K, 32);
	s->have_key = 1;
	sodium_memzero(server_code, sizeof(server_code));
	sodium_memzero(client_code, sizeof(client_code));
}

/*
 * first_flight_authentic(s): a server requiring the mark holds X || M in
 * ibuf.  Check them (mark.h: three Skein-MACs, no scalar multiplication),
 * and the server may send from now on; else the session is
 * unauthenticated.  Return 1 if authentic, else 0.
 */
static int
first_flight_authentic(struct seattle * s)
{
	enum mark_verdict v;

	v = mark_check(s->mark, s->ibuf, s->ibuf + 32, s->mark_hour,
	    s->replay, !s->points, NULL);
	sodium_memzero(s->mark, sizeof(s->mark));
	if (v != MARK_AUTHENTIC) {
		unauthenticated(s, mark_why(v));
		return (0);
	}
	s->held = 0;
	return (1);
}

/*
 * peer_key(s): the peer's representative is in ibuf.  DH2 (X25519 with
 * the static key) is computed once for both the seed and K: on the
 * server, between the client's key and its first step, a scalar
 * multiplication is some 40 us of the step's delay.
 */
static void
peer_key(struct seattle * s)
{
	uint8_t K[32];
	int rc;

	if (s->server && s->mark_on && !first_flight_authentic(s))
		return;
	if (s->server) {
		handshake_static_dh(s->dh2, s->statickey, s->ibuf,
		    !s->points);
		s->have_dh2 = 1;
		/* Before the replay check: a replay follows a conversation. */
		if (s->want_seed) {
			handshake_seed(s->convseed, s->dh2, s->ibuf);
			s->have_seed = 1;
		}
		/* With the mark, its filter entry stands for the key's. */
		if (s->replay != NULL && !s->mark_on &&
		    seattle_replay_seen(s->replay, s->ibuf)) {
			sodium_memzero(s->dh2, sizeof(s->dh2));
			fail(s, "client key replayed");
			return;
		}
		rc = handshake_server_key(K, s->eph_sk, s->statickey,
		    s->ibuf, s->own_rep, !s->points, s->sid, s->sidlen,
		    s->dh2);
	} else {
		rc = handshake_client_key(K, s->eph_sk, s->statickey,
		    s->own_rep, s->ibuf, !s->points, s->sid, s->sidlen,
		    s->have_dh2 ? s->dh2 : NULL);
	}
	sodium_memzero(s->dh2, sizeof(s->dh2));
	/* Neither the ephemeral secret nor the static key is needed again. */
	sodium_memzero(s->eph_sk, sizeof(s->eph_sk));
	sodium_memzero(s->statickey, sizeof(s->statickey));
	if (rc != 0) {
		fail(s, "Diffie-Hellman result is all zero");
		return;
	}
	got_key(s, K);
	sodium_memzero(K, sizeof(K));
	s->in = IN_CODE;
	s->ineed = 32;
}

/* peer_chunk(s): a 32-byte chunk after the peer's key: code or filler. */
static void
peer_chunk(struct seattle * s)
{

	if (crypto_verify_32(s->ibuf, s->peer_code) == 0) {
		sodium_memzero(s->peer_code, sizeof(s->peer_code));
		s->status = SEATTLE_ESTABLISHED;
		s->in = IN_IV;
		s->ineed = 32;
		return;
	}
	if (++s->fillers > SEATTLE_FILLER_MAX) {
		fail(s, s->server ? "no client code within the filler bound" :
		    "no server confirmation within the filler bound");
		return;
	}
	s->ineed = 32;
}

/* peer_iv(s): the peer's IV is in ibuf. */
static void
peer_iv(struct seattle * s)
{

	/* Our own IV coming back means our own stream is being reflected. */
	if (sodium_memcmp(s->ibuf, s->own_iv, 32) == 0) {
		fail(s, "peer IV equals own IV (reflected stream)");
		return;
	}
	skein256_stream_init(&s->ks_in, s->K, s->ibuf);
	sodium_memzero(s->K, sizeof(s->K));
	s->in = IN_LEN;
	s->ineed = 2;
}

/*
 * pend_flush(s): check the MACs of the pending records, eight side by
 * side where the CPU can, and queue their data in order; a bad MAC fails
 * the session after the records before it (as one by one).  Return 0, or
 * -1 on ENOMEM.
 */
static int
pend_flush(struct seattle * s)
{
	const uint8_t * msg[8];
	uint8_t code[8][32];
	uint8_t * out[8];
	const char * why;
	size_t r, k = s->pend_k, total = s->pend_total;
	int batch = 0, rc = 0;

	if (k == 0)
		return (0);
	for (r = 0; r < 8; r++) {
		msg[r] = s->pbuf + (r < k ? r : 0) * total;
		out[r] = code[r];
	}
	if (k >= 2)
		batch = skein256_mac8(&s->mac, msg, total - 32, out);
	for (r = 0; r < k && s->status != SEATTLE_FAILED; r++) {
		if (batch) {
			if (crypto_verify_32(code[r], msg[r] + total - 32)) {
				fail(s, "record MAC does not verify");
				break;
			}
		} else if (record_open(msg[r], total, &s->mac, &why) != 1) {
			fail(s, why);
			break;
		}
		if (bytequeue_append(&s->rq, msg[r] + 3, total - 3 - 32)) {
			fail(s, "out of memory");
			rc = -1;
			break;
		}
	}
	sodium_memzero(s->pbuf, k * total);
	sodium_memzero(code, sizeof(code));
	s->pend_k = 0;
	return (rc);
}

/*
 * pend_add(s): the decrypted record in ibuf is a bulk data record (DATA
 * flag alone, at most SEATTLE_RECORD_DATA bytes, as long as the pending
 * ones): add it to them, checking all once there are eight.  Return 1 if
 * it was taken, 0 if not (the pending ones are then checked first), or -1
 * on ENOMEM.
 */
static int
pend_add(struct seattle * s)
{
	size_t total = s->ihave;

	if (s->ibuf[2] != RECORD_FLAG_DATA ||
	    total > 2 + SEATTLE_LEN_MIN + SEATTLE_RECORD_DATA ||
	    (s->pend_k > 0 && total != s->pend_total) ||
	    grow(&s->pbuf, &s->pcap, (s->pend_k + 1) * total,
	    s->pend_k * total)) {
		if (pend_flush(s))
			return (-1);
		return (0);
	}
	memcpy(s->pbuf + s->pend_k * total, s->ibuf, total);
	sodium_memzero(s->ibuf, total);
	s->pend_total = total;
	if (++s->pend_k == 8 && pend_flush(s))
		return (-1);
	return (1);
}

/* peer_record(s): ibuf holds a whole record, still encrypted but LEN. */
static int
peer_record(struct seattle * s)
{
	const char * why;
	int rc;

	skein256_stream_xor(&s->ks_in, s->ibuf + 2, s->ibuf + 2, s->ihave - 2);
	s->in = IN_LEN;
	s->ineed = 2;
	/* Bulk data waits for its MAC to be checked with others'. */
	if ((rc = pend_add(s)) != 0)
		return (rc == 1 ? 0 : -1);
	if (s->status == SEATTLE_FAILED)
		return (0);
	if ((rc = record_open(s->ibuf, s->ihave, &s->mac, &why)) < 0) {
		fail(s, why);
		return (0);
	}
	if (rc == 1 && bytequeue_append(&s->rq, s->ibuf + 3,
	    s->ihave - 3 - 32)) {
		fail(s, "out of memory");
		return (-1);
	}
	/* Padding's plaintext is zero bytes and its length: no secret. */
	if (rc == 1)
		sodium_memzero(s->ibuf, s->ihave);
	return (0);
}

/* peer_len(s): ibuf holds a record's encrypted LEN.  -1 on ENOMEM. */
static int
peer_len(struct seattle * s)
{
	size_t len;

	skein256_stream_xor(&s->ks_in, s->ibuf, s->ibuf, 2);
	len = (size_t)s->ibuf[0] << 8 | s->ibuf[1];
	if (len < SEATTLE_LEN_MIN) {
		/* The records before it count, as one by one. */
		if (pend_flush(s))
			return (-1);
		fail(s, "record length below 33");
		return (0);
	}
	if (grow(&s->ibuf, &s->icap, 2 + len, 2)) {
		fail(s, "out of memory");
		return (-1);
	}
	s->in = IN_BODY;
	s->ineed = 2 + len;
	return (0);
}

/**
 * seattle_push(s, buf, len):
 * Feed ${len} bytes of the peer's uniform stream.  Authenticated
 * application data becomes readable with seattle_read.  Return 0, or -1
 * on ENOMEM (the session is then failed too).  Protocol errors are not
 * returned: they fail the session silently (see seattle_status).
 */
int
seattle_push(struct seattle * s, const uint8_t * buf, size_t len)
{
	size_t n;
	int rc = 0;

	while (len > 0 && !stopped(s)) {
		n = s->ineed - s->ihave;
		if (n > len)
			n = len;
		memcpy(s->ibuf + s->ihave, buf, n);
		s->ihave += n;
		buf += n;
		len -= n;
		if (s->ihave < s->ineed)
			break;
		switch (s->in) {
		case IN_KEY:
			peer_key(s);
			break;
		case IN_CODE:
			peer_chunk(s);
			break;
		case IN_IV:
			peer_iv(s);
			break;
		case IN_LEN:
			rc = peer_len(s);
			/* The body is read after LEN, into the same buffer. */
			continue;
		case IN_BODY:
			rc = peer_record(s);
			break;
		}
		s->ihave = 0;
	}
	return (rc);
}

/**
 * seattle_push_end(s):
 * The peer's stream has ended.  Unless it ended at a record boundary of an
 * established session the session fails ("truncated").  Return 0 if the
 * end was clean, else -1.
 */
int
seattle_push_end(struct seattle * s)
{

	if (pend_flush(s) || stopped(s))
		return (-1);
	if (s->in != IN_LEN || s->ihave != 0) {
		fail(s, "peer's stream truncated");
		return (-1);
	}
	return (0);
}

/* next_unit(s): make the next unit of the outgoing stream in obuf. */
static void
next_unit(struct seattle * s)
{
	size_t n, k;

	s->opos = 0;
	s->odata = 0;
	switch (s->out) {
	case OUT_KEY:
		memcpy(s->obuf, s->own_rep, 32);
		s->olen = 32;
		s->out = s->mark_on && !s->server ? OUT_MARK : OUT_WAIT;
		break;
	case OUT_MARK:
		/* Where a filler chunk would be, even if K is known. */
		memcpy(s->obuf, s->mark, 32);
		sodium_memzero(s->mark, sizeof(s->mark));
		s->olen = 32;
		s->out = OUT_WAIT;
		break;
	case OUT_WAIT:
		if (!s->have_key) {
			/* Filler: a whole chunk of random bytes. */
			dust_rng_fill(&s->bulk.rng, s->obuf, 32);
			s->olen = 32;
			break;
		}
		memcpy(s->obuf, s->own_code, 32);
		memcpy(s->obuf + 32, s->own_iv, 32);
		sodium_memzero(s->own_code, sizeof(s->own_code));
		s->olen = 64;
		s->out = OUT_RECORDS;
		break;
	case OUT_RECORDS:
		if (s->status == SEATTLE_ESTABLISHED && s->wq.len > 0) {
			/*
			 * Bulk data: up to eight whole records at once, their
			 * MACs computed side by side (the unit is then their
			 * concatenation; the bytes are the same).
			 */
			k = s->wq.len / s->record_data;
			if (k > 8)
				k = 8;
			s->olen = 0;
			if (k >= 2 && grow(&s->obuf, &s->ocap, k * (2 +
			    SEATTLE_LEN_MIN + s->record_data), 0) == 0)
				s->olen = record_seal_many(s->obuf,
				    s->wq.buf + s->wq.start, s->record_data, k,
				    &s->mac, &s->ks_out);
			if (s->olen > 0) {
				n = k * s->record_data;
			} else {
				n = s->wq.len < s->record_data ? s->wq.len :
				    s->record_data;
				s->olen = record_seal(s->obuf,
				    s->wq.buf + s->wq.start, n, &s->mac,
				    &s->ks_out);
			}
			/* Drop the bytes from the queue (wiping them). */
			sodium_memzero(s->wq.buf + s->wq.start, n);
			s->wq.start += n;
			s->wq.len -= n;
			if (s->wq.len == 0)
				s->wq.start = 0;
			s->odata = n;
		} else {
			/*
			 * Padding: the room the puller announced (up to
			 * SEATTLE_RECORD_DATA), so that a packet of cover is
			 * one record and not hundreds; at least the minimum.
			 */
			n = 0;
			if (s->pad_room >= 2 + SEATTLE_LEN_MIN)
				n = s->pad_room - 2 - SEATTLE_LEN_MIN;
			if (n > SEATTLE_RECORD_DATA)
				n = SEATTLE_RECORD_DATA;
			s->olen = record_seal(s->obuf, NULL, n, &s->mac,
			    &s->ks_out);
		}
		break;
	}
}

/**
 * seattle_pull(s, buf, n):
 * Write the next ${n} bytes of the outgoing uniform stream to ${buf}.
 * Writes exactly ${n} bytes, random after a failure, and returns ${n};
 * but a server requiring the mark (seattle_set_mark) writes nothing and
 * returns 0 until the mark has verified, and for good if it did not.
 */
size_t
seattle_pull(struct seattle * s, uint8_t * buf, size_t n)
{
	size_t k, want = n;

	if (!seattle_may_send(s))
		return (0);
	while (n > 0) {
		if (s->status == SEATTLE_FAILED) {
			dust_rng_fill(&s->bulk.rng, buf, n);
			return (want);
		}
		if (s->opos == s->olen)
			next_unit(s);
		k = s->olen - s->opos;
		if (k > n)
			k = n;
		memcpy(buf, s->obuf + s->opos, k);
		s->opos += k;
		s->pad_room = s->pad_room > k ? s->pad_room - k : 0;
		buf += k;
		n -= k;
	}
	return (want);
}

/*
 * records_of(s, q): the wire bytes of the data records that ${q} queued
 * bytes make at ${s}'s record size.
 */
static size_t
records_of(const struct seattle * s, size_t q)
{
	size_t whole = q / s->record_data, rest = q % s->record_data;
	size_t frame = 2 + SEATTLE_LEN_MIN;

	return (whole * (s->record_data + frame) +
	    (rest > 0 ? rest + frame : 0));
}

/**
 * seattle_ready(s):
 * Return how many bytes of the outgoing stream seattle_pull gives now
 * without making filler or padding: the rest of the unit begun, the key
 * (and mark) not pulled yet, the code and IV once K is known, and records
 * of all the data queued once established.  The formats pull exactly
 * this much when they have no record size of their own to fill, so that
 * what they send ends where a unit ends.
 */
size_t
seattle_ready(const struct seattle * s)
{
	size_t n = s->olen - s->opos;

	if (!seattle_may_send(s) || s->status == SEATTLE_FAILED)
		return (0);
	switch (s->out) {
	case OUT_KEY:
		n += 32;
		if (s->mark_on && !s->server)
			n += 32;
		if (!s->have_key)
			return (n);
		n += 64;
		break;
	case OUT_MARK:
		n += 32;
		if (!s->have_key)
			return (n);
		n += 64;
		break;
	case OUT_WAIT:
		if (!s->have_key)
			return (n);
		n += 64;
		break;
	case OUT_RECORDS:
		break;
	}
	if (s->status == SEATTLE_ESTABLISHED)
		n += records_of(s, s->wq.len);
	return (n);
}

/**
 * seattle_pad_room(s, n):
 * Say that about ${n} more bytes of the outgoing stream will be pulled
 * now (the rest of a packet): a padding record begun within them may be
 * as long as what is left of them (up to SEATTLE_RECORD_DATA bytes of
 * DATA), where it is otherwise the minimum.  Data queued later then
 * waits behind padding only until the packet ends (docs/spec.md §3.6).
 */
void
seattle_pad_room(struct seattle * s, size_t n)
{

	s->pad_room = n;
}

/**
 * seattle_readable(s):
 * Return the number of received application bytes waiting to be read.
 * Bulk data records are checked eight at a time: those still pending are
 * checked first (a bad MAC fails ${s} here).
 */
size_t
seattle_readable(struct seattle * s)
{

	/* Pending records' MACs are checked now (ENOMEM fails ${s}). */
	(void)pend_flush(s);
	return (s->rq.len);
}

/**
 * seattle_read(s, buf, len):
 * Move up to ${len} received application bytes to ${buf}.  Return the
 * number moved.
 */
size_t
seattle_read(struct seattle * s, uint8_t * buf, size_t len)
{

	(void)pend_flush(s);
	return (bytequeue_take(&s->rq, buf, len));
}

/**
 * seattle_status(s):
 * Return where ${s} stands: handshaking, established or failed.
 */
enum seattle_status
seattle_status(const struct seattle * s)
{

	return (s->status);
}

/**
 * seattle_failure(s):
 * Return a sentence saying why ${s} failed, or NULL if it has not.  For
 * logs only: nothing on the wire shows it.
 */
const char *
seattle_failure(const struct seattle * s)
{

	return (stopped(s) ? s->why : NULL);
}
