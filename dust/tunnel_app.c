/*
 * The application side of a session: moving bytes between the
 * application's socket and the session, and closing that socket.
 */

#include <sys/socket.h>

#include <stdint.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "dust/ensemble.h"
#include "sockread.h"
#include "tunnel.h"

/**
 * tapp_pump(a, tun):
 * Move bytes between the application socket of ${a} and its session.
 * Return 1 if the application side is finished (closed), else 0.
 */
int
tapp_pump(struct tapp * a, struct tunnel * tun)
{
	static uint8_t buf[65536];
	struct evbuffer * out, * in;
	size_t n, space;
	ssize_t w;
	int fd;
	enum ens_state st;

	if (a->gone)
		return (1);
	out = bufferevent_get_output(a->bev);
	in = bufferevent_get_input(a->bev);
	while (evbuffer_get_length(out) < TUNNEL_APP_HIGH &&
	    (n = ens_session_read(a->s, buf, sizeof(buf))) > 0) {
		evbuffer_add(out, buf, n);
		tun->st.real_in += n;
	}
	if (ens_session_rx_done(a->s) && !a->shut_out && a->connected &&
	    evbuffer_get_length(out) == 0) {
		shutdown(bufferevent_getfd(a->bev), SHUT_WR);
		a->shut_out = 1;
	}
	fd = bufferevent_getfd(a->bev);
	if (!a->eof_in && a->connected && fd != -1 &&
	    (space = ens_session_space(a->s)) > evbuffer_get_length(in)) {
		space -= evbuffer_get_length(in);
		/* libevent reads 4 KiB a wake-up: read it all here. */
		(void)sockread_evbuffer(in, fd, space < TUNNEL_APP_HIGH ?
		    space : TUNNEL_APP_HIGH);
	}
	while ((n = evbuffer_get_length(in)) > 0 &&
	    (space = ens_session_space(a->s)) > 0) {
		if (n > space)
			n = space;
		if (n > sizeof(buf))
			n = sizeof(buf);
		evbuffer_remove(in, buf, n);
		if ((w = ens_session_write(a->s, buf, n)) < 0 ||
		    (size_t)w != n) {
			ens_session_abort(a->s, "out of memory");
			break;
		}
		tun->st.real_out += n;
	}
	if (!a->eof_in) {
		if (evbuffer_get_length(in) > 0)
			bufferevent_disable(a->bev, EV_READ);
		else
			bufferevent_enable(a->bev, EV_READ);
	} else if (evbuffer_get_length(in) == 0) {
		ens_session_eof(a->s);
	}
	st = ens_session_state(a->s);
	if (st == ENS_ABORTED) {
		tapp_close(a, 1);
		return (1);
	}
	if (st == ENS_CLOSED && (a->shut_out || !a->connected)) {
		tapp_close(a, 0);
		return (1);
	}
	return (0);
}

/**
 * tapp_close(a, reset):
 * Close the application socket of ${a} (with a reset if ${reset}).
 */
void
tapp_close(struct tapp * a, int reset)
{
	struct linger l = {1, 0};

	if (a->gone)
		return;
	if (reset)
		(void)setsockopt(bufferevent_getfd(a->bev), SOL_SOCKET,
		    SO_LINGER, &l, sizeof(l));
	bufferevent_free(a->bev);
	a->bev = NULL;
	a->gone = 1;
}
