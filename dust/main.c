#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "dust.h"
#include "warnp.h"

/* The table of subcommands, made from commands.def. */
static const struct command {
	const char * name;
	int (* run)(int, char **);
	const char * summary;
} commands[] = {
#define CMD(name, summary)	{ #name, cmd_##name, summary },
#include "commands.def"
#undef CMD
};

/* usage(f): the list of subcommands. */
static void
usage(FILE * f)
{
	size_t i;

	fprintf(f, "usage: dust COMMAND [OPTIONS]\n"
	    "       dust -h | --version\n"
	    "       dust COMMAND -h\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name,
		    commands[i].summary);
}

int
main(int argc, char ** argv)
{
	char name[64];
	size_t i;

	warnp_init("dust");
	if (argc < 2) {
		usage(stderr);
		return (1);
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return (0);
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("dust %s\n", DUST_VERSION);
		return (0);
	}
	if (sodium_init() < 0) {
		warn0("cannot initialize libsodium");
		return (1);
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		/* Warnings read "dust keygen: ...". */
		snprintf(name, sizeof(name), "dust %s", commands[i].name);
		warnp_init(name);
		return (commands[i].run(argc - 1, argv + 1));
	}
	warn0("unknown command '%s' (dust -h lists them)", argv[1]);
	return (1);
}
