/*
 * Fuzz target: cfg_parse(), the mergexo.toml reader, on arbitrary bytes.
 * It must return 0 with the [runtime] values in range, or -1 with a
 * "line N: ..." message; never crash, leak or recurse without bound.
 */

#include <stdint.h>
#include <string.h>

#include "mx.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mx_opts	 o;
	char		 msg[256];
	int		 rc;

	opt_init(&o, "fuzz");
	msg[0] = '\0';
	rc = cfg_parse((const char *)data, size, "fuzz.toml", &o, msg,
	    sizeof(msg));
	FUZZ_CHECK(rc == 0 || rc == -1);
	if (rc == -1) {
		FUZZ_CHECK(strncmp(msg, "line ", 5) == 0);
		FUZZ_CHECK(strchr(msg, '\n') == NULL);
	} else {
		FUZZ_CHECK(o.refresh_seconds > 0);
		FUZZ_CHECK(o.refresh_seconds <= 86400);
		FUZZ_CHECK(o.row_limit >= 1);
		FUZZ_CHECK(o.retention_days >= 1 && o.retention_days <= 36500);
	}
	opt_free(&o);
	return 0;
}
