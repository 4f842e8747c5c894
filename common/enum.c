/*
 * mx: the value sets of design section 3, and comma lists of them.
 */

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "mx.h"

const char *const mx_run_kinds[] = {
	"issue_flow", "implementation_flow", "pre_pr_followup",
	"feedback_turn", NULL
};

const char *const mx_terminal_statuses[] = {
	"completed", "failed", "blocked", "merged", "closed", "interrupted",
	NULL
};

const char *const mx_failure_classes[] = {
	"agent_error", "tests_failed", "policy_block", "github_error",
	"history_rewrite", "timeout", "unknown", NULL
};

/* Return the index of s in the NULL-terminated list, or -1. */
int
enum_index(const char *const *list, const char *s)
{
	int	 i;

	for (i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return i;
	return -1;
}

/*
 * Return the valid values of list joined with ", "; a static buffer,
 * for messages.
 */
const char *
enum_names(const char *const *list)
{
	static char	 buf[512];
	size_t		 n = 0;
	int		 i;

	buf[0] = '\0';
	for (i = 0; list[i] != NULL && n < sizeof(buf); i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s",
		    i ? ", " : "", list[i]);
	return buf;
}

/*
 * Check one value against list: a bad one gets one line naming the
 * option and the valid values, and exit 64.  Returns its index.
 */
int
enum_check(const char *const *list, const char *s, const char *opt,
    const char *what)
{
	int	 i;

	if ((i = enum_index(list, s)) == -1) {
		warnx("%s: %s: unknown %s (valid: %s)", opt, s, what,
		    enum_names(list));
		exit(EX_USAGE);
	}
	return i;
}

/*
 * Parse a comma-separated list of values of list (at most 32) into a
 * bit mask in *maskp.  Returns 0, or -1 with *badp and *lenp naming the
 * first unknown or empty value (a pointer into arg).  Never exits.
 */
int
enum_parse(const char *const *list, const char *arg, unsigned long *maskp,
    const char **badp, size_t *lenp)
{
	const char	*p, *q;
	size_t		 len;
	int		 i;

	*maskp = 0;
	for (p = arg; ; p = q + 1) {
		q = p + strcspn(p, ",");
		len = (size_t)(q - p);
		for (i = 0; list[i] != NULL; i++)
			if (strlen(list[i]) == len &&
			    strncmp(list[i], p, len) == 0)
				break;
		if (len == 0 || list[i] == NULL) {
			*badp = p;
			*lenp = len;
			return -1;
		}
		*maskp |= 1UL << i;
		if (*q == '\0')
			return 0;
	}
}

/*
 * Parse a comma-separated list of values of list (at most 32) into a
 * bit mask; exits 64 on an unknown or empty value.
 */
unsigned long
enum_mask(const char *const *list, const char *arg, const char *opt,
    const char *what)
{
	unsigned long	 mask;
	const char	*bad;
	char		*name;
	size_t		 len;

	if (enum_parse(list, arg, &mask, &bad, &len) == -1) {
		if (len == 0)
			warnx("%s: empty %s (valid: %s)", opt, what,
			    enum_names(list));
		else {
			name = str_oneline(xstrndup(bad, len));
			warnx("%s: %s: unknown %s (valid: %s)", opt, name,
			    what, enum_names(list));
			free(name);
		}
		exit(EX_USAGE);
	}
	return mask;
}
