/*
 * mx: the output module.  Commands declare their fields once in a static
 * table and pass typed values; this module writes TSV with a header, one
 * JSON document, or JSON Lines, in the order -o chooses.
 */

#include <err.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "mx.h"

enum { MODE_TSV, MODE_JSON, MODE_JSONL };
enum { V_NULL, V_TEXT, V_INT, V_REAL, V_BOOL };

struct val {
	int		 kind;
	const char	*s;
	size_t		 n;
	long long	 i;
	double		 d;
};

struct out {
	const struct out_field	*fields;
	size_t			 nfields;
	size_t			*sel;
	size_t			 nsel;
	struct val		*vals;
	int			 mode;
	int			 Hflag;
	long long		 nrows;
	int			 begun;
};

/* Set when a row held a value of the wrong type: exit 65 at the end. */
static int	 baddata;

static int	 select_fields(struct out *, const char *, char *, size_t);
static void	 write_json_string(FILE *, const char *, size_t);

/*
 * Start output of rows with the given fields.  deflt is the TSV default
 * column list (NULL: all); JSON shows all fields unless -o chose.  A bad
 * -o list gets one line and the usage (exit 64).
 */
struct out *
out_open(const struct mx_opts *o, const struct out_field *fields, size_t n,
    const char *deflt)
{
	struct out	*out;
	char		 msg[1024];

	out = out_try_open(o, fields, n, deflt, msg, sizeof(msg));
	if (out == NULL) {
		warnx("%s", msg);
		exit(EX_USAGE);
	}
	return out;
}

/*
 * As out_open(), but a bad -o list returns NULL with the message in msg
 * instead of exiting.
 */
struct out *
out_try_open(const struct mx_opts *o, const struct out_field *fields,
    size_t n, const char *deflt, char *msg, size_t msglen)
{
	struct out	*out;

	out = xcalloc(1, sizeof(*out));
	out->fields = fields;
	out->nfields = n;
	out->vals = xcalloc(n, sizeof(*out->vals));
	out->mode = o->jflag ? MODE_JSON : o->Jflag ? MODE_JSONL : MODE_TSV;
	out->Hflag = o->Hflag;
	if (o->fields != NULL) {
		if (select_fields(out, o->fields, msg, msglen) == -1) {
			free(out->sel);
			free(out->vals);
			free(out);
			return NULL;
		}
	} else if (deflt != NULL && out->mode == MODE_TSV) {
		if (select_fields(out, deflt, msg, msglen) == -1)
			errx(EX_SOFTWARE, "bad default field list");
	} else {
		out->sel = xcalloc(n, sizeof(*out->sel));
		for (out->nsel = 0; out->nsel < n; out->nsel++)
			out->sel[out->nsel] = out->nsel;
	}
	return out;
}

/*
 * Select the fields of the comma-separated list, in its order.  Returns
 * 0, or -1 with a message naming the bad field and the valid ones.
 */
static int
select_fields(struct out *out, const char *list, char *msg, size_t msglen)
{
	const char	*p, *q;
	size_t		 i, len, cap = 0;
	char		*names;

	for (p = list; ; p = q + 1) {
		q = p + strcspn(p, ",");
		len = (size_t)(q - p);
		for (i = 0; i < out->nfields; i++)
			if (strlen(out->fields[i].name) == len &&
			    strncmp(out->fields[i].name, p, len) == 0)
				break;
		if (i == out->nfields) {
			for (cap = 0, i = 0; i < out->nfields; i++)
				cap += strlen(out->fields[i].name) + 1;
			names = xmalloc(cap + 1);
			names[0] = '\0';
			for (i = 0; i < out->nfields; i++) {
				strcat(names, i ? "," : "");
				strcat(names, out->fields[i].name);
			}
			if (len == 0)
				snprintf(msg, msglen, "-o: empty field name "
				    "(fields: %s)", names);
			else
				snprintf(msg, msglen,
				    "-o: %.*s: unknown field (fields: %s)",
				    (int)(len > 64 ? 64 : len), p, names);
			free(names);
			str_oneline(msg);
			return -1;
		}
		out->sel = xrealloc(out->sel, out->nsel + 1,
		    sizeof(*out->sel));
		out->sel[out->nsel++] = i;
		if (*q == '\0')
			return 0;
	}
}

/* Return 1 if field i is shown (so callers may skip costly work). */
int
out_selected(const struct out *out, size_t i)
{
	size_t	 k;

	for (k = 0; k < out->nsel; k++)
		if (out->sel[k] == i)
			return 1;
	return 0;
}

void
out_text(struct out *out, size_t i, const char *s, int n)
{
	if (s == NULL) {
		out_null(out, i);
		return;
	}
	out->vals[i].kind = V_TEXT;
	out->vals[i].s = s;
	out->vals[i].n = n < 0 ? strlen(s) : (size_t)n;
}

void
out_int(struct out *out, size_t i, long long v)
{
	out->vals[i].kind = V_INT;
	out->vals[i].i = v;
}

void
out_real(struct out *out, size_t i, double v)
{
	out->vals[i].kind = isfinite(v) ? V_REAL : V_NULL;
	out->vals[i].d = v;
}

void
out_bool(struct out *out, size_t i, int v)
{
	out->vals[i].kind = V_BOOL;
	out->vals[i].i = v != 0;
}

void
out_null(struct out *out, size_t i)
{
	out->vals[i].kind = V_NULL;
}

/*
 * Take column col of the current row of st as field i, converted to the
 * field's type.  A value that is not of that type (text where MergeXO
 * writes an integer) is shown as NULL, with one warning per field, and
 * makes the command exit 65.
 */
void
out_column(struct out *out, size_t i, sqlite3_stmt *st, int col)
{
	static unsigned char	 warned[64];
	int			 t = sqlite3_column_type(st, col);
	enum out_type		 want = out->fields[i].type;

	if (t == SQLITE_NULL) {
		out_null(out, i);
		return;
	}
	if (want == OUT_TEXT) {
		out_text(out, i, (const char *)sqlite3_column_text(st, col),
		    sqlite3_column_bytes(st, col));
		return;
	}
	if (t == SQLITE_INTEGER || (t == SQLITE_FLOAT && want == OUT_REAL)) {
		if (want == OUT_REAL)
			out_real(out, i, sqlite3_column_double(st, col));
		else if (want == OUT_BOOL)
			out_bool(out, i, sqlite3_column_int64(st, col) != 0);
		else
			out_int(out, i, sqlite3_column_int64(st, col));
		return;
	}
	out_null(out, i);
	baddata = 1;
	if (i < sizeof(warned) && !warned[i]) {
		warned[i] = 1;
		warnx("%s: %s: not %s in a row; shown as null", db_file(),
		    out->fields[i].name, want == OUT_REAL ? "a number" :
		    "an integer");
	}
}

/* Set fields 0 to n - 1 from the columns of the same numbers. */
void
out_columns(struct out *out, sqlite3_stmt *st, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		out_column(out, i, st, (int)i);
}

/*
 * Write the shortest text that reads back as v, always as a real, the
 * way Python's repr() writes it (MergeXO's JSON): 20.0, 0.0001,
 * 1e+16, 1.5e-05.  %g would write 20 as 2e+01.
 */
void
out_fmt_real(char *buf, size_t len, double v)
{
	char	 tmp[2][64], *t = NULL;
	int	 p, lo, hi, e, k = 0;

	if (!isfinite(v)) {
		snprintf(buf, len, "%g", v);
		return;
	}
	/*
	 * The fewest significant digits p that read back as v: 17 always
	 * do, and if p do, p + 1 do too, so search [1, 17] by halves.
	 */
	for (lo = 1, hi = 17; lo < hi; ) {
		p = (lo + hi) / 2;
		snprintf(tmp[k], sizeof(tmp[k]), "%.*e", p - 1, v);
		if (strtod(tmp[k], NULL) == v) {
			hi = p;
			t = tmp[k];	/* keep the text of hi */
			k ^= 1;
		} else
			lo = p + 1;
	}
	p = lo;
	if (t == NULL) {
		t = tmp[k];
		snprintf(t, sizeof(tmp[k]), "%.*e", p - 1, v);
	}
	e = atoi(strchr(t, 'e') + 1);
	if (e < -4 || e >= 16) {
		snprintf(buf, len, "%s", t);
		return;
	}
	/* p significant digits, e of them before the point. */
	snprintf(buf, len, "%.*f", p - 1 - e > 0 ? p - 1 - e : 0, v);
	if (strchr(buf, '.') == NULL && strlen(buf) + 3 <= len)
		strcat(buf, ".0");
}

/* Write bytes as a TSV field: \\, \t, \n, \r escaped, others unchanged. */
void
out_tsv_text(FILE *fp, const char *s, size_t n)
{
	size_t	 i, start = 0;
	char	 esc;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '\\': esc = '\\'; break;
		case '\t': esc = 't'; break;
		case '\n': esc = 'n'; break;
		case '\r': esc = 'r'; break;
		default: continue;
		}
		fwrite(s + start, 1, i - start, fp);
		putc('\\', fp);
		putc(esc, fp);
		start = i + 1;
	}
	fwrite(s + start, 1, n - start, fp);
}

/*
 * Return a JSON string of the bytes s: invalid UTF-8 bytes become
 * U+FFFD, so any text from the database gives valid JSON.
 */
json_t *
out_jstring(const char *s, size_t n)
{
	const unsigned char	*u = (const unsigned char *)s;
	char			*buf;
	size_t			 i, k, m = 0;
	json_t			*j;

	for (i = 0; i < n; i += k)
		if ((k = utf8_valid_prefix(u + i, n - i)) == 0)
			break;
	if (i == n)
		return json_stringn_nocheck(s, n);
	buf = xmalloc(n * 3 + 1);
	for (i = 0; i < n; i += k) {
		if ((k = utf8_valid_prefix(u + i, n - i)) == 0) {
			memcpy(buf + m, "\xef\xbf\xbd", 3);
			m += 3;
			k = 1;
		} else {
			memcpy(buf + m, s + i, k);
			m += k;
		}
	}
	j = json_stringn_nocheck(buf, m);
	free(buf);
	return j;
}

static json_t *
val_json(const struct val *v)
{
	switch (v->kind) {
	case V_TEXT:
		return out_jstring(v->s, v->n);
	case V_INT:
		return json_integer(v->i);
	case V_REAL:
		return json_real(v->d);
	case V_BOOL:
		return json_boolean(v->i);
	default:
		return json_null();
	}
}

/* Return the current row as a new JSON object in -o order; resets it. */
json_t *
out_row_object(struct out *out)
{
	json_t	*obj;
	size_t	 k, i;

	if ((obj = json_object()) == NULL)
		errx(EX_SOFTWARE, "out of memory");
	for (k = 0; k < out->nsel; k++) {
		i = out->sel[k];
		if (json_object_set_new_nocheck(obj, out->fields[i].name,
		    val_json(&out->vals[i])) == -1)
			errx(EX_SOFTWARE, "out of memory");
	}
	for (i = 0; i < out->nfields; i++)
		out->vals[i].kind = V_NULL;
	return obj;
}

static void
out_begin(struct out *out)
{
	size_t	 k;

	out->begun = 1;
	if (out->mode == MODE_JSON)
		fputs("[", stdout);
	else if (out->mode == MODE_TSV && !out->Hflag) {
		for (k = 0; k < out->nsel; k++) {
			if (k)
				putchar('\t');
			fputs(out->fields[out->sel[k]].name, stdout);
		}
		putchar('\n');
	}
}

/* Write the current row and reset it. */
void
out_row(struct out *out)
{
	struct val	*v;
	json_t		*obj;
	size_t		 k, i;
	char		 buf[64];

	if (!out->begun)
		out_begin(out);
	if (out->mode != MODE_TSV) {
		if (out->mode == MODE_JSON)
			fputs(out->nrows ? ",\n" : "\n", stdout);
		obj = out_row_object(out);
		out_json_value(stdout, obj);
		json_decref(obj);
		if (out->mode == MODE_JSONL)
			putchar('\n');
		out->nrows++;
		return;
	}
	for (k = 0; k < out->nsel; k++) {
		v = &out->vals[out->sel[k]];
		if (k)
			putchar('\t');
		switch (v->kind) {
		case V_TEXT:
			out_tsv_text(stdout, v->s, v->n);
			break;
		case V_INT:
		case V_BOOL:
			printf("%lld", v->i);
			break;
		case V_REAL:
			out_fmt_real(buf, sizeof(buf), v->d);
			fputs(buf, stdout);
			break;
		}
	}
	putchar('\n');
	for (i = 0; i < out->nfields; i++)
		out->vals[i].kind = V_NULL;
	out->nrows++;
}

/* End the rows (header or brackets even when there were none); free. */
void
out_close(struct out *out)
{
	if (out == NULL)
		return;
	if (!out->begun)
		out_begin(out);
	if (out->mode == MODE_JSON)
		fputs(out->nrows ? "\n]\n" : "]\n", stdout);
	free(out->sel);
	free(out->vals);
	free(out);
}

/*
 * Free out without writing anything: for a command that put its rows
 * into a JSON document of its own with out_row_object().
 */
void
out_free(struct out *out)
{
	if (out == NULL)
		return;
	free(out->sel);
	free(out->vals);
	free(out);
}

static void
write_json_string(FILE *fp, const char *s, size_t n)
{
	json_t	*j;

	j = out_jstring(s, n);
	if (j == NULL || json_dumpf(j, fp, JSON_ENCODE_ANY) == -1)
		errx(EX_SOFTWARE, "cannot encode a string");
	json_decref(j);
}

/*
 * Write a JSON value compactly, keys in insertion order.  Strings and
 * their escaping are jansson's; reals are written in their shortest
 * exact form (jansson would write 0.1 as 0.10000000000000001).
 */
void
out_json_value(FILE *fp, const json_t *j)
{
	const char	*key;
	json_t		*v;
	size_t		 i, n;
	char		 buf[64];
	void		*it;

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		putc('{', fp);
		n = 0;
		for (it = json_object_iter((json_t *)j); it != NULL;
		    it = json_object_iter_next((json_t *)j, it)) {
			key = json_object_iter_key(it);
			v = json_object_iter_value(it);
			if (n++)
				putc(',', fp);
			write_json_string(fp, key, strlen(key));
			putc(':', fp);
			out_json_value(fp, v);
		}
		putc('}', fp);
		break;
	case JSON_ARRAY:
		putc('[', fp);
		for (i = 0; i < json_array_size(j); i++) {
			if (i)
				putc(',', fp);
			out_json_value(fp, json_array_get(j, i));
		}
		putc(']', fp);
		break;
	case JSON_STRING:
		write_json_string(fp, json_string_value(j),
		    json_string_length(j));
		break;
	case JSON_INTEGER:
		fprintf(fp, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
		break;
	case JSON_REAL:
		if (!isfinite(json_real_value(j))) {
			fputs("null", fp);
			break;
		}
		out_fmt_real(buf, sizeof(buf), json_real_value(j));
		fputs(buf, fp);
		break;
	case JSON_TRUE:
		fputs("true", fp);
		break;
	case JSON_FALSE:
		fputs("false", fp);
		break;
	default:
		fputs("null", fp);
		break;
	}
}

/* Write one JSON document and a newline to stdout. */
void
out_json(json_t *j)
{
	out_json_value(stdout, j);
	putchar('\n');
}

/*
 * Flush stdout and return the exit status: status, else 74 when output
 * was not written, else 65 when a row held bad data.
 */
int
out_finish(int status)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		warn("stdout");
		return EX_IOERR;
	}
	if (status == 0 && baddata)
		return EX_DATAERR;
	return status;
}
