/*
 * Fuzz target: whole rows through the output module, as a command writes
 * them: out_try_open(), out_text/int/real/bool/null, out_row(),
 * out_close(), in TSV, JSON and JSON Lines, with and without a header,
 * in several -o orders.  stdout goes to a scratch file that is read back
 * and checked value by value: TSV lines have one field per column and
 * unescape to the input; JSON parses and holds the same values.
 *
 * Input: byte 0 picks the format, byte 1 the -o list; then values, one
 * per field in table order, each a kind byte (0 null, else a value)
 * then, for text, a length byte and the bytes, for numbers 8 bytes.
 */

#include <sys/stat.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mx.h"
#include "fuzz.h"

enum { F_T, F_I, F_R, F_B, F_U, F_COUNT };

static const struct out_field fields[F_COUNT] = {
	{ "t", OUT_TEXT },
	{ "i", OUT_INT },
	{ "r", OUT_REAL },
	{ "b", OUT_BOOL },
	{ "u", OUT_TEXT },
};

static const char *const lists[] = { NULL, "u,t", "r,b,i,t,u", "b" };

#define MAXROWS	64

struct cell {
	int		 null;
	const char	*s;
	size_t		 n;
	long long	 i;
	double		 d;
};

static struct cell	 rows[MAXROWS][F_COUNT];
static size_t		 nrows;
static size_t		 sel[F_COUNT], nsel;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char	 path[] = "/tmp/mx-fuzz-rows.XXXXXX";
	int	 fd;

	(void)argc;
	(void)argv;
	/* stdout becomes a scratch file we can read back. */
	if ((fd = mkstemp(path)) == -1 || unlink(path) == -1)
		abort();
	fflush(stdout);
	if (dup2(fd, STDOUT_FILENO) == -1)
		abort();
	close(fd);
	return 0;
}

/* Parse the input into rows[]; returns 0 when it holds no whole row. */
static int
read_rows(const uint8_t *p, size_t n)
{
	size_t	 f, len;
	struct cell *c;

	for (nrows = 0; nrows < MAXROWS; nrows++)
		for (f = 0; f < F_COUNT; f++) {
			c = &rows[nrows][f];
			memset(c, 0, sizeof(*c));
			if (n == 0)
				return nrows > 0;
			c->null = p[0] == 0;
			p++, n--;
			if (c->null)
				continue;
			if (fields[f].type == OUT_TEXT) {
				if (n == 0)
					return nrows > 0;
				len = p[0] < n - 1 ? p[0] : n - 1;
				c->s = (const char *)p + 1;
				c->n = len;
				p += len + 1, n -= len + 1;
			} else {
				if (n < 8)
					return nrows > 0;
				memcpy(&c->i, p, 8);
				memcpy(&c->d, p, 8);
				p += 8, n -= 8;
			}
		}
	return 1;
}

static void
select_list(const char *list)
{
	const char	*p, *q;
	size_t		 f;

	if (list == NULL) {
		for (nsel = 0; nsel < F_COUNT; nsel++)
			sel[nsel] = nsel;
		return;
	}
	nsel = 0;
	for (p = list; ; p = q + 1) {
		q = p + strcspn(p, ",");
		for (f = 0; f < F_COUNT; f++)
			if (fields[f].name[0] == *p)
				sel[nsel++] = f;
		if (*q == '\0')
			break;
	}
}

/* Check one TSV field s[0..n) against cell c of field f. */
static void
check_tsv_field(const char *s, size_t n, size_t f, const struct cell *c)
{
	char	*back, buf[64];
	size_t	 i, k = 0;

	if (c->null || (fields[f].type == OUT_REAL && !isfinite(c->d))) {
		FUZZ_CHECK(n == 0);
		return;
	}
	switch (fields[f].type) {
	case OUT_TEXT:
		if ((back = malloc(n + 1)) == NULL)
			abort();
		for (i = 0; i < n; i++) {
			if (s[i] != '\\') {
				back[k++] = s[i];
				continue;
			}
			FUZZ_CHECK(++i < n);
			back[k++] = s[i] == 't' ? '\t' : s[i] == 'n' ? '\n' :
			    s[i] == 'r' ? '\r' : s[i];
		}
		FUZZ_CHECK(k == c->n);
		FUZZ_CHECK(k == 0 || memcmp(back, c->s, k) == 0);
		free(back);
		break;
	case OUT_INT:
		snprintf(buf, sizeof(buf), "%lld", c->i);
		FUZZ_CHECK(n == strlen(buf) && memcmp(s, buf, n) == 0);
		break;
	case OUT_BOOL:
		FUZZ_CHECK(n == 1 && s[0] == (c->i != 0 ? '1' : '0'));
		break;
	case OUT_REAL:
		FUZZ_CHECK(n < sizeof(buf));
		memcpy(buf, s, n);
		buf[n] = '\0';
		FUZZ_CHECK(strtod(buf, NULL) == c->d);
		break;
	}
}

static void
check_tsv(const char *buf, size_t len, int header)
{
	const char	*line, *nl, *p, *tab;
	size_t		 r = 0, k;

	for (line = buf; line < buf + len; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(buf + len - line));
		FUZZ_CHECK(nl != NULL);		/* every line ends */
		p = line;
		for (k = 0; k < nsel; k++) {
			tab = memchr(p, '\t', (size_t)(nl - p));
			if (k + 1 < nsel)
				FUZZ_CHECK(tab != NULL);
			else
				FUZZ_CHECK(tab == NULL);
			if (tab == NULL)
				tab = nl;
			if (header)
				FUZZ_CHECK(tab - p == 1 &&
				    *p == fields[sel[k]].name[0]);
			else
				check_tsv_field(p, (size_t)(tab - p), sel[k],
				    &rows[r][sel[k]]);
			p = tab + 1;
		}
		if (header)
			header = 0;
		else
			r++;
	}
	FUZZ_CHECK(r == nrows);
}

static void
check_json_row(const json_t *obj, size_t r)
{
	const struct cell	*c;
	json_t			*v, *strict;
	size_t			 k, f;

	FUZZ_CHECK(json_is_object(obj));
	FUZZ_CHECK(json_object_size(obj) == nsel);
	for (k = 0; k < nsel; k++) {
		f = sel[k];
		c = &rows[r][f];
		v = json_object_get(obj, fields[f].name);
		FUZZ_CHECK(v != NULL);
		if (c->null || (fields[f].type == OUT_REAL &&
		    !isfinite(c->d))) {
			FUZZ_CHECK(json_is_null(v));
			continue;
		}
		switch (fields[f].type) {
		case OUT_TEXT:
			FUZZ_CHECK(json_is_string(v));
			strict = json_stringn(c->s, c->n);
			if (strict != NULL) {
				FUZZ_CHECK(json_equal(v, strict));
				json_decref(strict);
			}
			break;
		case OUT_INT:
			FUZZ_CHECK(json_is_integer(v) &&
			    json_integer_value(v) == c->i);
			break;
		case OUT_BOOL:
			FUZZ_CHECK(json_is_boolean(v) &&
			    json_is_true(v) == (c->i != 0));
			break;
		case OUT_REAL:
			FUZZ_CHECK(json_is_real(v) &&
			    json_real_value(v) == c->d);
			break;
		}
	}
}

static void
check_json(const char *buf, size_t len, int lines)
{
	json_error_t	 e;
	json_t		*doc;
	const char	*line, *nl;
	size_t		 r;

	if (!lines) {
		doc = json_loadb(buf, len, JSON_ALLOW_NUL, &e);
		FUZZ_CHECK(doc != NULL && json_is_array(doc));
		FUZZ_CHECK(json_array_size(doc) == nrows);
		for (r = 0; r < nrows; r++)
			check_json_row(json_array_get(doc, r), r);
		json_decref(doc);
		return;
	}
	r = 0;
	for (line = buf; line < buf + len; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(buf + len - line));
		FUZZ_CHECK(nl != NULL && r < nrows);
		doc = json_loadb(line, (size_t)(nl - line), JSON_ALLOW_NUL,
		    &e);
		FUZZ_CHECK(doc != NULL);
		check_json_row(doc, r++);
		json_decref(doc);
	}
	FUZZ_CHECK(r == nrows);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mx_opts	 o;
	struct out	*out;
	struct stat	 st;
	const struct cell *c;
	char		*buf, msg[256];
	size_t		 r, f;

	if (size < 2 || !read_rows(data + 2, size - 2))
		return 0;
	opt_init(&o, "fuzz");
	o.jflag = data[0] % 3 == 1;
	o.Jflag = data[0] % 3 == 2;
	o.Hflag = (data[0] & 0x80) != 0;
	o.fields = lists[data[1] % (sizeof(lists) / sizeof(lists[0]))];
	select_list(o.fields);

	fflush(stdout);
	if (ftruncate(STDOUT_FILENO, 0) == -1)
		abort();
	rewind(stdout);
	out = out_try_open(&o, fields, F_COUNT, NULL, msg, sizeof(msg));
	FUZZ_CHECK(out != NULL);
	for (r = 0; r < nrows; r++) {
		for (f = 0; f < F_COUNT; f++) {
			c = &rows[r][f];
			if (c->null)
				out_null(out, f);
			else if (fields[f].type == OUT_TEXT)
				out_text(out, f, c->s, (int)c->n);
			else if (fields[f].type == OUT_INT)
				out_int(out, f, c->i);
			else if (fields[f].type == OUT_REAL)
				out_real(out, f, c->d);
			else
				out_bool(out, f, c->i != 0);
		}
		out_row(out);
	}
	out_close(out);
	FUZZ_CHECK(fflush(stdout) == 0 && !ferror(stdout));

	if (fstat(STDOUT_FILENO, &st) == -1)
		abort();
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		abort();
	FUZZ_CHECK(pread(STDOUT_FILENO, buf, (size_t)st.st_size, 0) ==
	    st.st_size);
	if (o.jflag || o.Jflag)
		check_json(buf, (size_t)st.st_size, o.Jflag);
	else
		check_tsv(buf, (size_t)st.st_size, !o.Hflag);
	free(buf);
	return 0;
}
