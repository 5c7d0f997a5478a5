#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "addr.h"
#include "args.h"
#include "progopts.h"
#include "sock.h"
#include "warnp.h"

/**
 * progopts_flag(po, ch, arg):
 * Take the option ${ch} (as getopt_long returned it, with its argument
 * ${arg}) if it is a common one: -F, ${po}->pidflag, -v, --syslog, -n,
 * --version (print "${po}->name VERSION" and exit 0) or -h (usage(0)).
 * Any other option is a usage error: usage(1).  Return 0, or -1 after
 * printing what was wrong with the argument of -n.
 */
int
progopts_flag(struct progopts * po, int ch, const char * arg)
{

	if (ch == po->pidflag) {
		po->pidfile = arg;
		return (0);
	}
	switch (ch) {
	case 'F':
		po->fg = 1;
		return (0);
	case 'v':
		warnp_setverbose(1);
		return (0);
	case 'n':
		return (args_uint("-n", arg, po->nmin, 1000000, &po->n));
	case PROGOPTS_SYSLOG:
		po->use_syslog = 1;
		return (0);
	case PROGOPTS_VERSION:
		printf("%s %s\n", po->name, DUST_VERSION);
		exit(0);
	case 'h':
		po->usage(0);
		break;
	}
	po->usage(1);
	exit(1);
}

/**
 * progopts_resolve(flag, spec, sa, max):
 * Resolve the address ${spec}, given with ${flag}, into at most ${max}
 * addresses at ${sa}.  Return how many, or -1 after printing
 * "${flag}: why".
 */
int
progopts_resolve(const char * flag, const char * spec, struct sock_addr * sa,
    size_t max)
{
	char why[256];
	int n;

	if ((n = addr_resolve(spec, sa, max, why, sizeof(why))) < 0)
		warn0("%s: %s", flag, why);
	return (n);
}

/**
 * progopts_listen(flag, spec):
 * Resolve the address ${spec}, given with ${flag}, and listen on it.
 * Return the listening socket, or -1 after printing why.
 */
int
progopts_listen(const char * flag, const char * spec)
{
	struct sock_addr sa;
	int fd;

	if (progopts_resolve(flag, spec, &sa, 1) < 0)
		return (-1);
	if ((fd = sock_listen(&sa)) == -1)
		warnp("%s: cannot listen on %s", flag, spec);
	return (fd);
}
