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
#include "progrun.h"
#include "progopts.h"
#include "muxserver.h"
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
		PROGOPTS_LONG_HELP, PROGOPTS_LONG_VERSION, PROGOPTS_LONG_SYSLOG,
		{NULL, 0, NULL, 0}
	};
	struct progopts po = {
		.name = "pipemuxd", .usage = usage, .pidflag = 'P', .n = 100,
		/* Each connection -n counts: its target connection (the
		   links are not counted). */
		.files_per_n = 1
	};
	const char * sspec = NULL, * tspec;
	unsigned int id;
	int ch, lfd, rc;
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
			if ((targets[id] = malloc(sizeof(*targets[id]))) ==
			    NULL) {
				warn0("-p: out of memory");
				exit(1);
			}
			if (progopts_resolve("-p", tspec, targets[id], 1) < 0)
				exit(1);
			break;
		default:
			if (progopts_flag(&po, ch, optarg))
				exit(1);
		}
	}
	if (optind != argc || sspec == NULL)
		usage(1);
	if (progopts_files(&po))
		exit(1);
	if ((lfd = progopts_listen("-s", sspec)) == -1)
		exit(1);
	if ((base = progrun_start(&po, sspec, 0)) == NULL)
		exit(1);
	s = muxserver_new(base, lfd, target_of, NULL, (size_t)po.n);
	rc = progrun_serve(base, s != NULL);
	muxserver_free(s);
	event_base_free(base);
	return (rc);
}
