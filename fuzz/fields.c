/*
 * Fuzz target: the -o field list parser (out_try_open(), the part of
 * out_open() that does not exit).  Checked against a plain reading of
 * the list: it is accepted exactly when every comma-separated name is
 * a field, and then those fields, and no others, are shown.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mx.h"
#include "fuzz.h"

/* mx-runs' fields: the largest table. */
#define NFIELDS	RF_COUNT

/* Index of the field named by s[0..len), or -1. */
static int
find(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < NFIELDS; i++)
		if (strlen(run_fields[i].name) == len &&
		    memcmp(run_fields[i].name, s, len) == 0)
			return (int)i;
	return -1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mx_opts	 o;
	struct out	*out;
	char		*list, *p, *q, msg[1024];
	int		 valid = 1, i, named[NFIELDS];

	if (size == 0)
		return 0;
	opt_init(&o, "fuzz");
	o.jflag = data[0] & 1;
	o.Jflag = (data[0] & 2) && !o.jflag;
	o.Hflag = (data[0] & 4) != 0;
	list = fuzz_cstr(data + 1, size - 1);
	o.fields = list;

	memset(named, 0, sizeof(named));
	for (p = list; ; p = q + 1) {
		q = p + strcspn(p, ",");
		if ((i = find(p, (size_t)(q - p))) == -1)
			valid = 0;
		else
			named[i] = 1;
		if (*q == '\0')
			break;
	}

	msg[0] = '\0';
	out = out_try_open(&o, run_fields, NFIELDS, "run_id,busy", msg,
	    sizeof(msg));
	if (out == NULL) {
		FUZZ_CHECK(!valid);
		FUZZ_CHECK(strncmp(msg, "-o: ", 4) == 0);
		FUZZ_CHECK(strchr(msg, '\n') == NULL);
	} else {
		FUZZ_CHECK(valid);
		for (i = 0; i < (int)NFIELDS; i++)
			FUZZ_CHECK(out_selected(out, (size_t)i) == named[i]);
		out_free(out);
	}
	free(list);
	return 0;
}
