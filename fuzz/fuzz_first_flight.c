/*
 * A server engine requiring the mark (include/dust/engine.h,
 * dust_engine_server_new_marked) on arbitrary first flights, the first
 * input byte choosing the model (uniform, http, tls) and the sizes of the
 * pieces the rest arrives in: the bytes dust server --fallback keeps and
 * judges.  No crash, hang or leak, and the server never has a packet due
 * before a mark has verified (a fuzzer cannot forge one: the state stays
 * DUST_ENGINE_AWAITING_MARK or becomes DUST_ENGINE_UNAUTHENTICATED).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "dust/engine.h"
#include "dust/model.h"
#include "dust/seattle.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct dust_model * models[3];
static struct seattle_replay * replay;

int
LLVMFuzzerTestOneInput(const uint8_t * data, size_t len)
{
	static const uint8_t b[32] = { 0x40, 1, 2, 3 };
	static const uint8_t sid[7] = { 0, 127, 0, 0, 1, 0x1f, 0x90 };
	static const char * names[3] = { "uniform", "http", "tls" };
	uint8_t MK[32] = { 7 };
	struct dust_engine * e;
	enum dust_engine_state st;
	size_t piece;
	int i;

	for (i = 0; i < 3; i++)
		if (models[i] == NULL && (models[i] = dust_model_builtin(
		    names[i], NULL, 0)) == NULL)
			abort();
	if (replay == NULL &&
	    (replay = seattle_replay_new(1024, NULL)) == NULL)
		abort();
	if (len < 1)
		return (0);
	if ((e = dust_engine_server_new_marked(models[data[0] % 3], b, sid,
	    sizeof(sid), replay, NULL, MK, 493674)) == NULL)
		abort();
	piece = 1 + data[0] / 3;
	data++;
	len--;
	while (len > 0) {
		if (piece > len)
			piece = len;
		if (dust_put_encoded(e, data, (uint16_t)piece))
			abort();
		data += piece;
		len -= piece;
		st = dust_engine_state(e);
		if (st != DUST_ENGINE_AWAITING_MARK &&
		    st != DUST_ENGINE_UNAUTHENTICATED)
			abort();
		if (dust_packet_count(e, 1000) != 0)
			abort();
	}
	dust_engine_free(e);
	return (0);
}
