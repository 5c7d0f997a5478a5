#ifndef DUST_MUXSOCKS_H
#define DUST_MUXSOCKS_H

#include <stddef.h>
#include <stdint.h>

/*
 * SOCKS connections carried on a pipemux link (docs/proxymux.md): on the
 * client side (proxymux) a connection whose SOCKS request is in opens
 * with its destination as data, and the status byte that comes back
 * becomes its SOCKS5 reply; on the server side (proxymuxd) the
 * connections on port id PROXYOPEN_PORT are opened to the destinations
 * they carry, and the reply code goes back as that status byte.
 */

struct muxio;
struct pacer;
struct proxyconnect_cfg;

/*
 * Server side: how SOCKS connections reach their destinations, and the
 * schedule their writes to the destination keep (NULL: written as fast as
 * they go).
 */
struct muxsocks_exit {
	const struct proxyconnect_cfg * connect;
	struct pacer * pacer;
};

/**
 * muxsocks_accept(link, fd, prefix, len):
 * Client side: carry the SOCKS connection ${fd} (which the link takes
 * over), whose request is answered, on ${link}: an open frame for port id
 * PROXYOPEN_PORT carrying the ${len} bytes of ${prefix} (the destination
 * and any early data; see proxyopen_encode).  The SOCKS5 reply is written
 * when the status arrives.  Return 0, or -1 if it could not be opened
 * (${fd} is then closed, after reply 01 if the link is failing or full).
 */
int muxsocks_accept(struct muxio *, int, const uint8_t *, size_t);

/**
 * muxsocks_serve(link, cfg):
 * Server side: open the connections on port id PROXYOPEN_PORT of ${link}
 * to the destinations they carry, as ${cfg} says (which must outlive
 * ${link}).
 */
void muxsocks_serve(struct muxio *, const struct muxsocks_exit *);

#endif /* !DUST_MUXSOCKS_H */
