#ifndef DUST_PCAPREAD_H
#define DUST_PCAPREAD_H

#include <stddef.h>
#include <stdint.h>

#include "capture/conntrack.h"

/**
 * pcapread(path, port, filter, flightmax, starts):
 * Read the capture file ${path} (pcap or pcapng) with libpcap into a new
 * connection tracker: TCP to or from server port ${port} (0: any, client
 * by SYN), only the frames matching the BPF expression ${filter} if it is
 * not NULL, keeping each side's first flight up to ${flightmax} bytes (0:
 * none; dust_ct_keep_flights), or if ${starts} its first ${flightmax}
 * bytes (dust_ct_keep_starts).  A progress bar goes to stderr when it is
 * a terminal.  Return the tracker, or NULL after printing what was wrong:
 * unreadable file, unknown link type, bad filter, no packets, no TCP
 * connection.
 */
struct dust_ct * pcapread(const char *, uint16_t, const char *, size_t,
    int);

#endif /* !DUST_PCAPREAD_H */
