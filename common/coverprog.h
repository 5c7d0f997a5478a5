#ifndef DUST_COVERPROG_H
#define DUST_COVERPROG_H

/**
 * coverprog_main(argc, argv, plain_is_source):
 * The whole of coverpipe (${plain_is_source} = 1: real data is accepted on
 * the source, blocks go to the target) and of coverpiped (0: blocks are
 * accepted on the source, real data goes to the target): parse the
 * options, listen, daemonize, serve links until SIGTERM.  Return the exit
 * status.
 */
int coverprog_main(int, char **, int);

#endif /* !DUST_COVERPROG_H */
