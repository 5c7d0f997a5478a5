#include <getopt.h>
#include <sodium.h>
#include <stdio.h>

#include "dust/keyfile.h"

#include "dust.h"
#include "keyio.h"
#include "warnp.h"

/* usage(f): keygen's options. */
static void
usage(FILE * f)
{

	fprintf(f, "usage: dust keygen -k KEYFILE\n"
	    "Write a new server key pair to KEYFILE (mode 0600; an existing\n"
	    "file is never overwritten) and print its public key in hex.\n");
}

/**
 * cmd_keygen(argc, argv):
 * dust keygen -k KEYFILE.  Return the exit code.
 */
int
cmd_keygen(int argc, char ** argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	const char * path = NULL;
	uint8_t sk[32], pk[32];
	char hex[65];
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "hk:", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			return (0);
		case 'k':
			path = optarg;
			break;
		default:
			usage(stderr);
			return (1);
		}
	}
	if (path == NULL || optind != argc) {
		if (path == NULL)
			warn0("-k KEYFILE is required");
		else
			warn0("unexpected argument '%s'", argv[optind]);
		usage(stderr);
		return (1);
	}
	keyfile_generate(sk, pk, NULL);
	rc = keyio_write(path, sk, pk);
	sodium_memzero(sk, sizeof(sk));
	if (rc != 0)
		return (1);
	printf("%s\n", sodium_bin2hex(hex, sizeof(hex), pk, 32));
	return (0);
}
