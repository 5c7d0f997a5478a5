#include <stdio.h>
#include <string.h>

#include "warnp.h"

#include "dust.h"
#include "model_check.h"
#include "model_learn.h"

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
		printf("usage: dust model learn CAPTURE [--port P | --filter "
		    "BPF] [--name NAME] [--timing MODEL]\n"
		    "                  -o MODEL\n"
		    "       dust model check MODEL CAPTURE [--against "
		    "REAL_CAPTURE] [--port P] [--against-port P] "
		    "[-o REPORT_DIR]\n");
		return (0);
	}
	if (argc < 2)
		warn0("learn or check? (dust model -h)");
	else
		warn0("unknown subcommand '%s' (learn or check)", argv[1]);
	return (1);
}
