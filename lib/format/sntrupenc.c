/*
 * The NTRU Prime encoding of sntrup761's public keys and rounded
 * ciphertexts (the "Encode" of the NTRU Prime submission, section 3.2 of
 * its specification): 761 values, each below m, packed two by two into
 * values below m * m, whose low bytes are written while they are 16384 or
 * more, recursively.  A public key's coefficients are below q = 4591
 * (1158 bytes); a ciphertext's rounded ones below (q + 2) / 3 = 1531
 * (1007 bytes).  Templates draw such fields as the encoding of uniform
 * values, and check a filled one decodes to values in range, as a censor
 * could.
 */
#include <stdint.h>
#include <string.h>

#include "sshhello.h"

#define SNTRUP_P	761

/*
 * encode(r, m, n, out): write the encoding of the ${n} values ${r} below
 * the bounds ${m} to ${out}.  Return the bytes written.
 */
static size_t
encode(const uint32_t * r, const uint32_t * m, size_t n, uint8_t * out)
{
	uint32_t r2[(SNTRUP_P + 1) / 2], m2[(SNTRUP_P + 1) / 2];
	uint64_t rr, mm;
	size_t i, k = 0;

	if (n == 0)
		return (0);
	if (n == 1) {
		for (rr = r[0], mm = m[0]; mm > 1; mm = (mm + 255) / 256) {
			out[k++] = (uint8_t)rr;
			rr >>= 8;
		}
		return (k);
	}
	for (i = 0; i + 1 < n; i += 2) {
		mm = (uint64_t)m[i] * m[i + 1];
		rr = r[i] + (uint64_t)m[i] * r[i + 1];
		while (mm >= 16384) {
			out[k++] = (uint8_t)rr;
			rr >>= 8;
			mm = (mm + 255) / 256;
		}
		r2[i / 2] = (uint32_t)rr;
		m2[i / 2] = (uint32_t)mm;
	}
	if (n & 1) {
		r2[n / 2] = r[n - 1];
		m2[n / 2] = m[n - 1];
	}
	return (k + encode(r2, m2, (n + 1) / 2, out + k));
}

/*
 * decode(s, len, m, n, r): decode ${s} (${len} bytes) as ${n} values
 * below the bounds ${m} into ${r}, reduced as the reference does.  Return
 * the bytes used, or SIZE_MAX if ${s} is too short.
 */
static size_t
decode(const uint8_t * s, size_t len, const uint32_t * m, size_t n,
    uint32_t * r)
{
	uint32_t r2[(SNTRUP_P + 1) / 2], m2[(SNTRUP_P + 1) / 2];
	uint64_t lo[SNTRUP_P / 2], t[SNTRUP_P / 2], mm, v;
	size_t i, k = 0, used, j;

	if (n == 0)
		return (0);
	if (n == 1) {
		for (v = 0, j = 0, mm = m[0]; mm > 1; mm = (mm + 255) / 256) {
			if (k == len)
				return (SIZE_MAX);
			v |= (uint64_t)s[k++] << (8 * j++);
		}
		r[0] = (uint32_t)(v % m[0]);
		return (k);
	}
	for (i = 0; i + 1 < n; i += 2) {
		mm = (uint64_t)m[i] * m[i + 1];
		lo[i / 2] = 0;
		t[i / 2] = 1;
		while (mm >= 16384) {
			if (k == len)
				return (SIZE_MAX);
			lo[i / 2] += s[k++] * t[i / 2];
			t[i / 2] <<= 8;
			mm = (mm + 255) / 256;
		}
		m2[i / 2] = (uint32_t)mm;
	}
	if (n & 1)
		m2[n / 2] = m[n - 1];
	if ((used = decode(s + k, len - k, m2, (n + 1) / 2, r2)) == SIZE_MAX)
		return (SIZE_MAX);
	for (i = 0; i + 1 < n; i += 2) {
		v = lo[i / 2] + t[i / 2] * r2[i / 2];
		r[i] = (uint32_t)(v % m[i]);
		r[i + 1] = (uint32_t)((v / m[i]) % m[i + 1]);
	}
	if (n & 1)
		r[n - 1] = r2[n / 2];
	return (k + used);
}

/**
 * sntrup761_encode(v, n, m, out):
 * Write the NTRU Prime encoding of the ${n} values ${v}, each below ${m}
 * (4591 for a public key's coefficients, 1531 for rounded ones), to
 * ${out}: SSHHELLO_SNTRUP_PK_LEN or SSHHELLO_SNTRUP_ROUNDED_LEN bytes for
 * n = 761.  Return the bytes written.
 */
size_t
sntrup761_encode(const uint16_t * v, size_t n, uint32_t m, uint8_t * out)
{
	uint32_t r[SNTRUP_P], ms[SNTRUP_P];
	size_t i;

	if (n > SNTRUP_P)
		return (0);
	for (i = 0; i < n; i++) {
		r[i] = v[i];
		ms[i] = m;
	}
	return (encode(r, ms, n, out));
}

/**
 * sntrup761_valid(b, len, m):
 * Return nonzero if the ${len} bytes ${b} are the encoding of 761 values
 * below ${m} (what sntrup761_encode writes), not of values out of range.
 */
int
sntrup761_valid(const uint8_t * b, size_t len, uint32_t m)
{
	uint32_t r[SNTRUP_P], ms[SNTRUP_P];
	uint16_t v[SNTRUP_P];
	uint8_t again[SSHHELLO_SNTRUP_PK_LEN];
	size_t i;

	if (len > sizeof(again))
		return (0);
	for (i = 0; i < SNTRUP_P; i++)
		ms[i] = m;
	if (decode(b, len, ms, SNTRUP_P, r) != len)
		return (0);
	for (i = 0; i < SNTRUP_P; i++)
		v[i] = (uint16_t)r[i];
	return (sntrup761_encode(v, SNTRUP_P, m, again) == len &&
	    memcmp(again, b, len) == 0);
}

/**
 * sntrup761_decode(b, len, m, v):
 * Decode the ${len} bytes ${b} as the encoding of 761 values below ${m}
 * into ${v}.  Return 0, or -1 if ${b} is not such an encoding (what
 * sntrup761_valid refuses).
 */
int
sntrup761_decode(const uint8_t * b, size_t len, uint32_t m, uint16_t * v)
{
	uint32_t r[SNTRUP_P], ms[SNTRUP_P];
	size_t i;

	if (!sntrup761_valid(b, len, m))
		return (-1);
	for (i = 0; i < SNTRUP_P; i++)
		ms[i] = m;
	(void)decode(b, len, ms, SNTRUP_P, r);
	for (i = 0; i < SNTRUP_P; i++)
		v[i] = (uint16_t)r[i];
	return (0);
}
