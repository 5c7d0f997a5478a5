/*
 * pipemux: carry the connections accepted on several listening sockets,
 * each with its port id, over one link to pipemuxd (docs/pipemux.md).
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>

#include "args.h"
#include "muxclient.h"
#include "progrun.h"
#include "progopts.h"
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
		PROGOPTS_LONG_HELP, PROGOPTS_LONG_VERSION, PROGOPTS_LONG_SYSLOG,
		{NULL, 0, NULL, 0}
	};
	struct progopts po = {
		.name = "pipemux", .usage = usage, .pidflag = 'P', .n = 100,
		/* Each connection -n counts: its local connection. */
		.files_per_n = 1
	};
	struct sock_addr target[8];
	const char * tspec = NULL, * lspec[MAXPORTS];
	uint8_t ports[MAXPORTS];
	int lfds[MAXPORTS];
	unsigned int id;
	size_t np = 0, i;
	int nt, ch, rc;
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
		default:
			if (progopts_flag(&po, ch, optarg))
				exit(1);
		}
	}
	if (optind != argc || tspec == NULL || np == 0)
		usage(1);
	if (progopts_files(&po))
		exit(1);

	/* Resolve everything and listen before detaching, as spiped. */
	if ((nt = progopts_resolve("-t", tspec, target, 8)) < 0)
		exit(1);
	for (i = 0; i < np; i++)
		if ((lfds[i] = progopts_listen("-p", lspec[i])) == -1)
			exit(1);
	if ((base = progrun_start(&po, tspec, 0)) == NULL)
		exit(1);
	mc = muxclient_new(base, target, (size_t)nt, tspec, lfds, ports, np,
	    (size_t)po.n);
	rc = progrun_serve(base, mc != NULL);
	muxclient_free(mc);
	event_base_free(base);
	return (rc);
}
