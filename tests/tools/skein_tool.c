/*
 * skein_tool: libdust's Skein-256 driven by lines on stdin, for the
 * differential test tests/integration/skein_diff.py.  One answer line (hex)
 * per command line; "-" stands for an empty hex string.
 *
 *   hash OUTLEN HEXMSG             Skein-256 with OUTLEN output bytes
 *   hashinc OUTLEN CHUNK HEXMSG    the same, fed CHUNK bytes per update
 *   mac HEXKEY HEXMSG              Skein-MAC-256-256
 *   macn OUTLEN HEXKEY HEXMSG      Skein-MAC-256 with OUTLEN output bytes
 *   stream HEXKEY HEXIV LEN        the first LEN keystream bytes (one call)
 *   streamcuts HEXKEY HEXIV L1,L2,...
 *                                  keystream fetched in calls of L1, L2, ...
 *                                  bytes, concatenated
 *
 * A line it cannot read gets "error: WHAT" as its answer; the exit status
 * is then 1.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/skein.h"

/* Longest output or keystream a command may ask for. */
#define MAXOUT	(1 << 20)

/**
 * unhex(s, out, len):
 * Decode the hex string ${s} ("-" = empty) into a new buffer stored in
 * ${out}, its length in ${len}.  Return 0, or -1 if ${s} is not hex.
 */
static int
unhex(const char * s, uint8_t ** out, size_t * len)
{
	size_t n, i;
	unsigned int v;

	if (strcmp(s, "-") == 0)
		s = "";
	n = strlen(s);
	*out = NULL;
	if (n % 2 != 0)
		return (-1);
	if ((*out = malloc(n / 2 + 1)) == NULL)
		return (-1);
	for (i = 0; i < n / 2; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1 ||
		    strchr("0123456789abcdefABCDEF", s[2 * i]) == NULL ||
		    strchr("0123456789abcdefABCDEF", s[2 * i + 1]) == NULL) {
			free(*out);
			*out = NULL;
			return (-1);
		}
		(*out)[i] = (uint8_t)v;
	}
	*len = n / 2;
	return (0);
}

/**
 * number(s, v):
 * Parse the decimal ${s} (0 .. MAXOUT) into ${v}.  Return 0 or -1.
 */
static int
number(const char * s, size_t * v)
{
	char * end;
	unsigned long x;

	if (s == NULL || *s < '0' || *s > '9')
		return (-1);
	errno = 0;
	x = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || x > MAXOUT)
		return (-1);
	*v = x;
	return (0);
}

/**
 * puthex(buf, len):
 * Print ${buf} as one line of hex ("-" if empty).
 */
static void
puthex(const uint8_t * buf, size_t len)
{
	size_t i;

	if (len == 0)
		putchar('-');
	for (i = 0; i < len; i++)
		printf("%02x", buf[i]);
	putchar('\n');
}

/**
 * stream(key, iv, cuts):
 * Print the keystream of (${key}, ${iv}) fetched in calls of the lengths
 * in the comma-separated list ${cuts}.  Return NULL or what was wrong.
 */
static const char *
stream(const char * hkey, const char * hiv, char * cuts)
{
	struct skein256_stream s;
	uint8_t * key, * iv, * out = NULL;
	size_t keylen, ivlen, total = 0, n;
	const char * err = NULL;
	char * tok, * save;

	if (unhex(hkey, &key, &keylen))
		return ("bad key hex");
	if (unhex(hiv, &iv, &ivlen)) {
		free(key);
		return ("bad iv hex");
	}
	if (keylen != 32 || ivlen != 32) {
		err = "key and iv must be 32 bytes";
		goto done;
	}
	if ((out = calloc(1, MAXOUT)) == NULL) {
		err = "out of memory";
		goto done;
	}
	skein256_stream_init(&s, key, iv);
	for (tok = strtok_r(cuts, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (number(tok, &n) || n > MAXOUT - total) {
			err = "bad length";
			goto wipe;
		}
		/* xor over zeros gives the keystream itself */
		skein256_stream_xor(&s, out + total, out + total, n);
		total += n;
	}
	puthex(out, total);
wipe:
	skein256_stream_wipe(&s);
done:
	free(out);
	free(key);
	free(iv);
	return (err);
}

/**
 * command(line):
 * Run one command line.  Return NULL or what was wrong with it.
 */
static const char *
command(char * line)
{
	char * w[5], * save;
	int nw = 0;
	uint8_t * key = NULL, * msg = NULL, * out;
	size_t keylen, msglen, outlen, chunk, off;
	struct skein256_ctx ctx;
	const char * err = NULL;

	for (w[0] = strtok_r(line, " \t\r\n", &save); w[nw] != NULL;
	    w[nw] = strtok_r(NULL, " \t\r\n", &save))
		if (++nw == 5)
			return ("too many words");
	if (nw == 0)
		return ("empty line");
	if (strcmp(w[0], "stream") == 0 || strcmp(w[0], "streamcuts") == 0) {
		if (nw != 4)
			return ("stream takes KEY IV LENGTHS");
		return (stream(w[1], w[2], w[3]));
	}
	if ((out = malloc(MAXOUT)) == NULL)
		return ("out of memory");
	if (strcmp(w[0], "hash") == 0 && nw == 3) {
		if (number(w[1], &outlen) || unhex(w[2], &msg, &msglen)) {
			err = "hash takes OUTLEN HEXMSG";
			goto done;
		}
		skein256_hash(out, outlen, msg, msglen);
	} else if (strcmp(w[0], "hashinc") == 0 && nw == 4) {
		if (number(w[1], &outlen) || number(w[2], &chunk) ||
		    chunk == 0 || unhex(w[3], &msg, &msglen)) {
			err = "hashinc takes OUTLEN CHUNK HEXMSG";
			goto done;
		}
		skein256_init(&ctx, outlen);
		for (off = 0; off < msglen; off += chunk)
			skein256_update(&ctx, msg + off,
			    msglen - off < chunk ? msglen - off : chunk);
		skein256_final(&ctx, out);
	} else if (strcmp(w[0], "mac") == 0 && nw == 3) {
		outlen = 32;
		if (unhex(w[1], &key, &keylen) ||
		    unhex(w[2], &msg, &msglen)) {
			err = "mac takes HEXKEY HEXMSG";
			goto done;
		}
		skein256_mac(out, key, keylen, msg, msglen);
	} else if (strcmp(w[0], "macn") == 0 && nw == 4) {
		if (number(w[1], &outlen) || unhex(w[2], &key, &keylen) ||
		    unhex(w[3], &msg, &msglen)) {
			err = "macn takes OUTLEN HEXKEY HEXMSG";
			goto done;
		}
		skein256_init_mac(&ctx, key, keylen, outlen);
		skein256_update(&ctx, msg, msglen);
		skein256_final(&ctx, out);
	} else {
		err = "unknown command or wrong number of words";
		goto done;
	}
	puthex(out, outlen);
done:
	free(out);
	free(key);
	free(msg);
	return (err);
}

int
main(int argc, char * argv[])
{
	char * line = NULL;
	size_t cap = 0;
	const char * err;
	int rc = 0;

	if (argc > 1) {
		fprintf(stderr, "usage: skein_tool < commands\n");
		return (2);
	}
	while (getline(&line, &cap, stdin) != -1) {
		if ((err = command(line)) != NULL) {
			printf("error: %s\n", err);
			rc = 1;
		}
		fflush(stdout);
	}
	free(line);
	return (rc);
}
