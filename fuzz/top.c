/*
 * Fuzz target: mx-top's reading of its children's JSON (cmd/mx-top/
 * data.c): data_rows() and data_metrics() on arbitrary bytes, then every
 * accessor on what they made.  Whatever the children print, each text
 * that reaches the screen must be valid UTF-8 holding nothing that moves
 * the cursor or changes colours: no C0 or C1 control, no DEL, no
 * bidirectional override.  data_time() and data_duration() take the same
 * bytes as a timestamp and a number.
 */

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mx.h"
#include "top.h"
#include "fuzz.h"

static const char *const keysets[] = {
	"repo_full_name,issue_number,pr_number", "run_id", "id",
	"repo_full_name", ",,", ""
};

/* s is safe to draw; a newline only where keepnl allows it. */
static void
check_clean(const char *s, int keepnl)
{
	const unsigned char	*u = (const unsigned char *)s;
	json_t			*j;
	size_t			 n, i;

	FUZZ_CHECK(s != NULL);
	n = strlen(s);
	j = json_stringn(s, n);		/* jansson's UTF-8 check */
	FUZZ_CHECK(j != NULL);
	json_decref(j);
	for (i = 0; i < n; i++) {
		FUZZ_CHECK(u[i] >= 0x20 || (u[i] == '\n' && keepnl));
		FUZZ_CHECK(u[i] != 0x7f);
		if (u[i] == 0xc2 && i + 1 < n)
			FUZZ_CHECK(u[i + 1] > 0x9f);	/* C1 */
		if (u[i] == 0xe2 && i + 2 < n && u[i + 1] == 0x80)
			FUZZ_CHECK(u[i + 2] < 0xaa || u[i + 2] > 0xae);
		if (u[i] == 0xe2 && i + 2 < n && u[i + 1] == 0x81)
			FUZZ_CHECK(u[i + 2] < 0xa6 || u[i + 2] > 0xa9);
	}
}

static void
check_row(const struct row *r)
{
	struct row	 copy;
	size_t		 i;
	char		 buf[64];

	FUZZ_CHECK(r->key != NULL || r->nf == 0);
	for (i = 0; i < r->nf; i++) {
		check_clean(r->f[i].name, 0);
		check_clean(r->f[i].text, r->f[i].type == FV_TEXT);
		FUZZ_CHECK(data_field(r, r->f[i].name) != NULL);
		(void)data_num(r, r->f[i].name, NAN);
		data_duration(r->f[i].num, buf, sizeof(buf));
		check_clean(buf, 0);
	}
	data_copy_row(&copy, r);
	FUZZ_CHECK(copy.nf == r->nf);
	FUZZ_CHECK(strcmp(copy.key, r->key != NULL ? r->key : "") == 0);
	data_free_row(&copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct table	 t;
	struct metrics	 m;
	const char	*buf = (const char *)data;
	char		 err[256], *s, *c;
	double		 d;
	size_t		 i;

	if (size == 0)
		return 0;
	err[0] = '\0';
	if (data_rows(buf + 1, size - 1, keysets[data[0] %
	    (sizeof(keysets) / sizeof(keysets[0]))], &t, err,
	    sizeof(err)) == 0) {
		for (i = 0; i < t.n; i++)
			check_row(&t.rows[i]);
	} else
		FUZZ_CHECK(err[0] != '\0' && t.n == 0);
	data_free_table(&t);

	if (data_metrics(buf + 1, size - 1, &m, err, sizeof(err)) == 0) {
		check_row(&m.overall);
		for (i = 0; i < m.per_repo.n; i++)
			check_row(&m.per_repo.rows[i]);
		if (m.window != NULL)
			check_clean(m.window, 0);
	}
	data_free_metrics(&m);

	c = data_clean(buf, size, data[0] & 1);
	check_clean(c, data[0] & 1);
	free(c);
	s = fuzz_cstr(data, size);
	if (data_time(s, &d) == 0)
		FUZZ_CHECK(isfinite(d));
	free(s);
	if (size >= sizeof(d)) {
		memcpy(&d, data, sizeof(d));
		data_duration(d, err, sizeof(err));
		check_clean(err, 0);
		FUZZ_CHECK(strlen(err) <= 12);
	}
	return 0;
}
