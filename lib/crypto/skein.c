/*
 * Skein-256: UBI chaining of Threefish-256 (threefish256.c), with the
 * Config, Key, Nonce, Message and Output blocks of Skein 1.3.
 *
 * Reference: "The Skein Hash Function Family", version 1.3 (2010):
 *   3.4    UBI: G' = E(G, T, M_i) xor M_i block after block; the 128-bit
 *          tweak T carries the position (bytes so far, this block
 *          included), the type, and the First/Final bits.
 *   3.5.1  type values (Key 0, Cfg 4, Nonce 20, Msg 48, Out 63).
 *   3.5.2  the configuration string C.
 *   3.5.3  the output function: UBI(G, ToBytes(i, 8), Out), i = 0, 1, ...
 *   3.5    "Full Skein": with a key, K' = UBI(0, K, Key) replaces the
 *          zero starting value of the Config UBI (Skein-MAC, section 4).
 *   4      "Skein as a stream cipher": a Nonce UBI and the output length
 *          2^64-1; the exact form is the one pinned in docs/spec.md
 *          §2.2, restated in docs/skein.md.
 * (Section numbers of the v1.3 paper; the quoted titles find them in
 * other versions.)
 */
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "skein.h"
#include "threefish256.h"

/* Configuration string fields (section 3.5.2). */
#define SKEIN_SCHEMA	0x33414853ULL	/* "SHA3", bytes 0..3 */
#define SKEIN_VERSION	1ULL		/* bytes 4..5 */

/**
 * ubi_start(ctx, type):
 * Start a UBI of type ${type} in ${ctx}: position 0, First bit set.
 */
static void
ubi_start(struct skein256_ctx * ctx, int type)
{

	ctx->tweak[0] = 0;
	ctx->tweak[1] = SKEIN_T1_FIRST | SKEIN_T1_TYPE(type);
	ctx->buflen = 0;
}

/**
 * ubi_update(ctx, in, len):
 * Absorb ${len} bytes at ${in} into the UBI under way.  Whole blocks go
 * straight from ${in} to Threefish; at least one byte (up to a whole
 * block) stays in ctx->buf, since only ubi_final knows which block is the
 * last one.
 */
static void
ubi_update(struct skein256_ctx * ctx, const uint8_t * in, size_t len)
{
	size_t n;

	if (ctx->buflen + len > SKEIN256_BLOCK_BYTES) {
		if (ctx->buflen > 0) {
			n = SKEIN256_BLOCK_BYTES - ctx->buflen;
			memcpy(ctx->buf + ctx->buflen, in, n);
			in += n;
			len -= n;
			threefish256_ubi(ctx->h, ctx->tweak, ctx->buf, 1,
			    SKEIN256_BLOCK_BYTES);
			ctx->buflen = 0;
		}
		/* Here len >= 1; keep the last 1..32 bytes back. */
		if (len > SKEIN256_BLOCK_BYTES) {
			n = (len - 1) / SKEIN256_BLOCK_BYTES;
			threefish256_ubi(ctx->h, ctx->tweak, in, n,
			    SKEIN256_BLOCK_BYTES);
			in += n * SKEIN256_BLOCK_BYTES;
			len -= n * SKEIN256_BLOCK_BYTES;
		}
	}
	if (len > 0) {
		memcpy(ctx->buf + ctx->buflen, in, len);
		ctx->buflen += len;
	}
}

/**
 * ubi_final(ctx):
 * Finish the UBI under way in ${ctx}: the last block (zero-padded, all
 * padding if the message was empty, section 3.4) with the Final bit; its
 * position counts only the real bytes.  The result is in ctx->h.
 */
static void
ubi_final(struct skein256_ctx * ctx)
{

	ctx->tweak[1] |= SKEIN_T1_FINAL;
	memset(ctx->buf + ctx->buflen, 0, SKEIN256_BLOCK_BYTES - ctx->buflen);
	threefish256_ubi(ctx->h, ctx->tweak, ctx->buf, 1, ctx->buflen);
	ctx->buflen = 0;
}

/**
 * ubi_whole(ctx, type, in, len):
 * A whole UBI of type ${type} over ${len} bytes at ${in}, chaining from
 * ctx->h to ctx->h.
 */
static void
ubi_whole(struct skein256_ctx * ctx, int type, const uint8_t * in,
    size_t len)
{

	ubi_start(ctx, type);
	ubi_update(ctx, in, len);
	ubi_final(ctx);
}

/**
 * ubi_config(ctx, outbits):
 * The Config UBI (section 3.5.2) on ctx->h, for an output of ${outbits}
 * bits: C = schema "SHA3" || version 1 ||
 * 2 reserved bytes || output length in bits (8 bytes) || tree parameters
 * Yl = Yf = Ym = 0 (sequential hashing) || 13 reserved zero bytes.
 */
static void
ubi_config(struct skein256_ctx * ctx, uint64_t outbits)
{
	uint8_t c[SKEIN256_BLOCK_BYTES] = {0};

	store64_le(c, SKEIN_SCHEMA | SKEIN_VERSION << 32);
	store64_le(c + 8, outbits);
	ubi_whole(ctx, SKEIN_TYPE_CFG, c, sizeof(c));
}

/**
 * output_block(out, g, i):
 * Output block ${i} of the chaining value ${g} (section 3.5.3):
 * UBI(G, ToBytes(i, 8), Out), a single block of 8 message bytes, so its
 * tweak is position 8, First and Final.  Four words to ${out}.
 */
static void
output_block(uint64_t out[4], const uint64_t g[4], uint64_t i)
{
	const uint64_t tweak[2] = { 8, SKEIN_T1_FIRST | SKEIN_T1_FINAL |
	    SKEIN_T1_TYPE(SKEIN_TYPE_OUT) };
	const uint64_t m[4] = { i, 0, 0, 0 };

	threefish256_encrypt(out, g, tweak, m);
	out[0] ^= i;		/* feed-forward: xor M (only word 0 is set) */
}

/**
 * skein256_init(ctx, outlen):
 * Start a plain Skein-256 hash with ${outlen} bytes of output.
 */
void
skein256_init(struct skein256_ctx * ctx, size_t outlen)
{

	skein256_init_mac(ctx, NULL, 0, outlen);
}

/**
 * skein256_init_mac(ctx, key, keylen, outlen):
 * Start Skein-MAC-256 keyed with ${key} (any length), ${outlen} output
 * bytes.
 */
void
skein256_init_mac(struct skein256_ctx * ctx, const uint8_t * key,
    size_t keylen, size_t outlen)
{

	/* K' = 0 without a key, else UBI(0, K, Key) ("Full Skein"). */
	memset(ctx->h, 0, sizeof(ctx->h));
	if (keylen > 0)
		ubi_whole(ctx, SKEIN_TYPE_KEY, key, keylen);
	ubi_config(ctx, (uint64_t)outlen * 8);
	ctx->outlen = outlen;
	ubi_start(ctx, SKEIN_TYPE_MSG);
}

/**
 * skein256_update(ctx, msg, len):
 * Absorb ${len} bytes of message.
 */
void
skein256_update(struct skein256_ctx * ctx, const uint8_t * msg, size_t len)
{

	ubi_update(ctx, msg, len);
}

/**
 * skein256_final(ctx, out):
 * Finish and write the output (as many bytes as init asked for) to ${out}.
 * The context is wiped.
 */
void
skein256_final(struct skein256_ctx * ctx, uint8_t * out)
{
	uint64_t w[4];
	uint8_t last[SKEIN256_BLOCK_BYTES];
	uint64_t i;
	size_t left = ctx->outlen;

	ubi_final(ctx);
	for (i = 0; left > 0; i++) {
		output_block(w, ctx->h, i);
		if (left >= SKEIN256_BLOCK_BYTES) {
			store64_le(out, w[0]);
			store64_le(out + 8, w[1]);
			store64_le(out + 16, w[2]);
			store64_le(out + 24, w[3]);
			out += SKEIN256_BLOCK_BYTES;
			left -= SKEIN256_BLOCK_BYTES;
		} else {
			store64_le(last, w[0]);
			store64_le(last + 8, w[1]);
			store64_le(last + 16, w[2]);
			store64_le(last + 24, w[3]);
			memcpy(out, last, left);
			left = 0;
		}
	}
	sodium_memzero(w, sizeof(w));
	sodium_memzero(last, sizeof(last));
	sodium_memzero(ctx, sizeof(*ctx));
}

/**
 * skein256_mac8(start, msg, len, out):
 * Eight Skein-MAC-256 codes at once: each continues the keyed context
 * ${start} (nothing absorbed yet, 32 output bytes) over the ${len} (>= 1)
 * bytes at msg[j] and writes its 32-byte code to out[j], as
 * skein256_update and skein256_final on a copy of ${start} would.  Return
 * 1, or 0 (nothing written) if the CPU has no 8-lane vectors or ${start}
 * is not such a context: the caller then makes them one by one.
 */
int
skein256_mac8(const struct skein256_ctx * start, const uint8_t * const msg[8],
    size_t len, uint8_t * const out[8])
{
	uint64_t h[32], tweak[2], w[4];
	uint8_t last[8][SKEIN256_BLOCK_BYTES];
	const uint8_t * lp[8];
	size_t nfull, rem, j;
	int ok = 0;

	if (start->buflen != 0 || start->outlen != 32 || len == 0)
		return (0);
	for (j = 0; j < 8; j++)
		memcpy(h + 4 * j, start->h, sizeof(start->h));
	tweak[0] = start->tweak[0];
	tweak[1] = start->tweak[1];

	/* Every block but the last (1..32 bytes), which is Final. */
	nfull = (len - 1) / SKEIN256_BLOCK_BYTES;
	rem = len - nfull * SKEIN256_BLOCK_BYTES;
	if (nfull > 0 && !threefish256_ubi8(h, tweak, msg, nfull,
	    SKEIN256_BLOCK_BYTES))
		goto done;
	for (j = 0; j < 8; j++) {
		memset(last[j], 0, SKEIN256_BLOCK_BYTES);
		memcpy(last[j], msg[j] + nfull * SKEIN256_BLOCK_BYTES, rem);
		lp[j] = last[j];
	}
	tweak[1] |= SKEIN_T1_FINAL;
	if (!threefish256_ubi8(h, tweak, lp, 1, rem))
		goto done;

	/* Output block 0 of each chaining value: the 32-byte code. */
	for (j = 0; j < 8; j++) {
		output_block(w, h + 4 * j, 0);
		store64_le(out[j], w[0]);
		store64_le(out[j] + 8, w[1]);
		store64_le(out[j] + 16, w[2]);
		store64_le(out[j] + 24, w[3]);
	}
	ok = 1;
done:
	sodium_memzero(h, sizeof(h));
	sodium_memzero(w, sizeof(w));
	sodium_memzero(last, sizeof(last));
	return (ok);
}

/**
 * skein256_hash(out, outlen, msg, len):
 * One-shot Skein-256 of ${msg} with ${outlen} bytes of output.
 */
void
skein256_hash(uint8_t * out, size_t outlen, const uint8_t * msg, size_t len)
{
	struct skein256_ctx ctx;

	skein256_init(&ctx, outlen);
	skein256_update(&ctx, msg, len);
	skein256_final(&ctx, out);
}

/**
 * skein256_mac(out, key, keylen, msg, len):
 * One-shot Skein-MAC-256-256 of ${msg} under ${key}: 32 bytes to ${out}.
 */
void
skein256_mac(uint8_t out[32], const uint8_t * key, size_t keylen,
    const uint8_t * msg, size_t len)
{
	struct skein256_ctx ctx;

	skein256_init_mac(&ctx, key, keylen, 32);
	skein256_update(&ctx, msg, len);
	skein256_final(&ctx, out);
}

/**
 * skein256_stream_init(s, key, iv):
 * Key the stream ${s} with the 32-byte ${key} and 32-byte ${iv}.
 */
void
skein256_stream_init(struct skein256_stream * s, const uint8_t key[32],
    const uint8_t iv[32])
{
	struct skein256_ctx ctx;

	/*
	 * docs/spec.md §2.2 (after "Skein as a stream cipher"):
	 * G = UBI(Key: K) -> UBI(Config: output length field 2^64 - 1)
	 *     -> UBI(Nonce: IV) -> UBI(Message: empty).
	 */
	memset(ctx.h, 0, sizeof(ctx.h));
	ubi_whole(&ctx, SKEIN_TYPE_KEY, key, 32);
	ubi_config(&ctx, UINT64_MAX);
	ubi_whole(&ctx, SKEIN_TYPE_NONCE, iv, 32);
	ubi_whole(&ctx, SKEIN_TYPE_MSG, NULL, 0);
	memcpy(s->g, ctx.h, sizeof(s->g));
	s->counter = 0;
	s->used = sizeof(s->block);	/* no keystream block drawn yet */
	sodium_memzero(&ctx, sizeof(ctx));
}

/**
 * skein256_stream_xor(s, out, in, len):
 * XOR ${len} bytes of ${in} with the next keystream bytes into ${out}
 * (${out} may equal ${in}).
 */
void
skein256_stream_xor(struct skein256_stream * s, uint8_t * out,
    const uint8_t * in, size_t len)
{
	const uint64_t tweak[2] = { 8, SKEIN_T1_FIRST | SKEIN_T1_FINAL |
	    SKEIN_T1_TYPE(SKEIN_TYPE_OUT) };
	uint64_t w[4], w8[32];
	size_t i;
	int wiped = 1;

	/* First the rest of the block a previous call began (< 32 bytes). */
	for (; len > 0 && s->used < sizeof(s->block); len--)
		*out++ = *in++ ^ s->block[s->used++];

	/*
	 * Eight whole blocks at a time where the CPU has the vector lanes:
	 * block i = Output(G, i) = E(G, T_out, (i, 0, 0, 0)) xor (i, 0, 0, 0),
	 * and the eight differ only in i.
	 */
	for (; len >= 8 * SKEIN256_BLOCK_BYTES &&
	    threefish256_ctr8(w8, s->g, tweak, s->counter);
	    len -= 8 * SKEIN256_BLOCK_BYTES) {
		for (i = 0; i < 8; i++) {
			w8[4 * i] ^= s->counter++;
			store64_le(out, load64_le(in) ^ w8[4 * i]);
			store64_le(out + 8, load64_le(in + 8) ^ w8[4 * i + 1]);
			store64_le(out + 16,
			    load64_le(in + 16) ^ w8[4 * i + 2]);
			store64_le(out + 24,
			    load64_le(in + 24) ^ w8[4 * i + 3]);
			in += SKEIN256_BLOCK_BYTES;
			out += SKEIN256_BLOCK_BYTES;
		}
		wiped = 0;
	}

	/* Whole blocks, a word at a time: block i = Output(G, i). */
	for (; len >= SKEIN256_BLOCK_BYTES; len -= SKEIN256_BLOCK_BYTES) {
		output_block(w, s->g, s->counter++);
		store64_le(out, load64_le(in) ^ w[0]);
		store64_le(out + 8, load64_le(in + 8) ^ w[1]);
		store64_le(out + 16, load64_le(in + 16) ^ w[2]);
		store64_le(out + 24, load64_le(in + 24) ^ w[3]);
		in += SKEIN256_BLOCK_BYTES;
		out += SKEIN256_BLOCK_BYTES;
	}

	/* A partial last block: keep the unused keystream for next time. */
	if (len > 0) {
		output_block(w, s->g, s->counter++);
		for (i = 0; i < 4; i++)
			store64_le(s->block + 8 * i, w[i]);
		for (s->used = 0; s->used < len; s->used++)
			out[s->used] = in[s->used] ^ s->block[s->used];
	}
	sodium_memzero(w, sizeof(w));
	if (!wiped)
		sodium_memzero(w8, sizeof(w8));
}

/**
 * skein256_stream_wipe(s):
 * Wipe the key material held in the stream ${s}.
 */
void
skein256_stream_wipe(struct skein256_stream * s)
{

	sodium_memzero(s, sizeof(*s));
}
