/*
 * proxymux: a SOCKS5 server whose connections travel, over one pipemux
 * link, to proxymuxd, which opens the destinations they ask for
 * (docs/proxymux.md).  pipemux with a SOCKS front end in place of port ids.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>

#include "socks/proxyopen.h"

#include "muxclient.h"
#include "progrun.h"
#include "progopts.h"
#include "warnp.h"

/* Print the usage and exit with ${rc}. */
static void usage(int) __attribute__((noreturn));
static void
usage(int rc)
{

	fprintf(rc ? stderr : stdout,
	    "usage: proxymux -s LISTEN -t TARGET [-n conns] [-F] [-p pidfile] "
	    "[-v]\n"
	    "                [--syslog]\n"
	    "       proxymux -h | --version\n");
	exit(rc);
}

int
main(int argc, char * argv[])
{
	static const struct option longopts[] = {
		PROGOPTS_LONG_HELP, PROGOPTS_LONG_VERSION, PROGOPTS_LONG_SYSLOG,
		{NULL, 0, NULL, 0}
	};
	struct progopts po = {
		.name = "proxymux", .usage = usage, .pidflag = 'p', .n = 100,
		/* Each connection -n counts: its local (SOCKS) connection. */
		.files_per_n = 1
	};
	struct sock_addr target[8];
	const char * tspec = NULL, * lspec = NULL;
	uint8_t port = PROXYOPEN_PORT;
	int nt, ch, lfd, rc;
	struct event_base * base;
	struct muxclient * mc;

	warnp_init(argv[0]);
	while ((ch = getopt_long(argc, argv, "s:t:n:p:Fvh", longopts, NULL))
	    != -1) {
		switch (ch) {
		case 's':
			lspec = optarg;
			break;
		case 't':
			tspec = optarg;
			break;
		default:
			if (progopts_flag(&po, ch, optarg))
				exit(1);
		}
	}
	if (optind != argc || tspec == NULL || lspec == NULL)
		usage(1);
	if (progopts_files(&po))
		exit(1);

	/* Resolve everything and listen before detaching, as spiped. */
	if ((nt = progopts_resolve("-t", tspec, target, 8)) < 0 ||
	    (lfd = progopts_listen("-s", lspec)) == -1)
		exit(1);
	if ((base = progrun_start(&po, lspec, 0)) == NULL)
		exit(1);
	/* pipemux's client, its one listener a SOCKS front end. */
	mc = muxclient_new(base, target, (size_t)nt, tspec, &lfd, &port, 1,
	    (size_t)po.n);
	rc = progrun_serve(base, mc != NULL && muxclient_socks(mc, 0) == 0);
	muxclient_free(mc);
	event_base_free(base);
	return (rc);
}
