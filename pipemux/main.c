/*
 * pipemux: carry the connections accepted on several listening sockets,
 * each with its port id, over one link to pipemuxd (docs/pipemux.md).
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>

#include "addr.h"
#include "args.h"
#include "muxclient.h"
#include "muxrun.h"
#include "sock.h"
#include "warnp.h"

#define MAXPORTS	256

/* Print the usage and exit with ${rc}. */
static void usage(int) __attribute__((noreturn));
static void
usage(int rc)
{

	fprintf(rc ? stderr : stdout,
	    "usage: pipemux -t TARGET -p ID:LISTEN [-p ID:LISTEN ...] [-F]\n"
	    "               [-n conns] [-P pidfile] [-v] [--syslog]\n"
	    "       pipemux -h | --version\n");
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
	const char * tspec = NULL, * pidfile = NULL, * lspec[MAXPORTS];
	uint8_t ports[MAXPORTS];
	int lfds[MAXPORTS];
	unsigned int id;
	size_t np = 0, i;
	uint64_t maxconns = 100;
	int fg = 0, use_syslog = 0, nt, ch, rc = 1;
	char why[256];
	struct event_base * base;
	struct muxclient * mc;

	warnp_init(argv[0]);
	while ((ch = getopt_long(argc, argv, "t:p:P:n:Fvh", longopts, NULL))
	    != -1) {
		switch (ch) {
		case 't':
			tspec = optarg;
			break;
		case 'p':
			if (np == MAXPORTS) {
				warn0("-p: at most %d listening addresses",
				    MAXPORTS);
				exit(1);
			}
			if (args_id_addr("-p", optarg, &id, &lspec[np]))
				exit(1);
			ports[np++] = (uint8_t)id;
			break;
		case 'n':
			if (args_uint("-n", optarg, 0, 1000000, &maxconns))
				exit(1);
			break;
		case 'P':
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
			printf("pipemux %s\n", DUST_VERSION);
			exit(0);
		case 'h':
			usage(0);
		default:
			usage(1);
		}
	}
	if (optind != argc || tspec == NULL || np == 0)
		usage(1);

	/* Resolve everything and listen before detaching, as spiped. */
	if ((nt = addr_resolve(tspec, target, 8, why, sizeof(why))) < 0) {
		warn0("-t: %s", why);
		exit(1);
	}
	for (i = 0; i < np; i++) {
		if (addr_resolve(lspec[i], &la, 1, why, sizeof(why)) < 0) {
			warn0("-p: %s", why);
			exit(1);
		}
		if ((lfds[i] = sock_listen(&la)) == -1) {
			warnp("-p: cannot listen on %s", lspec[i]);
			exit(1);
		}
	}
	if (muxrun_daemonize(fg, pidfile, tspec, use_syslog))
		exit(1);

	if ((base = event_base_new()) == NULL) {
		warn0("cannot create an event base");
		exit(1);
	}
	if ((mc = muxclient_new(base, target, (size_t)nt, tspec, lfds, ports,
	    np, (size_t)maxconns)) == NULL)
		warn0("cannot start");
	else if (muxrun_loop(base) == 0)
		rc = 0;
	muxclient_free(mc);
	event_base_free(base);
	return (rc);
}
