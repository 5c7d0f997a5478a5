#ifndef DUST_PROGOPTS_H
#define DUST_PROGOPTS_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/*
 * The options every daemon-like program takes, parsed once: -F, the
 * pidfile flag (-p or -P), -v, --syslog, -n, -h and --version; and the
 * address steps that follow them (resolve, listen).
 */

/* getopt_long values of the long options with no short form. */
#define PROGOPTS_SYSLOG		0x100
#define PROGOPTS_VERSION	0x101

/* The common long options, to put before a struct option[]'s last entry. */
#define PROGOPTS_LONG_HELP	{"help", no_argument, NULL, 'h'}
#define PROGOPTS_LONG_SYSLOG						\
	{"syslog", no_argument, NULL, PROGOPTS_SYSLOG}
#define PROGOPTS_LONG_VERSION						\
	{"version", no_argument, NULL, PROGOPTS_VERSION}

struct progopts {
	/* Set by the program before parsing. */
	const char * name;	/* what --version prints before the version */
	void (* usage)(int);	/* print the usage, exit with its arg */
	int pidflag;		/* the pidfile's option: 'p' or 'P' */
	uint64_t nmin;		/* -n takes nmin to 1000000 ... */
	uint64_t n;		/* ... into n (set n to the default) */
	uint64_t files_per_n;	/* descriptors each unit of -n may hold */

	/* Set by progopts_flag. */
	const char * pidfile;	/* NULL: the default, SOURCE.pid */
	int fg;			/* -F */
	int use_syslog;		/* --syslog */
};

/**
 * progopts_flag(po, ch, arg):
 * Take the option ${ch} (as getopt_long returned it, with its argument
 * ${arg}) if it is a common one: -F, ${po}->pidflag, -v, --syslog, -n,
 * --version (print "${po}->name VERSION" and exit 0) or -h (usage(0)).
 * Any other option is a usage error: usage(1).  Return 0, or -1 after
 * printing what was wrong with the argument of -n.
 */
int progopts_flag(struct progopts *, int, const char *);

/*
 * Descriptors a program holds besides those -n counts: standard I/O, the
 * listening sockets, the event base's three, a link, syslog's (9 are
 * open in an idle pipemuxd or dust server), and a few spare.
 */
#define PROGOPTS_FILES_BASE	16

/**
 * progopts_files(po):
 * Raise the soft limit on open files (RLIMIT_NOFILE) to what -n needs,
 * ${po}->n * ${po}->files_per_n + PROGOPTS_FILES_BASE (as high as it
 * goes if ${po}->n is 0, no limit), up to the hard limit.  If the hard
 * limit is lower, lower ${po}->n to what fits, with one warning naming
 * both numbers (to no less than ${po}->nmin, or 1 if that is 0: -n 0
 * means no limit).  Return 0, or -1 after printing why.
 */
int progopts_files(struct progopts *);

/**
 * progopts_resolve(flag, spec, sa, max):
 * Resolve the address ${spec}, given with ${flag}, into at most ${max}
 * addresses at ${sa}.  Return how many, or -1 after printing
 * "${flag}: why".
 */
int progopts_resolve(const char *, const char *, struct sock_addr *,
    size_t);

/**
 * progopts_listen(flag, spec):
 * Resolve the address ${spec}, given with ${flag}, and listen on it.
 * Return the listening socket, or -1 after printing why.
 */
int progopts_listen(const char *, const char *);

#endif /* !DUST_PROGOPTS_H */
