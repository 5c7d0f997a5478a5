/*
 * proxymuxd: accept proxymux links and open the destinations their SOCKS
 * connections ask for, within a policy, writing onward at a constant rate
 * (docs/proxymux.md).  pipemuxd with destinations in place of port ids.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "args.h"
#include "exitopts.h"
#include "muxserver.h"
#include "muxsocks.h"
#include "progopts.h"
#include "progrun.h"
#include "pacer.h"
#include "proxyconnect.h"
#include "warnp.h"

/* Defaults: coverpipe's, so that the onward rate matches the link's. */
#define DEFAULT_RATE	40
#define DEFAULT_BYTES	1024

static struct exitopts ex;

/* Print the usage and exit with ${rc}. */
static void usage(int) __attribute__((noreturn));
static void
usage(int rc)
{

	fprintf(rc ? stderr : stdout,
	    "usage: proxymuxd -s SOURCE [-r PER_SECOND] [-b BYTES] [-n conns]\n"
	    "                 [--allow CIDR ...] [--deny CIDR ...] "
	    "[--ports LIST]\n"
	    "                 [--timeout SECONDS] [--resolv-conf FILE] [-F]\n"
	    "                 [-p pidfile] [-v] [--syslog]\n"
	    "       proxymuxd -h | --version\n");
	exit(rc);
}

/* No port id leads anywhere: only SOCKS connections are served. */
static const struct sock_addr *
no_target(void * cookie, uint8_t port)
{

	return (NULL);
}

int
main(int argc, char * argv[])
{
	static const struct option longopts[] = {
		PROGOPTS_LONG_HELP, PROGOPTS_LONG_VERSION, PROGOPTS_LONG_SYSLOG,
		EXITOPTS_LONG,
		{NULL, 0, NULL, 0}
	};
	struct progopts po = {
		.name = "proxymuxd", .usage = usage, .pidflag = 'p', .n = 100,
		/* Each connection -n counts: its destination connection
		   (the links are not counted). */
		.files_per_n = 1
	};
	const char * sspec = NULL;
	uint64_t rate = DEFAULT_RATE, bytes = DEFAULT_BYTES;
	int ch, lfd, r, rc;
	struct event_base * base;
	struct muxsocks_exit proxy;
	struct muxserver * s = NULL;

	warnp_init(argv[0]);
	exitopts_init(&ex);
	while ((ch = getopt_long(argc, argv, "s:r:b:n:p:Fvh", longopts, NULL))
	    != -1) {
		switch (ch) {
		case 's':
			sspec = optarg;
			break;
		case 'r':
			if (args_uint("-r", optarg, 0, 1000, &rate))
				exit(1);
			break;
		case 'b':
			if (args_uint("-b", optarg, 1, 1048576, &bytes))
				exit(1);
			break;
		default:
			if ((r = exitopts_flag(&ex, ch, optarg)) == -1 ||
			    (r == 1 && progopts_flag(&po, ch, optarg)))
				exit(1);
		}
	}
	if (optind != argc || sspec == NULL)
		usage(1);
	if (progopts_files(&po))
		exit(1);
	/* This host's own addresses are refused unless --allow opens them. */
	if (exitopts_own(&ex))
		exit(1);
	if ((lfd = progopts_listen("-s", sspec)) == -1)
		exit(1);
	/* The tick schedule wants CLOCK_MONOTONIC, not its coarse variant. */
	if ((base = progrun_start(&po, sspec, 1)) == NULL)
		exit(1);
	if (exitopts_start(&ex, base))
		exit(1);
	proxy.connect = &ex.cfg;
	proxy.pacer = NULL;
	if ((rate == 0 || (proxy.pacer = pacer_new(base, (unsigned int)rate,
	    (size_t)bytes)) != NULL) && (s = muxserver_new(base, lfd,
	    no_target, NULL, (size_t)po.n)) != NULL)
		muxserver_set_proxy(s, &proxy);
	rc = progrun_serve(base, s != NULL);
	muxserver_free(s);
	exitopts_free(&ex, base);
	pacer_free(proxy.pacer);
	event_base_free(base);
	return (rc);
}
