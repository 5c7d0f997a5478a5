#ifndef DUST_MODEL_CHECK_H
#define DUST_MODEL_CHECK_H

/**
 * model_check_main(argc, argv):
 * Run "dust model check MODEL CAPTURE [--against REAL_CAPTURE]
 * [-o REPORT_DIR]" (${argv}[0] is "check"): extract the connections of the
 * captures, then run the report (analysis/report.py).  Return the exit
 * status.
 */
int model_check_main(int, char **);

#endif /* !DUST_MODEL_CHECK_H */
