/*
 * Fuzz target: comma lists of enumerated values (-s, -k and the like),
 * enum_parse(), the part of enum_mask() that does not exit.  Checked
 * against a plain reading of the list: the mask has the bit of every
 * value named, and a list with an unknown or empty value is refused,
 * naming the first one.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mx.h"
#include "fuzz.h"

/* mx-runs' -s states. */
static const char *const states[] = {
	"completed", "failed", "blocked", "merged", "closed", "interrupted",
	"active", "idle", "open", "finished", "all", NULL
};

static const char *const *const lists[] = {
	mx_run_kinds, mx_terminal_statuses, mx_failure_classes, states
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *const	*list;
	const char		*bad, *p, *q, *first = NULL;
	unsigned long		 mask, want = 0;
	size_t			 len, firstlen = 0;
	char			*arg;
	int			 i, rc;

	if (size == 0)
		return 0;
	list = lists[data[0] % (sizeof(lists) / sizeof(lists[0]))];
	arg = fuzz_cstr(data + 1, size - 1);

	for (p = arg; ; p = q + 1) {
		q = p + strcspn(p, ",");
		len = (size_t)(q - p);
		for (i = 0; list[i] != NULL; i++)
			if (strlen(list[i]) == len &&
			    memcmp(list[i], p, len) == 0)
				break;
		if (first == NULL && (len == 0 || list[i] == NULL)) {
			first = p;
			firstlen = len;
		} else if (list[i] != NULL)
			want |= 1UL << i;
		if (*q == '\0')
			break;
	}

	rc = enum_parse(list, arg, &mask, &bad, &len);
	if (first == NULL) {
		FUZZ_CHECK(rc == 0);
		FUZZ_CHECK(mask == want);
	} else {
		FUZZ_CHECK(rc == -1);
		FUZZ_CHECK(bad == first && len == firstlen);
	}
	free(arg);
	return 0;
}
