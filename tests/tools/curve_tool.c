/*
 * curve_tool: GF(2^255 - 19), Elligator 2 and dirty keys on stdin/stdout,
 * for tests/integration/curve_diff.py and elligator_stats.py.
 *
 * One command a line, one answer line each (32-byte values in hex, as
 * little-endian encodings):
 *   map REP            elligator2_map
 *   rev U TWEAK        elligator2_rev (TWEAK: 2 hex digits); REP or "fail"
 *   dirty SK           x25519_dirty_public
 *   base SK            libsodium crypto_scalarmult_base
 *   x25519 SK U        libsodium crypto_scalarmult; "zero" if all-zero
 *   edvalid Y          libsodium crypto_core_ed25519_is_valid_point: 1/0
 *   canon A            frombytes then tobytes
 *   add|sub|mul A B    field operations; neg|sq|inv|pow22523 A likewise
 *   invsqrt A          "1 ROOT" or "0" (fe25519_invsqrt)
 *   isneg|iszero A     0 or 1
 *   keypairs SEED N    N lines "REP SK TRIES" from elligator2_key_pair
 *                      with the seeded generator dust_rng_seeded_u64(SEED)
 * A bad line gets "error: line N: WHAT" and the exit status becomes 1.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crypto/elligator.h"
#include "dust/rng.h"

#include "crypto/fe25519.h"

/* Parse 64 hex digits into ${out}; return 0 or -1. */
static int
unhex32(uint8_t out[32], const char * s)
{
	size_t bin_len;

	if (s == NULL || strlen(s) != 64)
		return (-1);
	if (sodium_hex2bin(out, 32, s, 64, NULL, &bin_len, NULL) != 0 ||
	    bin_len != 32)
		return (-1);
	return (0);
}

static void
puthex(const uint8_t * b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf("%02x", b[i]);
}

static void
put32(const uint8_t b[32])
{

	puthex(b, 32);
	putchar('\n');
}

/* Field operation ${op} on the arguments; return 0, or -1 if unknown. */
static int
field_op(const char * op, const uint8_t x[32], const uint8_t y[32],
    uint8_t out[32], int * flag)
{
	fe25519 a, b, h;

	fe25519_frombytes(a, x);
	fe25519_frombytes(b, y);
	*flag = -1;
	if (strcmp(op, "canon") == 0)
		fe25519_copy(h, a);
	else if (strcmp(op, "add") == 0)
		fe25519_add(h, a, b);
	else if (strcmp(op, "sub") == 0)
		fe25519_sub(h, a, b);
	else if (strcmp(op, "mul") == 0)
		fe25519_mul(h, a, b);
	else if (strcmp(op, "neg") == 0)
		fe25519_neg(h, a);
	else if (strcmp(op, "sq") == 0)
		fe25519_sq(h, a);
	else if (strcmp(op, "inv") == 0)
		fe25519_invert(h, a);
	else if (strcmp(op, "pow22523") == 0)
		fe25519_pow22523(h, a);
	else if (strcmp(op, "invsqrt") == 0)
		*flag = fe25519_invsqrt(h, a);
	else if (strcmp(op, "isneg") == 0)
		*flag = fe25519_is_negative(a);
	else if (strcmp(op, "iszero") == 0)
		*flag = fe25519_is_zero(a);
	else
		return (-1);
	if (*flag == -1 || strcmp(op, "invsqrt") == 0)
		fe25519_tobytes(out, h);
	return (0);
}

/* Answer one command line; return 0 or -1 after printing an error. */
static int
command(char * line, unsigned long lineno)
{
	char * op, * a1, * a2, * a3;
	char padded[32];
	uint8_t x[32], y[32], out[32], sk[32];
	unsigned long long seed, n, i;
	char * end;
	int flag, tries;

	op = strtok(line, " \t\r\n");
	if (op == NULL)
		return (0);
	a1 = strtok(NULL, " \t\r\n");
	a2 = strtok(NULL, " \t\r\n");
	a3 = strtok(NULL, " \t\r\n");
	memset(y, 0, 32);

	if (strcmp(op, "keypairs") == 0) {
		struct dust_rng_seeded s;

		if (a1 == NULL || a2 == NULL || a3 != NULL)
			goto usage;
		seed = strtoull(a1, &end, 10);
		if (*end != '\0')
			goto usage;
		n = strtoull(a2, &end, 10);
		if (*end != '\0' || n > 10000000)
			goto usage;
		dust_rng_seeded_u64(&s, seed);
		for (i = 0; i < n; i++) {
			tries = elligator2_key_pair(x, sk, &s.rng);
			puthex(x, 32);
			putchar(' ');
			puthex(sk, 32);
			printf(" %d\n", tries);
		}
		return (0);
	}
	snprintf(padded, sizeof(padded), " %s ", op);
	if (strstr(" map rev dirty base x25519 edvalid canon add sub mul neg sq"
	    " inv pow22523 invsqrt isneg iszero ", padded) == NULL) {
		printf("error: line %lu: unknown command %s\n", lineno, op);
		return (-1);
	}
	/* Binary field operations take two arguments, the others one. */
	if ((strcmp(op, "add") == 0 || strcmp(op, "sub") == 0 ||
	    strcmp(op, "mul") == 0) && a2 == NULL)
		goto usage;
	if (a1 == NULL || unhex32(x, a1) != 0) {
		printf("error: line %lu: %s needs a 64-digit hex argument\n",
		    lineno, op);
		return (-1);
	}
	if (strcmp(op, "map") == 0 && a2 == NULL) {
		elligator2_map(out, x);
		put32(out);
	} else if (strcmp(op, "rev") == 0 && a2 != NULL && a3 == NULL) {
		unsigned long t = strtoul(a2, &end, 16);

		if (*end != '\0' || strlen(a2) != 2 || t > 255)
			goto usage;
		if (elligator2_rev(out, x, (uint8_t)t) == 0)
			put32(out);
		else
			printf("fail\n");
	} else if (strcmp(op, "dirty") == 0 && a2 == NULL) {
		x25519_dirty_public(out, x);
		put32(out);
	} else if (strcmp(op, "base") == 0 && a2 == NULL) {
		crypto_scalarmult_base(out, x);
		put32(out);
	} else if (strcmp(op, "x25519") == 0 && a3 == NULL &&
	    unhex32(y, a2) == 0) {
		if (crypto_scalarmult(out, x, y) != 0)
			printf("zero\n");
		else
			put32(out);
	} else if (strcmp(op, "edvalid") == 0 && a2 == NULL) {
		printf("%d\n", crypto_core_ed25519_is_valid_point(x));
	} else if (a3 == NULL && (a2 == NULL || (unhex32(y, a2) == 0 &&
	    (strcmp(op, "add") == 0 || strcmp(op, "sub") == 0 ||
	    strcmp(op, "mul") == 0))) && field_op(op, x, y, out, &flag) == 0) {
		if (flag == -1)
			put32(out);
		else if (strcmp(op, "invsqrt") != 0)
			printf("%d\n", flag);
		else if (flag)
			printf("1 %s\n", sodium_bin2hex((char[65]){0}, 65,
			    out, 32));
		else
			printf("0\n");
	} else {
		goto usage;
	}
	return (0);

usage:
	printf("error: line %lu: bad command or arguments: %s\n", lineno, op);
	return (-1);
}

int
main(int argc, char ** argv)
{
	char line[1024];
	unsigned long lineno = 0;
	int rc = 0;

	if (argc != 1) {
		fprintf(stderr, "usage: %s < commands\n", argv[0]);
		return (1);
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "curve_tool: sodium_init failed\n");
		return (1);
	}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		lineno++;
		if (command(line, lineno) != 0)
			rc = 1;
		fflush(stdout);
	}
	return (rc);
}
