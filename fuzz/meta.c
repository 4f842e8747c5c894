/*
 * Fuzz target: meta_parse() and meta_trim() on arbitrary meta_json bytes,
 * as they come from agent_run_history.meta_json.  Besides the sanitizers
 * it checks that every text comes out trimmed: trimming it again changes
 * nothing, and nothing empty is returned.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mx.h"
#include "fuzz.h"

static void
check_trimmed(const char *s)
{
	char	*again;

	if (s == NULL)
		return;
	FUZZ_CHECK(s[0] != '\0');
	again = meta_trim(s, strlen(s));
	FUZZ_CHECK(again != NULL);
	FUZZ_CHECK(strcmp(again, s) == 0);
	free(again);
}

static int
has_nul_escape(const uint8_t *data, size_t size)
{
	size_t	 i;

	for (i = 0; i + 6 <= size; i++)
		if (memcmp(data + i, "\\u0000", 6) == 0)
			return 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run_meta	 m;
	char		*t;

	meta_parse((const char *)data, size, &m);
	FUZZ_CHECK(m.codex_active == 0 || m.codex_active == 1);
	/*
	 * A text holding a NUL byte (JSON "\u0000") comes back as the C
	 * string before it, which may end in a space: not checked.
	 */
	if (!has_nul_escape(data, size)) {
		check_trimmed(m.prompt);
		check_trimmed(m.codex_mode);
		check_trimmed(m.codex_session_id);
		check_trimmed(m.codex_invocation_started_at);
	}
	meta_free(&m);
	FUZZ_CHECK(m.prompt == NULL);

	t = meta_trim((const char *)data, size);
	if (t != NULL) {
		FUZZ_CHECK(strlen(t) <= size);
		if (memchr(data, '\0', size) == NULL) {
			FUZZ_CHECK(t[0] != '\0');
			check_trimmed(t);
		}
	}
	free(t);
	return 0;
}
