#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "dust/conversation.h"
#include "dust/model.h"

#include "convparse.h"
#include "multiset.h"

/* Where the message goes. */
struct err {
	char * buf;
	size_t len;
};

/* fail(e, fmt, ...): write the message to ${e}; return -1. */
static int fail(struct err *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static int
fail(struct err * e, const char * fmt, ...)
{
	va_list ap;

	if (e->len > 0) {
		va_start(ap, fmt);
		vsnprintf(e->buf, e->len, fmt, ap);
		va_end(ap);
	}
	return (-1);
}

/* parse_idle(e, v, set): the optional idle_ms ${v}. */
static int
parse_idle(struct err * e, const json_t * v, struct dust_convset * set)
{
	double d;

	set->idle_ms = DUST_CONV_IDLE_DEFAULT;
	if (v == NULL)
		return (0);
	if (!json_is_number(v))
		return (fail(e, "conversations.idle_ms: must be a number"));
	d = json_number_value(v);
	if (d != floor(d) || d < 1 || d > DUST_CONV_GAP_MAX)
		return (fail(e, "conversations.idle_ms: must be an integer "
		    "1..2147483647 (ms)"));
	set->idle_ms = (uint32_t)d;
	return (0);
}

/* parse_draw(e, v, set): the optional "draw" ${v}. */
static int
parse_draw(struct err * e, const json_t * v, struct dust_convset * set)
{

	if (v == NULL)
		return (0);
	if (!json_is_string(v))
		return (fail(e, "conversations.draw: must be a string"));
	if (strcmp(json_string_value(v), "all") == 0)
		set->draw_all = 1;
	else if (strcmp(json_string_value(v), "usable") != 0)
		return (fail(e, "conversations.draw: unknown value \"%s\" "
		    "(usable or all)", json_string_value(v)));
	return (0);
}

/*
 * parse_gap(e, v, idle_ms, where, us): the gap ${v} (a finite number of
 * ms, at ${where} in the model) in whole microseconds into ${us}; it must
 * be below ${idle_ms}, or the peer would give up first (docs/engine.md,
 * "Idle").
 */
static int
parse_gap(struct err * e, const json_t * v, uint32_t idle_ms,
    const char * where, uint64_t * us)
{
	double d;

	/* Whole microseconds: loopback think times are tens of them. */
	d = floor(json_number_value(v) * 1000 + 0.5);
	if (d < 0 || d > (double)DUST_CONV_GAP_MAX * 1000)
		return (fail(e, "%s: gaps must be 0..2147483647 ms", where));
	*us = (uint64_t)d;
	if (*us >= (uint64_t)idle_ms * 1000)
		return (fail(e, "%s: a gap of %.13g ms is not below idle_ms "
		    "(%u)", where, (double)*us / 1000, (unsigned)idle_ms));
	return (0);
}

/* parse_step(e, v, i, j, idle_ms, s): step ${j} of conversation ${i}. */
static int
parse_step(struct err * e, const json_t * v, size_t i, size_t j,
    uint32_t idle_ms, struct dust_conv_step * s)
{
	const json_t * x;
	char where[64];
	double d;
	int k;

	if (!json_is_array(v) || json_array_size(v) != 3)
		return (fail(e, "conversations.list[%zu][%zu]: must be a "
		    "[dir, len, gap_ms] triple", i, j));
	for (k = 0; k < 3; k++) {
		x = json_array_get(v, (size_t)k);
		if (!json_is_number(x) || !isfinite(json_number_value(x)))
			return (fail(e, "conversations.list[%zu][%zu][%d]: "
			    "must be a number", i, j, k));
	}
	d = json_number_value(json_array_get(v, 0));
	if (d != 0 && d != 1)
		return (fail(e, "conversations.list[%zu][%zu][0]: directions "
		    "must be 0 (client to server) or 1", i, j));
	s->dir = (uint8_t)d;
	d = json_number_value(json_array_get(v, 1));
	if (d != floor(d) || d < 1 || d > DUST_LENGTH_MAX)
		return (fail(e, "conversations.list[%zu][%zu][1]: lengths "
		    "must be integers 1..65535", i, j));
	s->len = (uint16_t)d;
	(void)snprintf(where, sizeof(where), "conversations.list[%zu][%zu][2]",
	    i, j);
	return (parse_gap(e, json_array_get(v, 2), idle_ms, where, &s->gap_us));
}

/*
 * parse_steps(e, v, i, idle_ms, c, total): the steps of conversation ${i};
 * count them.
 */
static int
parse_steps(struct err * e, const json_t * v, size_t i, uint32_t idle_ms,
    struct dust_conv * c, size_t * total)
{
	size_t j, n;

	if (!json_is_array(v) || (n = json_array_size(v)) == 0)
		return (fail(e, "conversations.list[%zu]: must be a non-empty "
		    "array of steps", i));
	if (n > DUST_CONV_STEPS_MAX)
		return (fail(e, "conversations.list[%zu]: at most %d steps",
		    i, DUST_CONV_STEPS_MAX));
	if ((*total += n) > DUST_CONV_TOTAL_MAX)
		return (fail(e, "conversations.list[%zu]: at most %d steps in "
		    "all the conversations", i, DUST_CONV_TOTAL_MAX));
	if ((c->step = calloc(n, sizeof(*c->step))) == NULL)
		return (fail(e, "conversations.list[%zu]: out of memory", i));
	c->nsteps = n;
	for (j = 0; j < n; j++)
		if (parse_step(e, json_array_get(v, j), i, j, idle_ms,
		    &c->step[j]))
			return (-1);
	return (0);
}

/*
 * parse_first(e, v, i, c, prefixlen, ms): the "first" multiset ${v} of
 * conversation ${i} (whose steps are parsed) into ${ms}: [byte, count]
 * pairs counting the client's first step after the prefix.
 */
static int
parse_first(struct err * e, const json_t * v, size_t i,
    const struct dust_conv * c, size_t prefixlen, struct dust_multiset * ms)
{
	const json_t * p, * x;
	size_t j, k;
	double d[2];

	if (!json_is_array(v) || json_array_size(v) == 0)
		return (fail(e, "conversations.list[%zu].first: must be a "
		    "non-empty array of [byte, count] pairs", i));
	if (c->step[0].dir != DUST_C2S)
		return (fail(e, "conversations.list[%zu].first: the first "
		    "step must be the client's", i));
	json_array_foreach(v, j, p) {
		if (!json_is_array(p) || json_array_size(p) != 2)
			return (fail(e, "conversations.list[%zu].first[%zu]: "
			    "must be a [byte, count] pair", i, j));
		for (k = 0; k < 2; k++) {
			x = json_array_get(p, k);
			d[k] = json_is_number(x) ? json_number_value(x) : 0.5;
			if (d[k] != floor(d[k]))
				return (fail(e, "conversations.list[%zu]."
				    "first[%zu][%zu]: must be an integer", i,
				    j, k));
		}
		if (d[0] < 0 || d[0] > 255)
			return (fail(e, "conversations.list[%zu].first[%zu]"
			    "[0]: bytes must be 0..255", i, j));
		if (d[1] < 1 || d[1] > DUST_LENGTH_MAX)
			return (fail(e, "conversations.list[%zu].first[%zu]"
			    "[1]: counts must be 1..65535", i, j));
		if (ms->count[(size_t)d[0]] != 0)
			return (fail(e, "conversations.list[%zu].first[%zu]"
			    "[0]: byte %u listed twice", i, j,
			    (unsigned)d[0]));
		ms->count[(size_t)d[0]] = (uint16_t)d[1];
		ms->n += (uint32_t)d[1];
	}
	if (ms->n + prefixlen != c->step[0].len)
		return (fail(e, "conversations.list[%zu].first: the counts "
		    "sum to %u, not the first step's length %u less the "
		    "prefix's %zu", i, (unsigned)ms->n,
		    (unsigned)c->step[0].len, prefixlen));
	ms->capacity = dust_multiset_capacity(ms);
	return (0);
}

/*
 * parse_close(e, v, i, idle_ms, c): the "close" [dir, gap_ms] ${v} of
 * conversation ${i}: which side closed the real connection first, and
 * how long after its last data segment.
 */
static int
parse_close(struct err * e, const json_t * v, size_t i, uint32_t idle_ms,
    struct dust_conv * c)
{
	char where[64];
	double d;

	if (!json_is_array(v) || json_array_size(v) != 2 ||
	    !json_is_number(json_array_get(v, 0)) ||
	    !json_is_number(json_array_get(v, 1)) ||
	    !isfinite(json_number_value(json_array_get(v, 1))))
		return (fail(e, "conversations.list[%zu].close: must be a "
		    "[dir, gap_ms] pair of numbers", i));
	d = json_number_value(json_array_get(v, 0));
	if (d != 0 && d != 1)
		return (fail(e, "conversations.list[%zu].close[0]: directions "
		    "must be 0 (client to server) or 1", i));
	c->close_dir = (uint8_t)d;
	(void)snprintf(where, sizeof(where), "conversations.list[%zu].close[1]",
	    i);
	if (parse_gap(e, json_array_get(v, 1), idle_ms, where,
	    &c->close_gap_us))
		return (-1);
	c->has_close = 1;
	return (0);
}

/*
 * parse_conv(e, v, i, idle_ms, prefixlen, c, ms, total): conversation
 * ${i}: an array of steps, or an object {"steps": ..., "first": ...,
 * "close": ...} (its multiset, if any, in ${ms}, else ms->n = 0); count
 * its steps.
 */
static int
parse_conv(struct err * e, const json_t * v, size_t i, uint32_t idle_ms,
    size_t prefixlen, struct dust_conv * c, struct dust_multiset * ms,
    size_t * total)
{
	const json_t * x;
	const char * key;

	if (!json_is_object(v))
		return (parse_steps(e, v, i, idle_ms, c, total));
	json_object_foreach((json_t *)v, key, x) {
		if (strcmp(key, "steps") != 0 && strcmp(key, "first") != 0 &&
		    strcmp(key, "close") != 0)
			return (fail(e, "conversations.list[%zu].%s: unknown "
			    "field", i, key));
	}
	if ((x = json_object_get(v, "steps")) == NULL)
		return (fail(e, "conversations.list[%zu].steps: missing", i));
	if (parse_steps(e, x, i, idle_ms, c, total))
		return (-1);
	if ((x = json_object_get(v, "close")) != NULL &&
	    parse_close(e, x, i, idle_ms, c))
		return (-1);
	if ((x = json_object_get(v, "first")) == NULL)
		return (0);
	return (parse_first(e, x, i, c, prefixlen, ms));
}

/* cmp_ms(a, b): order multisets by length, then counts. */
static int
cmp_ms(const void * a, const void * b)
{
	const struct dust_multiset * x = a, * y = b;

	if (x->n != y->n)
		return (x->n < y->n ? -1 : 1);
	return (memcmp(x->count, y->count, sizeof(x->count)));
}

/*
 * dedup_firsts(e, set, ms): keep the distinct multisets of ${ms} (one per
 * conversation, n = 0 for none) in set->firsts, sorted, and point each
 * conversation at its own.
 */
static int
dedup_firsts(struct err * e, struct dust_convset * set,
    const struct dust_multiset * ms)
{
	struct dust_multiset * f;
	size_t i, k;

	for (i = 0; i < set->n; i++)
		set->nfirsts += (ms[i].n > 0);
	if (set->nfirsts == 0)
		return (0);
	if ((f = set->firsts = calloc(set->nfirsts, sizeof(*f))) == NULL)
		return (fail(e, "conversations: out of memory"));
	for (i = 0, k = 0; i < set->n; i++)
		if (ms[i].n > 0)
			f[k++] = ms[i];
	qsort(f, set->nfirsts, sizeof(*f), cmp_ms);
	for (i = 1, k = 1; i < set->nfirsts; i++)
		if (cmp_ms(&f[k - 1], &f[i]) != 0)
			f[k++] = f[i];
	set->nfirsts = k;
	set->maxfirst = f[k - 1].n;
	for (i = 0; i < set->n; i++)
		if (ms[i].n > 0)
			set->list[i].first = bsearch(&ms[i], f, k, sizeof(*f),
			    cmp_ms);
	return (0);
}

/* minfirst(m): bytes the client's first step needs (prefix and key). */
static size_t
minfirst(const struct dust_model * m)
{
	double h = dust_model_entropy(&m->part[DUST_C2S]);
	double need = ceil(DUST_CONV_KEY_MARGIN * 8 / h);

	if (!(need < 65536))
		need = 65536;
	return (m->part[DUST_C2S].prefixlen + (size_t)need);
}

/* find_drawn(e, set, m): list the conversations of ${set} to draw. */
static int
find_drawn(struct err * e, struct dust_convset * set,
    const struct dust_model * m)
{
	size_t i, need = minfirst(m);
	int k;

	if ((set->drawn = calloc(set->n, sizeof(size_t))) == NULL)
		return (fail(e, "conversations: out of memory"));
	/* With first segments, the key rides in the permutation. */
	if (set->nfirsts > 0)
		need = 1;
	for (i = 0; i < set->n; i++) {
		k = dust_conv_class(&set->list[i], need);
		if (set->nfirsts > 0 && (set->list[i].first == NULL ||
		    set->list[i].first->capacity < DUST_CONV_FIRST_BITS))
			k = DUST_CONV_NONE;
		set->nusable += (k == DUST_CONV_DATA);
		if (k == DUST_CONV_DATA ||
		    (k == DUST_CONV_COVER && set->draw_all))
			set->drawn[set->ndrawn++] = i;
	}
	if (set->nusable == 0 && set->nfirsts > 0)
		return (fail(e, "conversations.list: none of the %zu is usable "
		    "(a usable one has a first segment whose permutations "
		    "carry at least %d bits and a client step after a server "
		    "step)", set->n, DUST_CONV_FIRST_BITS));
	if (set->nusable == 0)
		return (fail(e, "conversations.list: none of the %zu is usable "
		    "(a usable one starts with a client step of at least %zu "
		    "bytes and has a client step after a server step)",
		    set->n, need));
	return (0);
}

/* parse_set(e, v, m, set): the whole "conversations" object. */
static int
parse_set(struct err * e, const json_t * v, const struct dust_model * m,
    struct dust_convset * set)
{
	const json_t * list, * x;
	const char * key;
	struct dust_multiset * ms;
	size_t i, total = 0;
	int rc = -1;

	if (!json_is_object(v))
		return (fail(e, "conversations: must be an object"));
	json_object_foreach((json_t *)v, key, x) {
		if (strcmp(key, "idle_ms") != 0 && strcmp(key, "list") != 0 &&
		    strcmp(key, "draw") != 0)
			return (fail(e, "conversations.%s: unknown field",
			    key));
	}
	if (parse_idle(e, json_object_get(v, "idle_ms"), set) ||
	    parse_draw(e, json_object_get(v, "draw"), set))
		return (-1);
	if ((list = json_object_get(v, "list")) == NULL)
		return (fail(e, "conversations.list: missing"));
	if (!json_is_array(list) || (set->n = json_array_size(list)) == 0)
		return (fail(e, "conversations.list: must be a non-empty "
		    "array of conversations"));
	if (set->n > DUST_CONV_MAX)
		return (fail(e, "conversations.list: at most %d conversations",
		    DUST_CONV_MAX));
	if ((set->list = calloc(set->n, sizeof(*set->list))) == NULL)
		return (fail(e, "conversations.list: out of memory"));
	if ((ms = calloc(set->n, sizeof(*ms))) == NULL)
		return (fail(e, "conversations.list: out of memory"));
	for (i = 0; i < set->n; i++)
		if (parse_conv(e, json_array_get(list, i), i, set->idle_ms,
		    m->part[DUST_C2S].prefixlen, &set->list[i], &ms[i], &total))
			goto done;
	if (dedup_firsts(e, set, ms) == 0)
		rc = find_drawn(e, set, m);
done:
	free(ms);
	return (rc);
}

/**
 * convparse(v, m, set, errbuf, errlen):
 * Load the "conversations" value ${v} of the model ${m} (whose parts are
 * loaded) into *${set}, computing which conversations are usable.  Return
 * 0, or -1 with a message naming the field in ${errbuf} (e.g.
 * "conversations.list[3][0]: directions must be 0 or 1").
 */
int
convparse(const json_t * v, const struct dust_model * m,
    struct dust_convset ** set, char * errbuf, size_t errlen)
{
	struct err e = { errbuf, errlen };
	struct dust_convset * s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return (fail(&e, "conversations: out of memory"));
	if (parse_set(&e, v, m, s)) {
		dust_convset_free(s);
		return (-1);
	}
	*set = s;
	return (0);
}
