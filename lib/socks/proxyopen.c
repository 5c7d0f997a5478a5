#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proxyopen.h"
#include "socks5.h"

/**
 * proxyopen_encode(dest, data, len, out, outlen):
 * Write the data of a proxymux open frame, the destination ${dest} then
 * ${len} bytes of ${data}, into ${out}.  Return the bytes written, or 0 if
 * ${out} (${outlen} bytes) is too small or ${dest} cannot be encoded.
 */
size_t
proxyopen_encode(const struct socks5_dest * d, const uint8_t * data,
    size_t len, uint8_t * out, size_t outlen)
{
	size_t n;

	if ((n = socks5_dest_encode(d, out, outlen)) == 0 ||
	    len > outlen - n)
		return (0);
	if (len > 0)
		memcpy(out + n, data, len);
	return (n + len);
}

/**
 * proxyopen_dec_init(dec):
 * Make ${dec} ready for the first byte of a connection's stream.
 */
void
proxyopen_dec_init(struct proxyopen_dec * dec)
{

	dec->have = 0;
}

/* The length of the destination whose first bytes are held, or 0. */
static size_t
dest_len(const struct proxyopen_dec * dec)
{

	if (dec->have < 1)
		return (0);
	switch (dec->buf[0]) {
	case SOCKS5_ATYP_IPV4:
		return (1 + 4 + 2);
	case SOCKS5_ATYP_IPV6:
		return (1 + 16 + 2);
	default: /* SOCKS5_ATYP_DOMAIN: the caller checked the type. */
		return ((dec->have < 2) ? 0 : 2 + (size_t)dec->buf[1] + 2);
	}
}

/**
 * proxyopen_dec_feed(dec, in, inlen, used, dest, code, why):
 * Take bytes of the stream from ${in} until the destination is whole.
 * Return 1 with it in ${dest} and *${used} the bytes of ${in} it took (the
 * rest is the connection's data); 0 if all ${inlen} bytes were taken and
 * more are needed; or -1 with the SOCKS5 reply code to send back in
 * *${code} and a sentence in *${why} (unknown address type: 0x08; empty
 * name or a name holding a NUL byte: 0x04).  After 1 or -1 the decoder
 * must not be fed again.
 */
int
proxyopen_dec_feed(struct proxyopen_dec * dec, const uint8_t * in,
    size_t inlen, size_t * used, struct socks5_dest * dest, uint8_t * code,
    const char ** why)
{
	size_t need;

	*used = 0;
	for (;;) {
		if (dec->have >= 1 && dec->buf[0] != SOCKS5_ATYP_IPV4 &&
		    dec->buf[0] != SOCKS5_ATYP_IPV6 &&
		    dec->buf[0] != SOCKS5_ATYP_DOMAIN) {
			*code = SOCKS5_BAD_ATYP;
			*why = "destination of unknown address type";
			return (-1);
		}
		if (dec->have >= 2 && dec->buf[0] == SOCKS5_ATYP_DOMAIN &&
		    dec->buf[1] == 0) {
			*code = SOCKS5_HOST_UNREACH;
			*why = "destination with an empty name";
			return (-1);
		}
		need = dest_len(dec);
		if (need != 0 && dec->have == need)
			break;
		if (*used == inlen)
			return (0);
		dec->buf[dec->have++] = in[(*used)++];
	}
	if (socks5_dest_decode(dest, dec->buf, dec->have) != dec->have) {
		/* The only other fault socks5_dest_decode finds. */
		*code = SOCKS5_HOST_UNREACH;
		*why = "destination name holding a NUL byte";
		return (-1);
	}
	return (1);
}

/**
 * proxyopen_errno_code(err):
 * Return the SOCKS5 reply code for a connect that failed with errno
 * ${err}: ENETUNREACH 0x03; EHOSTUNREACH, EHOSTDOWN 0x04; ECONNREFUSED
 * 0x05; ETIMEDOUT 0x06; EACCES, EPERM 0x02; EAFNOSUPPORT 0x08; else 0x01.
 */
uint8_t
proxyopen_errno_code(int err)
{

	switch (err) {
	case ENETUNREACH:
		return (SOCKS5_NET_UNREACH);
	case EHOSTUNREACH:
	case EHOSTDOWN:
		return (SOCKS5_HOST_UNREACH);
	case ECONNREFUSED:
		return (SOCKS5_REFUSED);
	case ETIMEDOUT:
		return (SOCKS5_TTL_EXPIRED);
	case EACCES:
	case EPERM:
		return (SOCKS5_NOT_ALLOWED);
	case EAFNOSUPPORT:
		return (SOCKS5_BAD_ATYP);
	default:
		return (SOCKS5_FAILURE);
	}
}

/**
 * proxyopen_code_name(code):
 * Return the name RFC 1928 gives the reply code ${code}, for log lines.
 */
const char *
proxyopen_code_name(uint8_t code)
{
	static const char * names[] = {
		"succeeded",
		"general SOCKS server failure",
		"connection not allowed by ruleset",
		"network unreachable",
		"host unreachable",
		"connection refused",
		"TTL expired (timed out)",
		"command not supported",
		"address type not supported"
	};

	if (code < sizeof(names) / sizeof(names[0]))
		return (names[code]);
	return ("unassigned reply code");
}
