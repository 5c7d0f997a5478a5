#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "dust/cover.h"

#include "addr.h"
#include "args.h"
#include "coverlink.h"
#include "coverprog.h"
#include "daemon.h"
#include "sock.h"
#include "warnp.h"

/* Print the usage of ${name} to ${f}. */
static void
usage(FILE * f, const char * name, int plain_is_source)
{

	fprintf(f, "usage: %s -s SOURCE -t TARGET [-r PER_SECOND] "
	    "[-b BLOCK_BYTES]\n"
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

/* SIGUSR1: log the counters. */
static void
stats_cb(evutil_socket_t sig, short what, void * arg)
{

	coversvc_stats(arg);
}

/* SIGTERM or SIGINT: leave the loop. */
static void
stop_cb(evutil_socket_t sig, short what, void * arg)
{

	event_base_loopbreak(arg);
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
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{"syslog", no_argument, NULL, 'S'},
		{NULL, 0, NULL, 0}
	};
	const char * name = plain_is_source ? "coverpipe" : "coverpiped";
	const char * source = NULL, * target = NULL, * pidfile = NULL;
	struct coverlink_conf conf;
	struct sock_addr src;
	struct event_config * cfg;
	struct event_base * base;
	struct event * sigterm, * sigint, * sigusr1;
	struct coversvc * svc;
	char why[300], pidbuf[4096];
	uint64_t v;
	int c, fg = 0, verbose = 0, use_syslog = 0, n, lfd;

	warnp_init(name);
	memset(&conf, 0, sizeof(conf));
	conf.plain_is_source = plain_is_source;
	conf.rate = COVER_RATE_DEFAULT;
	conf.block = COVER_BLOCK_DEFAULT;
	conf.connect_timeout = 10;
	while ((c = getopt_long(argc, argv, "s:t:r:b:Fp:vh", longopts,
	    NULL)) != -1) {
		switch (c) {
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
		case 'F':
			fg = 1;
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'S':
			use_syslog = 1;
			break;
		case 'h':
			usage(stdout, name, plain_is_source);
			return (0);
		case 'V':
			printf("%s %s\n", name, DUST_VERSION);
			return (0);
		default:
			usage(stderr, name, plain_is_source);
			return (1);
		}
	}
	if (optind != argc || source == NULL || target == NULL) {
		if (optind != argc)
			warn0("unexpected argument '%s'", argv[optind]);
		else
			warn0("both -s SOURCE and -t TARGET are needed");
		usage(stderr, name, plain_is_source);
		return (1);
	}
	warnp_setverbose(verbose);

	/* Addresses: one to listen on, a few to try in turn. */
	if (addr_resolve(source, &src, 1, why, sizeof(why)) == -1) {
		warn0("-s: %s", why);
		return (1);
	}
	if ((n = addr_resolve(target, conf.target, COVERLINK_TARGETS, why,
	    sizeof(why))) == -1) {
		warn0("-t: %s", why);
		return (1);
	}
	conf.ntargets = (size_t)n;
	if ((lfd = sock_listen(&src)) == -1) {
		warnp("cannot listen on %s", source);
		return (1);
	}

	/* Daemonize (after listening, so a waiting caller can connect). */
	if (!fg) {
		if (pidfile == NULL)
			pidfile = daemon_default_pidfile(source, pidbuf,
			    sizeof(pidbuf));
		if (daemon_start(pidfile)) {
			warnp("cannot daemonize (pidfile %s)", pidfile);
			return (1);
		}
		if (use_syslog)
			warnp_syslog(1);
	}
	signal(SIGPIPE, SIG_IGN);

	/* A precise timer: blocks are due to the millisecond. */
	if ((cfg = event_config_new()) == NULL)
		goto nomem;
	event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (base == NULL)
		goto nomem;
	if ((svc = coversvc_new(base, lfd, &conf)) == NULL)
		goto nomem;
	sigterm = evsignal_new(base, SIGTERM, stop_cb, base);
	sigint = evsignal_new(base, SIGINT, stop_cb, base);
	sigusr1 = evsignal_new(base, SIGUSR1, stats_cb, svc);
	if (sigterm == NULL || sigint == NULL || sigusr1 == NULL ||
	    event_add(sigterm, NULL) || event_add(sigint, NULL) ||
	    event_add(sigusr1, NULL))
		goto nomem;
	info0("listening on %s, target %s, %d blocks of %zu bytes a second",
	    source, target, (int)conf.rate, conf.block);
	if (event_base_dispatch(base) == -1) {
		warnp("event loop failed");
		return (1);
	}
	info0("exiting");
	coversvc_free(svc);
	event_free(sigterm);
	event_free(sigint);
	event_free(sigusr1);
	event_base_free(base);
	return (0);

nomem:
	warnp("cannot start the event loop");
	return (1);
}
