/*
 * Known answers of the shaping layer, produced by this code and kept in
 * tests/vectors/shape.txt (so that an independent implementation can check
 * itself, and so that any change to the coders shows): for every built-in
 * model part and both coders, 96 uniform input bytes and the first 64 wire
 * bytes.  The test shapes the input and de-shapes the wire bytes.
 *   DUST_REGEN=1 build/tests/unit/test_shape_vectors > tests/vectors/shape.txt
 * regenerates the file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dust/model.h"
#include "dust/rng.h"
#include "shape/shaper.h"

#include "shapetest.h"

#define INLEN	96
#define WIRELEN	64

/* The input: a fixed buffer; pulling past its end is a test failure. */
struct fixed {
	const uint8_t * b;
	size_t off;
};

static void
pull_fixed(void * ctx, uint8_t * buf, size_t n)
{
	struct fixed * f = ctx;

	if (f->off + n > INLEN)
		fail_msg("pulled past the %d input bytes", INLEN);
	memcpy(buf, f->b + f->off, n);
	f->off += n;
}

/* hex(out, b, n): print ${n} bytes in hex. */
static void
hex(FILE * out, const uint8_t * b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(out, "%02x", b[i]);
}

/* unhex(s, b, n): parse ${n} bytes of hex; 0, or -1 if malformed. */
static int
unhex(const char * s, uint8_t * b, size_t n)
{
	size_t i;
	unsigned int v;

	if (strlen(s) != 2 * n)
		return (-1);
	for (i = 0; i < n; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return (-1);
		b[i] = (uint8_t)v;
	}
	return (0);
}

/* shape(part, coder, in, wire): the first WIRELEN wire bytes of ${in}. */
static void
shape(const struct dust_model_part * part, enum dust_coder coder,
    const uint8_t * in, uint8_t * wire)
{
	struct dust_shaper s;
	struct fixed f = { in, 0 };

	dust_shaper_init(&s, part, coder, NULL, pull_fixed, &f);
	dust_shaper_produce(&s, wire, WIRELEN);
}

static const char * const dirs[2] = { "c2s", "s2c" };
static const char * const coders[2] = { "huffman", "exact" };

/* Print the vectors (DUST_REGEN). */
static int
regen(void)
{
	struct dust_rng_seeded r;
	struct dust_model * m;
	const char * name;
	uint8_t in[INLEN], wire[WIRELEN];
	char err[256];
	size_t i;
	int dir, c;

	printf("# Shaping known answers (tests/unit/test_shape_vectors.c).\n"
	    "# model direction coder input(96 bytes, hex) "
	    "wire(first 64 bytes, hex)\n# Input: ChaCha20 seeded generator "
	    "(include/dust/rng.h), seed = line number from 0.\n");
	for (i = 0, c = 0; (name = dust_model_builtin_name(i)) != NULL; i++) {
		m = dust_model_builtin(name, err, sizeof(err));
		for (dir = 0; dir < 2; dir++) {
			for (c = 0; c < 2; c++) {
				dust_rng_seeded_u64(&r, 4 * i + 2 *
				    (size_t)dir + (size_t)c);
				dust_rng_fill(&r.rng, in, INLEN);
				shape(&m->part[dir], (enum dust_coder)c, in,
				    wire);
				printf("%s %s %s ", name, dirs[dir],
				    coders[c]);
				hex(stdout, in, INLEN);
				printf(" ");
				hex(stdout, wire, WIRELEN);
				printf("\n");
			}
		}
		dust_model_free(m);
	}
	return (0);
}

/* Every line of tests/vectors/shape.txt: shape and de-shape agree. */
static void
test_vectors(void ** state)
{
	char line[1024], name[32], dir[8], coder[16], inhex[256], wirehex[256];
	char err[256];
	uint8_t in[INLEN], wire[WIRELEN], out[WIRELEN];
	struct dust_model * m;
	struct dust_deshaper d;
	struct bytes got;
	FILE * f;
	int n = 0, di, c;

	(void)state;
	assert_non_null(f = fopen("tests/vectors/shape.txt", "r"));
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#')
			continue;
		assert_int_equal(sscanf(line, "%31s %7s %15s %255s %255s", name,
		    dir, coder, inhex, wirehex), 5);
		assert_int_equal(unhex(inhex, in, INLEN), 0);
		assert_int_equal(unhex(wirehex, wire, WIRELEN), 0);
		assert_non_null(m = dust_model_builtin(name, err, sizeof(err)));
		di = strcmp(dir, "s2c") == 0;
		c = strcmp(coder, "exact") == 0;
		shape(&m->part[di], (enum dust_coder)c, in, out);
		if (memcmp(out, wire, WIRELEN) != 0)
			fail_msg("shaping differs: %s %s %s", name, dir, coder);
		memset(&got, 0, sizeof(got));
		dust_deshaper_init(&d, &m->part[di], (enum dust_coder)c,
		    sink_push, &got);
		assert_int_equal(dust_deshaper_consume(&d, wire, WIRELEN), 0);
		/* At 5.7..8 bits per wire byte, at least 32 bytes are back. */
		assert_true(got.len >= 32);
		assert_memory_equal(got.b, in, got.len);
		free(got.b);
		dust_model_free(m);
		n++;
	}
	fclose(f);
	assert_int_equal(n, 12);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
	};

	if (getenv("DUST_REGEN") != NULL)
		return (regen());
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
