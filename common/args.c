#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "warnp.h"

/**
 * args_uint(flag, s, min, max, out):
 * Parse ${s} as a decimal integer in [${min}, ${max}] into ${out}.  On
 * failure print "flag: 'value' is not ... (min to max)" and return -1;
 * else return 0.
 */
int
args_uint(const char * flag, const char * s, uint64_t min, uint64_t max,
    uint64_t * out)
{
	char * end;
	unsigned long long v;

	errno = 0;
	if (*s < '0' || *s > '9')
		goto bad;
	v = strtoull(s, &end, 10);
	if (errno || *end != '\0' || v < min || v > max)
		goto bad;
	*out = v;
	return (0);

bad:
	warn0("%s: '%s' is not a whole number from %" PRIu64 " to %" PRIu64,
	    flag, s, min, max);
	return (-1);
}

/**
 * args_id_addr(flag, s, id, addr):
 * Split "ID:ADDRESS" (ID a decimal port id 0..255) as the -p flags of
 * pipemux and pipemuxd take it.  ${addr} points into ${s}.  Return 0, or
 * -1 after printing what was wrong.
 */
int
args_id_addr(const char * flag, const char * s, unsigned int * id,
    const char ** addr)
{
	const char * colon = strchr(s, ':');
	char num[4];
	uint64_t v;
	size_t len;

	if (colon == NULL || colon == s || (len = (size_t)(colon - s)) > 3) {
		warn0("%s: '%s' is not ID:ADDRESS with ID from 0 to 255",
		    flag, s);
		return (-1);
	}
	memcpy(num, s, len);
	num[len] = '\0';
	if (args_uint(flag, num, 0, 255, &v))
		return (-1);
	*id = (unsigned int)v;
	*addr = colon + 1;
	return (0);
}
