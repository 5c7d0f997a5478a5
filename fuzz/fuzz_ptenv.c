/*
 * The TOR_PT_* environment on any bytes: the input is lines of
 * "NAME=value" (the names of the variables are often there already in the
 * seeds).  An error must make a one-line -ERROR line; a parsed server or
 * client must make its CMETHOD or SMETHOD lines.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pt/ptenv.h"
#include "pt/ptline.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A line written by ptline: one newline, at its end, and no NUL. */
static void
check_line(const char * buf, int n)
{

	if (n < 0)
		return;
	if ((size_t)n != strlen(buf) || n == 0 || buf[n - 1] != '\n' ||
	    memchr(buf, '\n', (size_t)n - 1) != NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t * data, size_t size)
{
	static struct ptenv env;
	static char text[8192];
	static char line[8192];
	const char * envp[64];
	struct pt_error err;
	size_t i, n = 0;
	char * p;

	if (size >= sizeof(text))
		return (0);
	memcpy(text, data, size);
	text[size] = '\0';
	for (p = text; n < 63; *p++ = '\0') {
		envp[n++] = p;
		if ((p = strchr(p, '\n')) == NULL)
			break;
	}
	envp[n] = NULL;

	if (ptenv_parse(&env, ptenv_array_get, (void *)envp, &err)) {
		check_line(line, ptline_error(line, sizeof(line), &err));
		if (err.line == PT_ERR_NONE)
			abort();
		return (0);
	}
	for (i = 0; i < env.ntransports; i++) {
		if (strcmp(env.transports[i], "*") == 0)
			continue;
		if (env.role == PTENV_SERVER)
			check_line(line, ptline_smethod(line, sizeof(line),
			    env.transports[i], &env.bindaddr[i],
			    &env.options[i]));
		else if (ptline_cmethod(line, sizeof(line), env.transports[i],
		    "socks5", &env.proxy.addr) < 0)
			abort();
	}
	return (0);
}
