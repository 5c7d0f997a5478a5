/*
 * pipemuxd: accept pipemux links and connect each connection they open to
 * the target its port id names (docs/pipemux.md).
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>

#include "addr.h"
#include "args.h"
#include "muxrun.h"
#include "muxserver.h"
#include "sock.h"
#include "warnp.h"

/* The target of each port id; NULL where none was given. */
static struct sock_addr * targets[256];

/* Print the usage and exit with ${rc}. */
static void usage(int) __attribute__((noreturn));
static void
usage(int rc)
{

	fprintf(rc ? stderr : stdout,
	    "usage: pipemuxd -s SOURCE -p ID:TARGET [-p ID:TARGET ...] [-F]\n"
	    "                [-n conns] [-P pidfile] [-v] [--syslog]\n"
	    "       pipemuxd -h | --version\n");
	exit(rc);
}

/* The address port id ${port} connects to, or NULL. */
static const struct sock_addr *
target_of(void * cookie, uint8_t port)
{

	return (targets[port]);
}

/* Free the target table. */
static void
free_targets(void)
{
	size_t i;

	for (i = 0; i < 256; i++)
		free(targets[i]);
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
	struct sock_addr sa;
	const char * sspec = NULL, * pidfile = NULL, * tspec;
	unsigned int id;
	uint64_t maxconns = 100;
	int fg = 0, use_syslog = 0, ch, lfd, rc = 1;
	char why[256];
	struct event_base * base;
	struct muxserver * s;

	warnp_init(argv[0]);
	atexit(free_targets);
	while ((ch = getopt_long(argc, argv, "s:p:P:n:Fvh", longopts, NULL))
	    != -1) {
		switch (ch) {
		case 's':
			sspec = optarg;
			break;
		case 'p':
			if (args_id_addr("-p", optarg, &id, &tspec))
				exit(1);
			if (targets[id] != NULL) {
				warn0("-p: port id %u given twice", id);
				exit(1);
			}
			if ((targets[id] = malloc(sizeof(sa))) == NULL ||
			    addr_resolve(tspec, targets[id], 1, why,
			    sizeof(why)) < 0) {
				warn0("-p: %s", targets[id] ? why :
				    "out of memory");
				exit(1);
			}
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
			printf("pipemuxd %s\n", DUST_VERSION);
			exit(0);
		case 'h':
			usage(0);
		default:
			usage(1);
		}
	}
	if (optind != argc || sspec == NULL)
		usage(1);
	if (addr_resolve(sspec, &sa, 1, why, sizeof(why)) < 0) {
		warn0("-s: %s", why);
		exit(1);
	}
	if ((lfd = sock_listen(&sa)) == -1) {
		warnp("-s: cannot listen on %s", sspec);
		exit(1);
	}
	if (muxrun_daemonize(fg, pidfile, sspec, use_syslog))
		exit(1);

	if ((base = event_base_new()) == NULL) {
		warn0("cannot create an event base");
		exit(1);
	}
	if ((s = muxserver_new(base, lfd, target_of, NULL,
	    (size_t)maxconns)) == NULL)
		warn0("cannot start");
	else if (muxrun_loop(base) == 0)
		rc = 0;
	muxserver_free(s);
	event_base_free(base);
	return (rc);
}
