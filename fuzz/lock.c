/*
 * Fuzz target: lock_parse(), the writer.lock reader, on arbitrary bytes,
 * and lock_path() on an arbitrary database path.  A lock that parses has
 * a pid in 1..INT_MAX and texts fit for a one-line message (no control
 * characters, bounded length); one that does not leaves the lock empty
 * and gives a one-line reason.
 */

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mx.h"
#include "fuzz.h"

static void
check_text(const char *s)
{
	const unsigned char	*u = (const unsigned char *)s;

	if (s == NULL)
		return;
	FUZZ_CHECK(strlen(s) <= 256 + 3);
	for (; *u != '\0'; u++)
		FUZZ_CHECK(*u >= 0x20 && *u != 0x7f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mx_lock	 lk;
	char		 msg[256], *s, *p;
	size_t		 n;
	int		 rc;

	msg[0] = '\0';
	rc = lock_parse((const char *)data, size, &lk, msg, sizeof(msg));
	if (rc == 0) {
		FUZZ_CHECK(lk.pid >= 1 && lk.pid <= INT_MAX);
		check_text(lk.command);
		check_text(lk.started_at);
		check_text(lk.token);
	} else {
		FUZZ_CHECK(rc == -1);
		FUZZ_CHECK(lk.pid == 0 && lk.command == NULL &&
		    lk.started_at == NULL && lk.token == NULL);
		FUZZ_CHECK(msg[0] != '\0' && strchr(msg, '\n') == NULL);
	}
	lock_free(&lk);

	s = fuzz_cstr(data, size);
	p = lock_path(s);
	n = strlen(p);
	FUZZ_CHECK(n >= 11 && strcmp(p + n - 11, "writer.lock") == 0);
	if (strchr(s, '/') != NULL)
		FUZZ_CHECK(strncmp(p, s, strrchr(s, '/') - s + 1) == 0);
	else
		FUZZ_CHECK(strcmp(p, "writer.lock") == 0);
	free(p);
	free(s);
	return 0;
}
