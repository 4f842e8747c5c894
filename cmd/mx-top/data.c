/*
 * mx-top: reading the JSON its children print into rows of cleaned
 * text.  Nothing here touches curses, so a fuzzer can call every parser.
 */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mx.h"
#include "top.h"

static json_t	*load(const char *, size_t, char *, size_t);
static void	 make_row(json_t *, const char *, size_t, struct row *);
static void	 make_field(const char *, json_t *, struct field *);
static void	 make_key(struct row *, const char *);
static long long count(json_t *, const char *);

/*
 * Parse a child's JSON array of objects into t (emptied first), each
 * row keyed by the comma-separated field names in keys.  Elements that
 * are not objects are skipped.  Returns 0, or -1 with a message in err.
 */
int
data_rows(const char *buf, size_t len, const char *keys, struct table *t,
    char *err, size_t errlen)
{
	json_t	*root, *v;
	size_t	 i;

	memset(t, 0, sizeof(*t));
	if ((root = load(buf, len, err, errlen)) == NULL)
		return -1;
	if (!json_is_array(root)) {
		snprintf(err, errlen, "expected a JSON array");
		json_decref(root);
		return -1;
	}
	json_array_foreach(root, i, v) {
		if (!json_is_object(v))
			continue;
		if (t->n == t->cap) {
			t->cap = t->cap ? t->cap * 2 : 16;
			t->rows = xrealloc(t->rows, t->cap, sizeof(*t->rows));
		}
		make_row(v, keys, t->n, &t->rows[t->n]);
		t->n++;
	}
	json_decref(root);
	return 0;
}

/*
 * Parse mx-metrics -j into m (emptied first).  Absent or mistyped
 * counts read -1, an absent overall row has no fields.  Returns 0, or
 * -1 with a message in err.
 */
int
data_metrics(const char *buf, size_t len, struct metrics *m, char *err,
    size_t errlen)
{
	json_t	*root, *ov, *v;
	size_t	 i;

	memset(m, 0, sizeof(*m));
	m->active = m->blocked = m->tracked = m->failures = -1;
	if ((root = load(buf, len, err, errlen)) == NULL)
		return -1;
	if (!json_is_object(root)) {
		snprintf(err, errlen, "expected a JSON object");
		json_decref(root);
		return -1;
	}
	if ((ov = json_object_get(root, "overview")) != NULL &&
	    json_is_object(ov)) {
		m->active = count(ov, "active_agents");
		m->blocked = count(ov, "blocked");
		m->tracked = count(ov, "tracked");
		m->failures = count(ov, "failures");
	}
	if ((v = json_object_get(root, "overall")) != NULL &&
	    json_is_object(v))
		make_row(v, "repo_full_name", 0, &m->overall);
	if ((v = json_object_get(root, "window")) != NULL &&
	    json_is_string(v))
		m->window = data_clean(json_string_value(v),
		    json_string_length(v), 0);
	if ((v = json_object_get(root, "per_repo")) != NULL &&
	    json_is_array(v)) {
		json_t	*o;

		json_array_foreach(v, i, o) {
			if (!json_is_object(o))
				continue;
			if (m->per_repo.n == m->per_repo.cap) {
				m->per_repo.cap = m->per_repo.cap ?
				    m->per_repo.cap * 2 : 16;
				m->per_repo.rows = xrealloc(m->per_repo.rows,
				    m->per_repo.cap, sizeof(struct row));
			}
			make_row(o, "repo_full_name", m->per_repo.n,
			    &m->per_repo.rows[m->per_repo.n]);
			m->per_repo.n++;
		}
	}
	json_decref(root);
	return 0;
}

static json_t *
load(const char *buf, size_t len, char *err, size_t errlen)
{
	json_error_t	 jerr;
	json_t		*root;

	/* A text column may hold a NUL; data_clean() shows it as '?'. */
	if ((root = json_loadb(buf, len, JSON_ALLOW_NUL, &jerr)) == NULL) {
		snprintf(err, errlen, "bad JSON: %s", jerr.text);
		/* jansson quotes the bad bytes: keep the status line one line. */
		str_oneline(err);
	}
	return root;
}

/* A count of the overview: an integer, or -1. */
static long long
count(json_t *o, const char *key)
{
	json_t	*v;

	if ((v = json_object_get(o, key)) == NULL || !json_is_integer(v))
		return -1;
	return json_integer_value(v);
}

static void
make_row(json_t *o, const char *keys, size_t seq, struct row *r)
{
	const char	*k;
	json_t		*v;

	memset(r, 0, sizeof(*r));
	r->seq = seq;
	r->f = xcalloc(json_object_size(o) + 1, sizeof(*r->f));
	json_object_foreach(o, k, v)
		make_field(k, v, &r->f[r->nf++]);
	make_key(r, keys);
}

static void
make_field(const char *name, json_t *v, struct field *f)
{
	char	 buf[64], *s;

	memset(f, 0, sizeof(*f));
	f->name = data_clean(name, strlen(name), 0);
	switch (json_typeof(v)) {
	case JSON_NULL:
		f->type = FV_NULL;
		f->text = xstrdup("-");
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		f->type = FV_BOOL;
		f->num = json_is_true(v);
		f->text = xstrdup(json_is_true(v) ? "yes" : "no");
		break;
	case JSON_INTEGER:
		f->type = FV_INT;
		f->num = (double)json_integer_value(v);
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		f->text = xstrdup(buf);
		break;
	case JSON_REAL:
		f->type = FV_REAL;
		f->num = json_real_value(v);
		snprintf(buf, sizeof(buf), "%.15g", f->num);
		f->text = xstrdup(buf);
		break;
	case JSON_STRING:
		f->type = FV_TEXT;
		f->text = data_clean(json_string_value(v),
		    json_string_length(v), 1);
		f->is_time = data_time(f->text, &f->num) == 0;
		break;
	default:
		f->type = FV_OTHER;
		if ((s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)) ==
		    NULL)
			f->text = xstrdup("-");
		else {
			f->text = data_clean(s, strlen(s), 0);
			free(s);
		}
		break;
	}
}

/* The row's identity: the texts of the key fields, tab-separated. */
static void
make_key(struct row *r, const char *keys)
{
	const struct field	*f;
	const char		*p, *e;
	char			 name[64];
	size_t			 n = 0, len;

	for (p = keys; *p != '\0'; p = *e ? e + 1 : e) {
		e = p + strcspn(p, ",");
		len = (size_t)(e - p) < sizeof(name) ? (size_t)(e - p) :
		    sizeof(name) - 1;
		memcpy(name, p, len);
		name[len] = '\0';
		f = data_field(r, name);
		n += (f != NULL ? strlen(f->text) : 1) + 1;
	}
	r->key = xmalloc(n + 1);
	r->key[0] = '\0';
	for (p = keys; *p != '\0'; p = *e ? e + 1 : e) {
		e = p + strcspn(p, ",");
		len = (size_t)(e - p) < sizeof(name) ? (size_t)(e - p) :
		    sizeof(name) - 1;
		memcpy(name, p, len);
		name[len] = '\0';
		f = data_field(r, name);
		if (p != keys)
			strcat(r->key, "\t");
		strcat(r->key, f != NULL ? f->text : "-");
	}
}

/* The field called name, or NULL. */
const struct field *
data_field(const struct row *r, const char *name)
{
	size_t	 i;

	for (i = 0; i < r->nf; i++)
		if (strcmp(r->f[i].name, name) == 0)
			return &r->f[i];
	return NULL;
}

/* Is r blocked work of mx-prs: a blocked PR or an issue awaiting follow-up? */
int
data_blocked(const struct row *r)
{
	const struct field	*f;

	if ((f = data_field(r, "status")) == NULL || f->type != FV_TEXT)
		return 0;
	return strcmp(f->text, "blocked") == 0 ||
	    strcmp(f->text, "awaiting_issue_followup") == 0;
}

/* The number in field name, or def when it is absent or not a number. */
double
data_num(const struct row *r, const char *name, double def)
{
	const struct field	*f;

	if ((f = data_field(r, name)) == NULL ||
	    (f->type != FV_INT && f->type != FV_REAL))
		return def;
	return f->num;
}

void
data_free_row(struct row *r)
{
	size_t	 i;

	for (i = 0; i < r->nf; i++) {
		free(r->f[i].name);
		free(r->f[i].text);
	}
	free(r->f);
	free(r->key);
	memset(r, 0, sizeof(*r));
}

/* Make dst a deep copy of src; dst holds nothing before. */
void
data_copy_row(struct row *dst, const struct row *src)
{
	size_t	 i;

	dst->nf = src->nf;
	dst->seq = src->seq;
	dst->key = xstrdup(src->key != NULL ? src->key : "");
	dst->f = xcalloc(src->nf + 1, sizeof(*dst->f));
	for (i = 0; i < src->nf; i++) {
		dst->f[i] = src->f[i];
		dst->f[i].name = xstrdup(src->f[i].name);
		dst->f[i].text = xstrdup(src->f[i].text);
	}
}

void
data_free_table(struct table *t)
{
	size_t	 i;

	for (i = 0; i < t->n; i++)
		data_free_row(&t->rows[i]);
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

void
data_free_metrics(struct metrics *m)
{
	data_free_row(&m->overall);
	data_free_table(&m->per_repo);
	free(m->window);
	memset(m, 0, sizeof(*m));
	m->active = m->blocked = m->tracked = m->failures = -1;
}

/*
 * Return a copy of the len bytes at s that cannot move the cursor or
 * change colours: C0 and C1 controls, DEL, invisible and bidirectional
 * formatting characters and bytes of invalid UTF-8 become '?', a tab a
 * space; a newline stays when keepnl is set.  The caller frees it.
 */
char *
data_clean(const char *str, size_t len, int keepnl)
{
	const unsigned char	*s = (const unsigned char *)str;
	unsigned long		 c;
	char			*out;
	size_t			 i, k, n = 0;

	out = xmalloc(len + 1);
	for (i = 0; i < len; i += k) {
		if ((k = utf8_valid_prefix(s + i, len - i)) == 0) {
			out[n++] = '?';
			k = 1;
			continue;
		}
		if (k == 1) {
			if (s[i] == '\n' && keepnl)
				out[n++] = '\n';
			else if (s[i] == '\t')
				out[n++] = ' ';
			else if (s[i] < 0x20 || s[i] == 0x7f)
				out[n++] = '?';
			else
				out[n++] = (char)s[i];
			continue;
		}
		if (k == 2)
			c = ((s[i] & 0x1fUL) << 6) | (s[i + 1] & 0x3f);
		else if (k == 3)
			c = ((s[i] & 0x0fUL) << 12) |
			    ((s[i + 1] & 0x3fUL) << 6) | (s[i + 2] & 0x3f);
		else
			c = ((s[i] & 0x07UL) << 18) |
			    ((s[i + 1] & 0x3fUL) << 12) |
			    ((s[i + 2] & 0x3fUL) << 6) | (s[i + 3] & 0x3f);
		if (c == 0x2028 || c == 0x2029)
			out[n++] = keepnl ? '\n' : ' ';
		else if ((c >= 0x80 && c <= 0x9f) ||
		    (c >= 0x200b && c <= 0x200f) ||
		    (c >= 0x202a && c <= 0x202e) ||
		    (c >= 0x2060 && c <= 0x206f) || c == 0xfeff ||
		    (c >= 0xfff9 && c <= 0xfffb) ||
		    (c >= 0xe0000 && c <= 0xe007f))
			out[n++] = '?';
		else {
			memcpy(out + n, s + i, k);
			n += k;
		}
	}
	out[n] = '\0';
	return out;
}

static int
digits(const char **p, int n, int *v)
{
	int	 i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return 0;
}

/*
 * Read an ISO-8601 timestamp as MergeXO and SQLite write them
 * ("2026-02-24T12:34:56.789Z", "...+00:00", a space for the T, no zone
 * meaning UTC) into epoch seconds.  Returns 0, or -1 when s is none.
 */
int
data_time(const char *s, double *t)
{
	struct tm	 tm;
	const char	*p = s;
	int		 y, mo, d, h, mi, sec = 0, zh, zm, sign;
	double		 frac = 0, scale = 0.1;
	time_t		 e;

	if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) ||
	    *p++ != '-' || digits(&p, 2, &d) || (*p != 'T' && *p != ' '))
		return -1;
	p++;
	if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
		return -1;
	if (*p == ':') {
		p++;
		if (digits(&p, 2, &sec))
			return -1;
		if (*p == '.') {
			p++;
			if (*p < '0' || *p > '9')
				return -1;
			while (*p >= '0' && *p <= '9') {
				frac += (*p++ - '0') * scale;
				scale /= 10;
			}
		}
	}
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return -1;
	zh = zm = 0;
	sign = 1;
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if (digits(&p, 2, &zh))
			return -1;
		if (*p == ':')
			p++;
		if (digits(&p, 2, &zm) || zh > 23 || zm > 59)
			return -1;
	}
	if (*p != '\0')
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	e = timegm(&tm);
	*t = (double)e + frac - sign * (zh * 3600.0 + zm * 60.0);
	return 0;
}

/* Drop the zeros after a decimal point, and the point if nothing is left. */
static void
trim_zeros(char *buf, char unit)
{
	size_t	 n;

	n = strlen(buf);
	if (strchr(buf, '.') != NULL) {
		while (n > 0 && buf[n - 1] == '0')
			buf[--n] = '\0';
		if (n > 0 && buf[n - 1] == '.')
			buf[--n] = '\0';
	}
	buf[n++] = unit;
	buf[n] = '\0';
}

/*
 * Write seconds the way an operator reads them: "42s", "3.5m", "1.25h",
 * "2.5d"; "-" for no number.
 */
void
data_duration(double s, char *buf, size_t len)
{
	char	 tmp[32];
	double	 v;
	char	 unit;

	if (isnan(s)) {
		snprintf(buf, len, "-");
		return;
	}
	if (s < 0)
		s = 0;
	/* Each unit while its rounded value stays below the next one. */
	if (s < 60) {
		v = floor(s);
		unit = 's';
		snprintf(tmp, sizeof(tmp) - 1, "%.0f", v);
	} else if ((v = round(s / 6) / 10) < 60) {
		unit = 'm';
		snprintf(tmp, sizeof(tmp) - 1, "%.1f", v);
	} else if ((v = round(s / 36) / 100) < 24) {
		unit = 'h';
		snprintf(tmp, sizeof(tmp) - 1, "%.2f", v);
	} else if ((v = round(s / 864) / 100) < 99999) {
		unit = 'd';
		snprintf(tmp, sizeof(tmp) - 1, "%.2f", v);
	} else {
		snprintf(buf, len, ">99999d");
		return;
	}
	trim_zeros(tmp, unit);
	snprintf(buf, len, "%s", tmp);
}
