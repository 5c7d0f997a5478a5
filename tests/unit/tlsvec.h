#ifndef DUST_TESTS_TLSVEC_H
#define DUST_TESTS_TLSVEC_H

/*
 * tests/vectors/tls13-hellos.txt, read for test_tlshello and
 * tests/tools/tlshello_tool: real TLS 1.3 first flights of curl and
 * openssl s_client against nginx (tests/vectors/make-tls13-hellos.sh);
 * and tests/vectors/ssh-hellos.txt, in the same format, for
 * test_sshhello and tests/tools/sshhello_tool: real SSH-2 connection
 * starts of OpenSSH (tests/vectors/make-ssh-hellos.sh).  Also what the
 * tests and tools that read them share: picking vectors by name, and
 * printing bytes as hex.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TLSVEC_MAX	32

/* One captured connection: its name and both first flights. */
struct tlsvec {
	char name[32];
	uint8_t * client;
	size_t clen;
	uint8_t * server;
	size_t slen;
};

/* tlsvec_unhex(h, len): the bytes of the hex ${h}, their count in *${len}. */
static inline uint8_t *
tlsvec_unhex(const char * h, size_t * len)
{
	size_t n = strlen(h) / 2, i;
	uint8_t * b = malloc(n + 1);
	unsigned v;

	for (i = 0; b != NULL && i < n; i++) {
		if (sscanf(h + 2 * i, "%2x", &v) != 1) {
			free(b);
			return (NULL);
		}
		b[i] = (uint8_t)v;
	}
	*len = n;
	return (b);
}

/*
 * tlsvec_load(path, v): read the vectors of ${path} into ${v} (at most
 * TLSVEC_MAX).  Return their count, or -1 on error.
 */
static inline int
tlsvec_load(const char * path, struct tlsvec * v)
{
	static char line[65536];
	char name[32], side[8], * hex;
	FILE * f;
	int n = 0, k;

	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	if ((hex = malloc(sizeof(line))) == NULL) {
		fclose(f);
		return (-1);
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%31s %7s %65535s", name, side, hex) != 3)
			goto err;
		for (k = 0; k < n && strcmp(v[k].name, name) != 0; k++)
			;
		if (k == n) {
			if (n == TLSVEC_MAX)
				goto err;
			memset(&v[n], 0, sizeof(v[n]));
			snprintf(v[n].name, sizeof(v[n].name), "%s", name);
			n++;
		}
		if (strcmp(side, "client") == 0)
			v[k].client = tlsvec_unhex(hex, &v[k].clen);
		else
			v[k].server = tlsvec_unhex(hex, &v[k].slen);
	}
	free(hex);
	fclose(f);
	return (n);
err:
	free(hex);
	fclose(f);
	return (-1);
}

/*
 * tlsvec_pick(v, n, prefix, flights, lens, server): the first flights (the
 * server's if ${server}) of those of the ${n} vectors ${v} whose name
 * starts with ${prefix}.  Return their count.
 */
static inline size_t
tlsvec_pick(const struct tlsvec * v, int n, const char * prefix,
    const uint8_t ** flights, size_t * lens, int server)
{
	size_t k = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (strncmp(v[i].name, prefix, strlen(prefix)) != 0)
			continue;
		flights[k] = server ? v[i].server : v[i].client;
		lens[k++] = server ? v[i].slen : v[i].clen;
	}
	return (k);
}

/* tlsvec_print_hex(b, len): print the ${len} bytes ${b} as hex. */
static inline void
tlsvec_print_hex(const uint8_t * b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		printf("%02x", b[i]);
}

/* tlsvec_free(v, n): free the ${n} vectors ${v}. */
static inline void
tlsvec_free(struct tlsvec * v, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free(v[i].client);
		free(v[i].server);
	}
}

#endif /* !DUST_TESTS_TLSVEC_H */
