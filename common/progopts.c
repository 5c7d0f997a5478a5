#include <sys/resource.h>

#include <getopt.h>
#include <inttypes.h>
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
 * progopts_files(po):
 * Raise the soft limit on open files (RLIMIT_NOFILE) to what -n needs,
 * ${po}->n * ${po}->files_per_n + PROGOPTS_FILES_BASE (as high as it
 * goes if ${po}->n is 0, no limit), up to the hard limit.  If the hard
 * limit is lower, lower ${po}->n to what fits, with one warning naming
 * both numbers (to no less than ${po}->nmin, or 1 if that is 0: -n 0
 * means no limit).  Return 0, or -1 after printing why.
 */
int
progopts_files(struct progopts * po)
{
	struct rlimit rl;
	uint64_t per = po->files_per_n ? po->files_per_n : 1;
	uint64_t need, fit, nmin = po->nmin ? po->nmin : 1;

	if (getrlimit(RLIMIT_NOFILE, &rl)) {
		warnp("getrlimit(RLIMIT_NOFILE)");
		return (-1);
	}
	/* -n is at most 1000000: no overflow. */
	need = (po->n == 0) ? UINT64_MAX : po->n * per + PROGOPTS_FILES_BASE;
	if (rl.rlim_max != RLIM_INFINITY && need > rl.rlim_max) {
		fit = (rl.rlim_max > PROGOPTS_FILES_BASE) ?
		    (rl.rlim_max - PROGOPTS_FILES_BASE) / per : 0;
		if (fit < nmin)
			fit = nmin;	/* The least -n takes; it may run out. */
		if (po->n != 0) {
			warn0("-n %" PRIu64 " needs %" PRIu64 " open files, but "
			    "the hard limit is %" PRIu64 ": -n lowered to %"
			    PRIu64, po->n, need, (uint64_t)rl.rlim_max, fit);
			po->n = fit;
		}
		need = rl.rlim_max;
	}
	if (need == UINT64_MAX && rl.rlim_max == RLIM_INFINITY)
		return (0);	/* No -n and no hard limit: nothing to aim at. */
	if (rl.rlim_cur != RLIM_INFINITY && need > rl.rlim_cur) {
		rl.rlim_cur = (need == UINT64_MAX) ? rl.rlim_max : need;
		if (setrlimit(RLIMIT_NOFILE, &rl)) {
			warnp("setrlimit(RLIMIT_NOFILE, %" PRIu64 ")",
			    (uint64_t)rl.rlim_cur);
			return (-1);
		}
	}
	return (0);
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
