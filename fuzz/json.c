/*
 * Fuzz target: JSON output of arbitrary bytes and values.
 *  - out_jstring() + out_json_value() of the input as a string: jansson
 *    reads the output back as one string, equal to the input whenever
 *    the input is valid UTF-8.
 *  - the input read as JSON (any value) and written by out_json_value():
 *    it reads back equal.
 *  - the first 8 bytes as a double: out_fmt_real() writes text that
 *    reads back as the same double, and as a JSON real, never an integer.
 */

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mx.h"
#include "fuzz.h"

#define DECODE	(JSON_DECODE_ANY | JSON_ALLOW_NUL)

/* Write j with out_json_value() and read it back; the caller decrefs. */
static json_t *
roundtrip(const json_t *j)
{
	json_error_t	 e;
	json_t		*back;
	FILE		*fp;
	char		*buf = NULL;
	size_t		 len = 0;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		abort();
	out_json_value(fp, j);
	FUZZ_CHECK(fclose(fp) == 0);
	back = json_loadb(buf, len, DECODE, &e);
	if (back == NULL)
		fprintf(stderr, "not JSON: %s: %.*s\n", e.text,
		    (int)(len > 200 ? 200 : len), buf);
	FUZZ_CHECK(back != NULL);
	free(buf);
	return back;
}

static void
check_string(const uint8_t *data, size_t size)
{
	json_t	*j, *back, *strict;

	j = out_jstring((const char *)data, size);
	FUZZ_CHECK(j != NULL);
	back = roundtrip(j);
	FUZZ_CHECK(json_is_string(back));
	/* jansson's own check of the UTF-8, independent of ours. */
	if ((strict = json_stringn((const char *)data, size)) != NULL) {
		FUZZ_CHECK(json_string_length(back) == size);
		FUZZ_CHECK(size == 0 ||
		    memcmp(json_string_value(back), data, size) == 0);
		json_decref(strict);
	} else
		FUZZ_CHECK(json_string_length(back) > 0);
	json_decref(back);
	json_decref(j);
}

static void
check_value(const uint8_t *data, size_t size)
{
	json_error_t	 e;
	json_t		*j, *back;

	if ((j = json_loadb((const char *)data, size, DECODE, &e)) == NULL)
		return;
	back = roundtrip(j);
	FUZZ_CHECK(json_equal(j, back));
	json_decref(back);
	json_decref(j);
}

static void
check_real(const uint8_t *data, size_t size)
{
	json_error_t	 e;
	json_t		*j;
	double		 d;
	char		 buf[64];

	if (size < sizeof(d))
		return;
	memcpy(&d, data, sizeof(d));
	if (!isfinite(d))
		return;
	out_fmt_real(buf, sizeof(buf), d);
	FUZZ_CHECK(strtod(buf, NULL) == d);
	FUZZ_CHECK(signbit(strtod(buf, NULL)) == signbit(d));
	j = json_loads(buf, JSON_DECODE_ANY, &e);
	FUZZ_CHECK(j != NULL && json_is_real(j));
	FUZZ_CHECK(json_real_value(j) == d);
	json_decref(j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_string(data, size);
	check_value(data, size);
	check_real(data, size);
	return 0;
}
