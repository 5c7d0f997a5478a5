#ifndef DUST_MODEL_LEARN_H
#define DUST_MODEL_LEARN_H

/**
 * model_learn_main(argc, argv):
 * Run "dust model learn CAPTURE [--port P | --filter BPF] -o MODEL"
 * (${argv}[0] is "learn").  Return the exit status.
 */
int model_learn_main(int, char **);

#endif /* !DUST_MODEL_LEARN_H */
