#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "dust/cover.h"

#include "args.h"
#include "coverlink.h"
#include "coverprog.h"
#include "progopts.h"
#include "progrun.h"
#include "warnp.h"

/* Print the usage of ${name} to standard output (${rc} 0) or error. */
static void
usage_print(const char * name, int plain_is_source, int rc)
{

	fprintf(rc ? stderr : stdout, "usage: %s -s SOURCE -t TARGET "
	    "[-r PER_SECOND] [-b BLOCK_BYTES]\n"
	    "       [-F] [-p PIDFILE] [-v] [--syslog]\n"
	    "       %s -h | --version\n\n"
	    "Accept %s on SOURCE and connect each to TARGET.\n"
	    "Each way, on the %s side, send one block of BLOCK_BYTES\n"
	    "(default %d) PER_SECOND times a second (default %d),\n"
	    "whether or not real data is waiting.  See %s(1).\n",
	    name, name, plain_is_source ? "real data" :
	    "block streams (from spiped -d)", plain_is_source ? "TARGET" :
	    "SOURCE", COVER_BLOCK_DEFAULT, COVER_RATE_DEFAULT, name);
}

/* Print coverpipe's usage and exit with ${rc}. */
static void usage_coverpipe(int) __attribute__((noreturn));
static void
usage_coverpipe(int rc)
{

	usage_print("coverpipe", 1, rc);
	exit(rc);
}

/* Print coverpiped's usage and exit with ${rc}. */
static void usage_coverpiped(int) __attribute__((noreturn));
static void
usage_coverpiped(int rc)
{

	usage_print("coverpiped", 0, rc);
	exit(rc);
}

/* SIGUSR1: log the counters. */
static void
stats_cb(evutil_socket_t sig, short what, void * arg)
{

	coversvc_stats(arg);
}

/*
 * Serve the links accepted on ${lfd} as ${conf} says until SIGTERM or
 * SIGINT (SIGUSR1 logs the counters).  Return the exit status.
 */
static int
serve(struct event_base * base, int lfd, const struct coverlink_conf * conf,
    const char * source, const char * target)
{
	struct coversvc * svc;
	struct event * sigusr1 = NULL;
	int rc;

	if ((svc = coversvc_new(base, lfd, conf)) == NULL ||
	    (sigusr1 = evsignal_new(base, SIGUSR1, stats_cb, svc)) == NULL ||
	    event_add(sigusr1, NULL)) {
		rc = progrun_serve(base, 0);
		goto done;
	}
	info0("listening on %s, target %s, %d blocks of %zu bytes a second",
	    source, target, (int)conf->rate, conf->block);
	rc = progrun_serve(base, 1);
done:
	if (sigusr1 != NULL)
		event_free(sigusr1);
	if (svc != NULL)
		coversvc_free(svc);
	return (rc);
}

/**
 * coverprog_main(argc, argv, plain_is_source):
 * The whole of coverpipe (${plain_is_source} = 1: real data is accepted on
 * the source, blocks go to the target) and of coverpiped (0: blocks are
 * accepted on the source, real data goes to the target): parse the
 * options, listen, daemonize, serve links until SIGTERM.  Return the exit
 * status.
 */
int
coverprog_main(int argc, char ** argv, int plain_is_source)
{
	static const struct option longopts[] = {
		PROGOPTS_LONG_HELP, PROGOPTS_LONG_VERSION, PROGOPTS_LONG_SYSLOG,
		{NULL, 0, NULL, 0}
	};
	struct progopts po = {
		.name = plain_is_source ? "coverpipe" : "coverpiped",
		.usage = plain_is_source ? usage_coverpipe : usage_coverpiped,
		.pidflag = 'p'
	};
	const char * source = NULL, * target = NULL;
	struct coverlink_conf conf;
	struct event_base * base;
	uint64_t v;
	int ch, n, lfd, rc;

	warnp_init(po.name);
	memset(&conf, 0, sizeof(conf));
	conf.plain_is_source = plain_is_source;
	conf.rate = COVER_RATE_DEFAULT;
	conf.block = COVER_BLOCK_DEFAULT;
	conf.connect_timeout = 10;
	while ((ch = getopt_long(argc, argv, "s:t:r:b:Fp:vh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
			source = optarg;
			break;
		case 't':
			target = optarg;
			break;
		case 'r':
			if (args_uint("-r", optarg, 1, 1000, &v))
				return (1);
			conf.rate = v;
			break;
		case 'b':
			if (args_uint("-b", optarg, COVER_BLOCK_MIN,
			    COVER_BLOCK_MAX, &v))
				return (1);
			conf.block = (size_t)v;
			break;
		default:
			if (progopts_flag(&po, ch, optarg))
				return (1);
		}
	}
	if (optind != argc || source == NULL || target == NULL) {
		if (optind != argc)
			warn0("unexpected argument '%s'", argv[optind]);
		else
			warn0("both -s SOURCE and -t TARGET are needed");
		po.usage(1);
	}

	/*
	 * Resolve and listen before detaching, so that a waiting caller can
	 * connect; the target's addresses (a few) are tried in turn.
	 */
	if ((n = progopts_resolve("-t", target, conf.target,
	    COVERLINK_TARGETS)) < 0 ||
	    (lfd = progopts_listen("-s", source)) == -1)
		return (1);
	conf.ntargets = (size_t)n;

	/* A precise timer: blocks are due to the millisecond. */
	if ((base = progrun_start(&po, source, 1)) == NULL)
		return (1);
	rc = serve(base, lfd, &conf, source, target);
	event_base_free(base);
	return (rc);
}
