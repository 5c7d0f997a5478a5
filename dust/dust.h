#ifndef DUST_DUST_H
#define DUST_DUST_H

/* Every subcommand: cmd_NAME(argc, argv), argv[0] its name. */
#define CMD(name, summary)	int cmd_##name(int, char **);
#include "commands.def"
#undef CMD

#endif /* !DUST_DUST_H */
