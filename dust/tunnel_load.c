/*
 * Loading what every connection of a program shares: the invite (text or
 * file), the server's key and session ID it names, and its model, checked
 * to carry the tunnel; and freeing them.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "dust/engine.h"
#include "dust/ensemble.h"
#include "dust/invite.h"
#include "dust/model.h"
#include "fileread.h"
#include "modelio.h"
#include "tconn.h"
#include "tunnel.h"

/* Bytes per DATA message in conversation mode (tunnel_chunk). */
#define CHUNK_CONV_CLIENT	64
#define CHUNK_CONV_SERVER	1024
/*
 * What a link's client must be able to send after the server's first
 * answer, in bytes of its stream: its code and IV, then one record
 * (FEED_FRAMING) holding the least a link does, a CONTINUE and an ACK.
 */
#define LINK_UPSTREAM_MIN	(2 * SEATTLE_KEY_BYTES + FEED_FRAMING + \
				 1 + ENS_ID_BYTES + ENS_ACK_BYTES)
/*
 * The least share of a model's conversations that can carry a link: the
 * others are cover, and below this a session needs more than ten
 * connections for each that moves it on.
 */
#define CONV_LINKS_MIN	0.1

/*
 * conv_links(m): the share of the conversations ${m} draws whose client
 * steps after the server's first carry LINK_UPSTREAM_MIN bytes of the
 * client's stream, at the client-to-server part's entropy (an upper
 * bound: the coder carries a little less).  The others are cover only.
 */
static double
conv_links(const struct dust_model * m)
{
	const struct dust_convset * set = m->conv;
	const struct dust_conv * c;
	double h = dust_model_entropy(&m->part[DUST_C2S]) / 8, bytes;
	size_t i, j, n = 0;
	int answered;

	for (i = 0; i < set->ndrawn; i++) {
		c = &set->list[set->drawn[i]];
		for (bytes = 0, answered = 0, j = 0; j < c->nsteps; j++) {
			if (c->step[j].dir == DUST_S2C)
				answered = 1;
			else if (answered)
				bytes += c->step[j].len * h;
		}
		n += (bytes >= LINK_UPSTREAM_MIN);
	}
	return ((double)n / (double)set->ndrawn);
}

/**
 * tunnel_load(tun, invite, server, why, whylen):
 * Read the invite ${invite} (the text "dust:...", or a file holding it),
 * and its model (JSON text, a built-in name, or empty: "uniform") into
 * ${tun}.  Return 0, or -1 with a sentence in ${why}.
 */
int
tunnel_load(struct tunnel * tun, const char * invite, int server,
    char * why, size_t whylen)
{
	char ibuf[INVITE_WHY_MAX], mbuf[256];
	char * text = NULL;
	double share;
	size_t len;
	int rc;

	tun->server = server;
	if (strncmp(invite, INVITE_PREFIX, strlen(INVITE_PREFIX)) != 0) {
		/* Base64 of the largest model, with room for the rest. */
		if ((text = fileread(invite, 2 * INVITE_MODEL_MAX, &len)) ==
		    NULL) {
			snprintf(why, whylen, "cannot read invite file %s",
			    invite);
			return (-1);
		}
		invite = text;
	}
	rc = invite_parse(&tun->inv, invite, ibuf);
	free(text);
	if (rc) {
		snprintf(why, whylen, "invite: %s", ibuf);
		return (-1);
	}
	tun->sidlen = invite_sid(&tun->inv, tun->sid);
	tun->model = modelio_invite(tun->inv.model, mbuf, sizeof(mbuf));
	if (tun->model == NULL) {
		snprintf(why, whylen, "invite's model: %s", mbuf);
		invite_free(&tun->inv);
		return (-1);
	}
	tun->ratio = dust_model_entropy(
	    &tun->model->part[server ? DUST_S2C : DUST_C2S]) / 8.0;
	/*
	 * A model whose conversations seldom carry a link's least would
	 * open connections for ever and deliver next to nothing: a TLS
	 * connection of one request sends 215 bytes after the ServerHello,
	 * and 1 of 2500 such learned ones carried more than
	 * LINK_UPSTREAM_MIN (TLS with keep-alive: 100%; HTTP: 60%).
	 */
	if (tun->model->conv != NULL &&
	    (share = conv_links(tun->model)) < CONV_LINKS_MIN) {
		snprintf(why, whylen, "invite's model: %.1f%% of its "
		    "conversations can carry the tunnel (the client's steps "
		    "after the server's first must carry %d bytes: code, IV, "
		    "CONTINUE, ACK), fewer than %.0f%%", 100 * share,
		    LINK_UPSTREAM_MIN, 100 * CONV_LINKS_MIN);
		tunnel_free(tun);
		return (-1);
	}
	/* A client draws no conversation it drew lately (docs/models.md). */
	if (!server && tun->model->conv != NULL &&
	    (tun->recent = dust_conv_recent_new(tun->model->conv)) == NULL) {
		snprintf(why, whylen, "out of memory");
		tunnel_free(tun);
		return (-1);
	}
	return (0);
}

/**
 * tunnel_chunk(tun):
 * Return the default number of application bytes per DATA message for
 * ${tun}'s side: ENS_CHUNK, but in conversation mode what the model's
 * steps carry (a client's requests are small: CHUNK_CONV_CLIENT; a
 * server's answers larger: CHUNK_CONV_SERVER), since a message is sent
 * only whole within one conversation.
 */
size_t
tunnel_chunk(const struct tunnel * tun)
{

	if (tun->model->conv == NULL)
		return (ENS_CHUNK);
	return (tun->server ? CHUNK_CONV_SERVER : CHUNK_CONV_CLIENT);
}

/**
 * tunnel_free(tun):
 * Free what tunnel_load made.
 */
void
tunnel_free(struct tunnel * tun)
{

	dust_conv_recent_free(tun->recent);
	dust_model_free(tun->model);
	invite_free(&tun->inv);
	seattle_replay_free(tun->replay);
	sodium_memzero(tun->sk, sizeof(tun->sk));
}
