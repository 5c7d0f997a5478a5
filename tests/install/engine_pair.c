/*
 * A program built on the installed libdust, as someone else would build
 * one: only <dust/...> headers and `pkg-config --cflags --libs dust`
 * (tests/integration/install_lib.sh builds it shared and static).
 *
 * It makes a fresh server key, an invite carrying a built-in model, reads
 * the invite back as a client would, and runs a client and a server
 * engine back to back: the seven calls of the Dust API, wire bytes handed
 * from one to the other, 10 ms of time passed in per round.  Each side
 * sends DATA_BYTES random bytes; the program exits 0 only if both arrive
 * intact, within ROUNDS_MAX rounds (simulated time; no clock is read).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dust/engine.h>
#include <dust/invite.h>
#include <dust/keyfile.h>
#include <dust/model.h>
#include <dust/rng.h>
#include <dust/seattle.h>

#define MODEL_NAME	"uniform"	/* The built-in model the invite carries. */
#define DATA_BYTES	100000		/* Sent by each side. */
#define PIECE		4000		/* Largest piece queued at a time. */
#define TICK_MS		10		/* Time passed in per round. */
#define ROUNDS_MAX	60000		/* 600 s of simulated time. */

/* One direction: bytes to send, bytes received. */
struct flow {
	uint8_t sent[DATA_BYTES];
	uint8_t got[DATA_BYTES];
	size_t queued;
	size_t received;
};

static struct flow up, down;		/* Client to server, and back. */
static uint8_t packet[65535];

/**
 * queue(e, f):
 * Queue the next piece of ${f}'s data on ${e}.  Return 0, or -1 on error.
 */
static int
queue(struct dust_engine * e, struct flow * f)
{
	size_t n = DATA_BYTES - f->queued;

	if (n > PIECE)
		n = PIECE;
	if (n == 0)
		return (0);
	if (dust_put_decoded(e, f->sent + f->queued, (uint16_t)n))
		return (-1);
	f->queued += n;
	return (0);
}

/**
 * send_packets(from, to, ms, wire):
 * Pass ${ms} of time to ${from}, hand the packets it then sends to ${to}
 * and add their bytes to ${wire}.  Return 0, or -1 on error.
 */
static int
send_packets(struct dust_engine * from, struct dust_engine * to, uint16_t ms,
    size_t * wire)
{
	uint16_t n, len;

	for (n = dust_packet_count(from, ms); n > 0; n--) {
		if ((len = dust_encoded_ready(from)) == 0)
			break;
		dust_get_encoded(from, packet, len);
		if (dust_put_encoded(to, packet, len))
			return (-1);
		*wire += len;
	}
	return (0);
}

/**
 * receive(e, f):
 * Move what ${e} has received into ${f}.  Return 0, or -1 if it is more
 * than was sent or cannot be read.
 */
static int
receive(struct dust_engine * e, struct flow * f)
{
	uint16_t n;

	while ((n = dust_decoded_ready(e)) > 0) {
		if (n > DATA_BYTES - f->received)
			return (-1);
		if (dust_get_decoded(e, f->got + f->received, n))
			return (-1);
		f->received += n;
	}
	return (0);
}

/**
 * make_invite(pk):
 * Return the text of an invite to a server at 127.0.0.1:4433 of public
 * key ${pk} carrying the built-in model MODEL_NAME, or NULL on error.
 */
static char *
make_invite(const uint8_t pk[32])
{
	struct dust_invite inv;
	char why[INVITE_WHY_MAX];
	const char * json;
	char * text;
	size_t len;

	memset(&inv, 0, sizeof(inv));
	if (invite_set_address(&inv, "127.0.0.1:4433", why)) {
		fprintf(stderr, "engine_pair: invite address: %s\n", why);
		return (NULL);
	}
	memcpy(inv.pubkey, pk, 32);
	if ((json = dust_model_builtin_json(MODEL_NAME)) == NULL)
		return (NULL);
	len = strlen(json) + 1;
	if ((inv.model = malloc(len)) == NULL)
		return (NULL);
	memcpy(inv.model, json, len);
	text = invite_format(&inv);
	invite_free(&inv);
	return (text);
}

/**
 * run(c, s):
 * Run the client ${c} and the server ${s} back to back until both flows
 * have arrived or ROUNDS_MAX rounds have passed.  Return 0 if both arrived
 * intact, else -1.
 */
static int
run(struct dust_engine * c, struct dust_engine * s)
{
	size_t round, cwire = 0, swire = 0;

	for (round = 0; round < ROUNDS_MAX; round++) {
		if (up.received == DATA_BYTES && down.received == DATA_BYTES)
			break;
		if (queue(c, &up) || queue(s, &down) ||
		    send_packets(c, s, TICK_MS, &cwire) ||
		    send_packets(s, c, TICK_MS, &swire) ||
		    receive(s, &up) || receive(c, &down)) {
			fprintf(stderr, "engine_pair: an engine call failed\n");
			return (-1);
		}
	}
	printf("engine_pair: %zu of %d bytes up, %zu of %d down in %zu ms "
	    "of simulated time; wire %zu bytes up, %zu down\n", up.received,
	    DATA_BYTES, down.received, DATA_BYTES, round * TICK_MS, cwire,
	    swire);
	if (dust_engine_failure(c) != NULL || dust_engine_failure(s) != NULL) {
		fprintf(stderr, "engine_pair: failed: client %s, server %s\n",
		    dust_engine_failure(c) ? dust_engine_failure(c) : "-",
		    dust_engine_failure(s) ? dust_engine_failure(s) : "-");
		return (-1);
	}
	if (up.received != DATA_BYTES || down.received != DATA_BYTES ||
	    memcmp(up.sent, up.got, DATA_BYTES) != 0 ||
	    memcmp(down.sent, down.got, DATA_BYTES) != 0) {
		fprintf(stderr, "engine_pair: the data did not arrive intact\n");
		return (-1);
	}
	return (0);
}

int
main(void)
{
	uint8_t sk[32], pk[32], csid[SEATTLE_SID_MAX], ssid[SEATTLE_SID_MAX];
	const uint8_t addr[4] = { 127, 0, 0, 1 };
	char why[INVITE_WHY_MAX > KEYFILE_WHY_MAX ? INVITE_WHY_MAX :
	    KEYFILE_WHY_MAX], err[256], keytext[KEYFILE_BYTES + 1];
	struct dust_invite inv;
	struct dust_model * m = NULL;
	struct seattle_replay * replay = NULL;
	struct dust_engine * c = NULL, * s = NULL;
	size_t csidlen, ssidlen;
	char * text;
	int rc = 1;

	/* The server's key, through its key file text. */
	keyfile_generate(sk, pk, NULL);
	keyfile_format(keytext, sk, pk);
	if (keyfile_parse(keytext, strlen(keytext), sk, pk, why)) {
		fprintf(stderr, "engine_pair: key file: %s\n", why);
		return (1);
	}

	/* The invite, and the client's reading of it. */
	memset(&inv, 0, sizeof(inv));
	if ((text = make_invite(pk)) == NULL) {
		fprintf(stderr, "engine_pair: cannot make the invite\n");
		return (1);
	}
	if (invite_parse(&inv, text, why)) {
		fprintf(stderr, "engine_pair: invite: %s\n", why);
		goto done;
	}
	if ((m = dust_model_parse(inv.model, strlen(inv.model), err,
	    sizeof(err))) == NULL) {
		fprintf(stderr, "engine_pair: the invite's model: %s\n", err);
		goto done;
	}

	/* The client knows the server from the invite, the server itself. */
	csidlen = invite_sid(&inv, csid);
	ssidlen = seattle_sid(ssid, 0, addr, 4433, 0);
	if (csidlen != ssidlen || memcmp(csid, ssid, ssidlen) != 0) {
		fprintf(stderr, "engine_pair: server identifiers differ\n");
		goto done;
	}
	if ((replay = seattle_replay_new(1024, NULL)) == NULL ||
	    (c = dust_engine_client_new(m, inv.pubkey, csid, csidlen,
	    NULL)) == NULL ||
	    (s = dust_engine_server_new(m, sk, ssid, ssidlen, replay,
	    NULL)) == NULL) {
		fprintf(stderr, "engine_pair: cannot create the engines\n");
		goto done;
	}

	dust_rng_fill(NULL, up.sent, DATA_BYTES);
	dust_rng_fill(NULL, down.sent, DATA_BYTES);
	if (run(c, s) == 0 && dust_engine_state(c) == DUST_ENGINE_ESTABLISHED &&
	    dust_engine_state(s) == DUST_ENGINE_ESTABLISHED)
		rc = 0;

done:
	dust_engine_free(c);
	dust_engine_free(s);
	seattle_replay_free(replay);
	dust_model_free(m);
	invite_free(&inv);
	free(text);
	return (rc);
}
