#include <stdio.h>
#include <string.h>

#include "warnp.h"

#include "dust.h"
#include "model_check.h"
#include "model_learn.h"

/* usage(f): print the usages of the subcommands to ${f}, their own. */
static void
usage(FILE * f)
{

	model_learn_usage(f);
	model_check_usage(f);
}

/**
 * cmd_model(argc, argv):
 * Run "dust model learn ..." or "dust model check ..." (${argv}[0] is
 * "model").  Return the exit status.
 */
int
cmd_model(int argc, char ** argv)
{

	if (argc >= 2 && strcmp(argv[1], "learn") == 0) {
		warnp_init("dust model learn");
		return (model_learn_main(argc - 1, argv + 1));
	}
	if (argc >= 2 && strcmp(argv[1], "check") == 0) {
		warnp_init("dust model check");
		return (model_check_main(argc - 1, argv + 1));
	}
	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		return (0);
	}
	if (argc < 2)
		warn0("learn or check?");
	else
		warn0("unknown subcommand '%s' (learn or check)", argv[1]);
	usage(stderr);
	return (1);
}
