/*
 * mx: agent run meta_json, read as MergeXO's query layer reads it.
 */

#include <stdlib.h>
#include <string.h>

#include "mx.h"

static char	*meta_text(json_t *, const char *);

/*
 * Return the length of the white space character at s (Python's
 * str.isspace(), Unicode included), or 0 when s starts with none.
 */
static size_t
space_len(const unsigned char *s, size_t n)
{
	if (n >= 1 && ((s[0] >= 0x09 && s[0] <= 0x0d) || s[0] == ' ' ||
	    (s[0] >= 0x1c && s[0] <= 0x1f)))
		return 1;
	if (n >= 2 && s[0] == 0xc2 && (s[1] == 0x85 || s[1] == 0xa0))
		return 2;
	if (n >= 3 && s[0] == 0xe1 && s[1] == 0x9a && s[2] == 0x80)
		return 3;				/* U+1680 */
	if (n >= 3 && s[0] == 0xe2 && s[1] == 0x80 &&
	    ((s[2] >= 0x80 && s[2] <= 0x8a) ||	/* U+2000..U+200A */
	    s[2] == 0xa8 || s[2] == 0xa9 || s[2] == 0xaf))
		return 3;				/* U+2028 U+2029 U+202F */
	if (n >= 3 && s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0x9f)
		return 3;				/* U+205F */
	if (n >= 3 && s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80)
		return 3;				/* U+3000 */
	return 0;
}

/*
 * Return a copy of the UTF-8 text s without leading and trailing white
 * space, Unicode spaces included, or NULL when nothing is left.  The
 * caller frees it.
 */
char *
meta_trim(const char *str, size_t n)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 k, i, last;

	while (n > 0 && (k = space_len(s, n)) > 0) {
		s += k;
		n -= k;
	}
	/* Walk forward to find where the trailing run of spaces starts. */
	last = 0;
	for (i = 0; i < n; ) {
		if ((k = space_len(s + i, n - i)) > 0) {
			i += k;
			continue;
		}
		k = utf8_valid_prefix(s + i, n - i);
		i += k ? k : 1;
		last = i;
	}
	if (last == 0)
		return NULL;
	return xstrndup((const char *)s, last);
}

static char *
meta_text(json_t *obj, const char *key)
{
	json_t	*v;

	if ((v = json_object_get(obj, key)) == NULL || !json_is_string(v))
		return NULL;
	return meta_trim(json_string_value(v), json_string_length(v));
}

/*
 * Read meta_json: codex_active is set only by a JSON true; the texts are
 * trimmed or NULL.  Malformed JSON, or JSON that is not an object, reads
 * as {}.  Free the result with meta_free().
 */
void
meta_parse(const char *s, size_t n, struct run_meta *m)
{
	json_t		*root;
	json_error_t	 e;

	memset(m, 0, sizeof(*m));
	if (s == NULL)
		return;
	/* Python's json takes any integer and NUL escapes; so do we. */
	root = json_loadb(s, n, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL |
	    JSON_ALLOW_NUL, &e);
	if (root == NULL)
		return;
	if (json_is_object(root)) {
		m->codex_active = json_is_true(json_object_get(root,
		    "codex_active"));
		m->prompt = meta_text(root, "last_prompt");
		m->codex_mode = meta_text(root, "codex_mode");
		m->codex_session_id = meta_text(root, "codex_session_id");
		m->codex_invocation_started_at = meta_text(root,
		    "codex_invocation_started_at");
	}
	json_decref(root);
}

void
meta_free(struct run_meta *m)
{
	free(m->prompt);
	free(m->codex_mode);
	free(m->codex_session_id);
	free(m->codex_invocation_started_at);
	memset(m, 0, sizeof(*m));
}
