#ifndef DUST_MODEL_CHECK_H
#define DUST_MODEL_CHECK_H

#include <stdio.h>

/**
 * model_check_main(argc, argv):
 * Run "dust model check MODEL CAPTURE [--against REAL_CAPTURE]
 * [-o REPORT_DIR]" (${argv}[0] is "check"): extract the connections of the
 * captures, then run the report (analysis/report.py).  Return the exit
 * status.
 */
int model_check_main(int, char **);

/**
 * model_check_usage(f):
 * Print the usage of "dust model check" to ${f}.  Return 1 (the exit
 * status of a usage error).
 */
int model_check_usage(FILE *);

#endif /* !DUST_MODEL_CHECK_H */
