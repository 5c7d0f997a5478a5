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

#include "dust/proxyopen.h"

#include "addr.h"
#include "args.h"
#include "muxclient.h"
#include "muxrun.h"
#include "sock.h"
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
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{"syslog", no_argument, NULL, 'S'},
		{NULL, 0, NULL, 0}
	};
	struct sock_addr target[8], la;
	const char * tspec = NULL, * lspec = NULL, * pidfile = NULL;
	uint8_t port = PROXYOPEN_PORT;
	uint64_t maxconns = 100;
	int fg = 0, use_syslog = 0, nt, ch, lfd, rc = 1;
	char why[256];
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
		case 'n':
			if (args_uint("-n", optarg, 0, 1000000, &maxconns))
				exit(1);
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 'F':
			fg = 1;
			break;
		case 'v':
			warnp_setverbose(1);
			break;
		case 'S':
			use_syslog = 1;
			break;
		case 'V':
			printf("proxymux %s\n", DUST_VERSION);
			exit(0);
		case 'h':
			usage(0);
		default:
			usage(1);
		}
	}
	if (optind != argc || tspec == NULL || lspec == NULL)
		usage(1);

	/* Resolve everything and listen before detaching, as spiped. */
	if ((nt = addr_resolve(tspec, target, 8, why, sizeof(why))) < 0) {
		warn0("-t: %s", why);
		exit(1);
	}
	if (addr_resolve(lspec, &la, 1, why, sizeof(why)) < 0) {
		warn0("-s: %s", why);
		exit(1);
	}
	if ((lfd = sock_listen(&la)) == -1) {
		warnp("-s: cannot listen on %s", lspec);
		exit(1);
	}
	if (muxrun_daemonize(fg, pidfile, lspec, use_syslog))
		exit(1);

	if ((base = event_base_new()) == NULL) {
		warn0("cannot create an event base");
		exit(1);
	}
	/* pipemux's client, its one listener a SOCKS front end. */
	if ((mc = muxclient_new(base, target, (size_t)nt, tspec, &lfd, &port,
	    1, (size_t)maxconns)) == NULL || muxclient_socks(mc, 0))
		warn0("cannot start");
	else if (muxrun_loop(base) == 0)
		rc = 0;
	muxclient_free(mc);
	event_base_free(base);
	return (rc);
}
