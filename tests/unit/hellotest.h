#ifndef DUST_TESTS_HELLOTEST_H
#define DUST_TESTS_HELLOTEST_H

/*
 * What test_tlshello and test_sshhello share: the captured vectors (read
 * by tlsvec.h), picking them by name, an expected error, and the check of
 * a filled template (lib/format/fmttmpl.h: fields hold their values, the
 * rest is the template's bytes).  Include after <cmocka.h>.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "format/fmttmpl.h"
#include "tlsvec.h"

static struct tlsvec vec[TLSVEC_MAX];
static int nvec;

/*
 * vec_setup(path, min): read the vectors of ${path} into vec.  Return 0,
 * or -1 if fewer than ${min} are read.
 */
static inline int
vec_setup(const char * path, int min)
{

	nvec = tlsvec_load(path, vec);
	return (nvec < min ? -1 : 0);
}

/* teardown(state): free the vectors. */
static inline int
teardown(void ** state)
{

	(void)state;
	tlsvec_free(vec, nvec);
	return (0);
}

/*
 * pick(prefix, flights, lens, server): the first flights (the server's if
 * ${server}) of the vectors whose name starts with ${prefix}.  Return
 * their count.
 */
static inline size_t
pick(const char * prefix, const uint8_t ** flights, size_t * lens,
    int server)
{

	return (tlsvec_pick(vec, nvec, prefix, flights, lens, server));
}

/* expect_err(rc, err, want): ${rc} is -1 and ${err} holds ${want}. */
static inline void
expect_err(int rc, const char * err, const char * want)
{

	if (rc != -1 || strstr(err, want) == NULL)
		fail_msg("wanted an error with \"%s\", got %d \"%s\"", want, rc,
		    err);
}

/*
 * check_filled(bytes, len, f, n, vals, out): the ${n} fields ${f} of the
 * filled ${out} hold ${vals}, field after field, and outside them ${out}
 * is the template's ${len} ${bytes} (${out} is changed to check it).
 */
static inline void
check_filled(const uint8_t * bytes, size_t len, const struct fmt_field * f,
    size_t n, const uint8_t * vals, uint8_t * out)
{
	size_t i, voff;

	for (i = voff = 0; i < n; voff += f[i++].len) {
		assert_memory_equal(out + f[i].off, vals + voff, f[i].len);
		/* Outside the fields: the template's bytes. */
		memcpy(out + f[i].off, bytes + f[i].off, f[i].len);
	}
	assert_memory_equal(out, bytes, len);
}

#endif /* !DUST_TESTS_HELLOTEST_H */
