#ifndef DUST_ARGS_H
#define DUST_ARGS_H

#include <stdint.h>

/**
 * args_uint(flag, s, min, max, out):
 * Parse ${s} as a decimal integer in [${min}, ${max}] into ${out}.  On
 * failure print "flag: 'value' is not ... (min to max)" and return -1;
 * else return 0.
 */
int args_uint(const char *, const char *, uint64_t, uint64_t, uint64_t *);

/**
 * args_id_addr(flag, s, id, addr):
 * Split "ID:ADDRESS" (ID a decimal port id 0..255) as the -p flags of
 * pipemux and pipemuxd take it.  ${addr} points into ${s}.  Return 0, or
 * -1 after printing what was wrong.
 */
int args_id_addr(const char *, const char *, unsigned int *, const char **);

#endif /* !DUST_ARGS_H */
