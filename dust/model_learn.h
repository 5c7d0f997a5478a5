#ifndef DUST_MODEL_LEARN_H
#define DUST_MODEL_LEARN_H

#include <stdio.h>

/**
 * model_learn_main(argc, argv):
 * Run "dust model learn CAPTURE [--port P | --filter BPF] -o MODEL"
 * (${argv}[0] is "learn").  Return the exit status.
 */
int model_learn_main(int, char **);

/**
 * model_learn_usage(f):
 * Print the usage of "dust model learn" to ${f}.  Return 1 (the exit
 * status of a usage error).
 */
int model_learn_usage(FILE *);

#endif /* !DUST_MODEL_LEARN_H */
