/*
 * mx: finding the database and reading the mergexo.toml subset we use.
 *
 * The reader understands enough TOML to walk any mergexo.toml safely:
 * tables, arrays of tables, dotted and quoted keys, basic, literal and
 * multi-line strings, numbers, booleans, dates, arrays and inline tables.
 * It keeps only five keys of the [runtime] table.
 */

#include <sys/stat.h>

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "mx.h"

#define DEFAULT_BASE	"~/.local/share/mergexo"
#define CFG_MAX		(4 * 1024 * 1024)

struct tparse {
	const char	*p, *end;
	int		 line;
	char		*err;
	size_t		 errlen;
};

/* A parsed scalar value. */
struct tval {
	int		 kind;		/* 's' string, 'i' int, 'f' float, 'o' other */
	char		*s;
	long long	 i;
	double		 f;
};

static int	 t_fail(struct tparse *, const char *);
static void	 t_skip_ws(struct tparse *);
static int	 t_skip_ws_nl(struct tparse *);
static int	 t_key(struct tparse *, char *, size_t);
static int	 t_value(struct tparse *, struct tval *, int);
static int	 t_string(struct tparse *, struct tval *);
static int	 t_eol(struct tparse *);

static int
t_fail(struct tparse *t, const char *msg)
{
	snprintf(t->err, t->errlen, "line %d: %s", t->line, msg);
	return -1;
}

static void
t_skip_ws(struct tparse *t)
{
	while (t->p < t->end && (*t->p == ' ' || *t->p == '\t'))
		t->p++;
}

/* Skip blanks, newlines and comments (inside arrays); -1 on a bad byte. */
static int
t_skip_ws_nl(struct tparse *t)
{
	for (;;) {
		t_skip_ws(t);
		if (t->p >= t->end)
			return 0;
		if (*t->p == '#') {
			while (t->p < t->end && *t->p != '\n')
				t->p++;
		} else if (*t->p == '\r' && t->p + 1 < t->end &&
		    t->p[1] == '\n') {
			t->p++;
		} else if (*t->p == '\n') {
			t->p++;
			t->line++;
		} else
			return 0;
	}
}

/* After a value: blanks, an optional comment, then a newline or the end. */
static int
t_eol(struct tparse *t)
{
	t_skip_ws(t);
	if (t->p < t->end && *t->p == '#')
		while (t->p < t->end && *t->p != '\n')
			t->p++;
	if (t->p < t->end && *t->p == '\r')
		t->p++;
	if (t->p >= t->end)
		return 0;
	if (*t->p != '\n')
		return t_fail(t, "expected the end of the line");
	t->p++;
	t->line++;
	return 0;
}

static void
put_utf8(char *buf, size_t *n, unsigned long c)
{
	if (c < 0x80)
		buf[(*n)++] = (char)c;
	else if (c < 0x800) {
		buf[(*n)++] = (char)(0xc0 | (c >> 6));
		buf[(*n)++] = (char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		buf[(*n)++] = (char)(0xe0 | (c >> 12));
		buf[(*n)++] = (char)(0x80 | ((c >> 6) & 0x3f));
		buf[(*n)++] = (char)(0x80 | (c & 0x3f));
	} else {
		buf[(*n)++] = (char)(0xf0 | (c >> 18));
		buf[(*n)++] = (char)(0x80 | ((c >> 12) & 0x3f));
		buf[(*n)++] = (char)(0x80 | ((c >> 6) & 0x3f));
		buf[(*n)++] = (char)(0x80 | (c & 0x3f));
	}
}

/* A basic, literal or multi-line string at t->p; v->s is allocated. */
static int
t_string(struct tparse *t, struct tval *v)
{
	char		 q, *buf;
	size_t		 n = 0, cap;
	int		 multi = 0, i, len;
	unsigned long	 c;

	q = *t->p;
	if (t->end - t->p >= 3 && t->p[1] == q && t->p[2] == q) {
		multi = 1;
		t->p += 3;
		if (t->p < t->end && *t->p == '\n') {
			t->p++;
			t->line++;
		} else if (t->end - t->p >= 2 && t->p[0] == '\r' &&
		    t->p[1] == '\n') {
			t->p += 2;
			t->line++;
		}
	} else
		t->p++;
	cap = (size_t)(t->end - t->p) + 1;
	buf = xmalloc(cap);
	for (;;) {
		if (t->p >= t->end) {
			free(buf);
			return t_fail(t, "unterminated string");
		}
		if (*t->p == q) {
			if (!multi) {
				t->p++;
				break;
			}
			if (t->end - t->p >= 3 && t->p[1] == q && t->p[2] == q) {
				t->p += 3;
				/* Up to two more quotes belong to the string. */
				for (i = 0; i < 2 && t->p < t->end &&
				    *t->p == q; i++)
					buf[n++] = *t->p++;
				break;
			}
			buf[n++] = *t->p++;
			continue;
		}
		if (*t->p == '\n') {
			if (!multi) {
				free(buf);
				return t_fail(t, "newline in a string");
			}
			t->line++;
			buf[n++] = *t->p++;
			continue;
		}
		if (*t->p != '\\' || q == '\'') {
			buf[n++] = *t->p++;
			continue;
		}
		t->p++;
		if (t->p >= t->end)
			continue;
		switch (*t->p) {
		case 'b': buf[n++] = '\b'; break;
		case 't': buf[n++] = '\t'; break;
		case 'n': buf[n++] = '\n'; break;
		case 'f': buf[n++] = '\f'; break;
		case 'r': buf[n++] = '\r'; break;
		case 'e': buf[n++] = 0x1b; break;
		case '"': buf[n++] = '"'; break;
		case '\\': buf[n++] = '\\'; break;
		case 'u':
		case 'U':
			len = *t->p == 'u' ? 4 : 8;
			c = 0;
			for (i = 1; i <= len; i++) {
				if (t->p + i >= t->end ||
				    !isxdigit((unsigned char)t->p[i])) {
					free(buf);
					return t_fail(t, "bad \\u escape");
				}
				c = c * 16 + (unsigned long)(isdigit(
				    (unsigned char)t->p[i]) ? t->p[i] - '0' :
				    (tolower((unsigned char)t->p[i]) - 'a' + 10));
			}
			if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) ||
			    c == 0) {
				free(buf);
				return t_fail(t, "bad \\u escape");
			}
			/* An escape is never longer than what it encodes. */
			put_utf8(buf, &n, c);
			t->p += len;
			break;
		default:
			if (multi && (*t->p == '\n' || *t->p == ' ' ||
			    *t->p == '\t' || *t->p == '\r')) {
				/* Line-ending backslash: trim the white space. */
				while (t->p < t->end && isspace(
				    (unsigned char)*t->p)) {
					if (*t->p == '\n')
						t->line++;
					t->p++;
				}
				continue;
			}
			free(buf);
			return t_fail(t, "bad escape in a string");
		}
		t->p++;
	}
	buf[n] = '\0';
	if (v != NULL) {
		v->kind = 's';
		v->s = buf;
	} else
		free(buf);
	return 0;
}

/*
 * One value.  Arrays and inline tables are walked and dropped; depth
 * bounds the nesting so a hostile file cannot exhaust the stack.
 */
static int
t_value(struct tparse *t, struct tval *v, int depth)
{
	const char	*s;
	char		 num[64], *end;
	size_t		 n, k;
	struct tval	 tmp;
	char		 key[256];

	memset(v, 0, sizeof(*v));
	v->kind = 'o';
	if (depth > 64)
		return t_fail(t, "nested too deeply");
	if (t->p >= t->end)
		return t_fail(t, "missing value");
	if (*t->p == '"' || *t->p == '\'')
		return t_string(t, v);
	if (*t->p == '[') {
		t->p++;
		for (;;) {
			if (t_skip_ws_nl(t) == -1)
				return -1;
			if (t->p >= t->end)
				return t_fail(t, "unterminated array");
			if (*t->p == ']') {
				t->p++;
				return 0;
			}
			if (t_value(t, &tmp, depth + 1) == -1)
				return -1;
			free(tmp.s);
			if (t_skip_ws_nl(t) == -1)
				return -1;
			if (t->p < t->end && *t->p == ',')
				t->p++;
			else if (t->p < t->end && *t->p != ']')
				return t_fail(t, "expected , or ] in an array");
		}
	}
	if (*t->p == '{') {
		t->p++;
		for (;;) {
			t_skip_ws(t);
			if (t->p >= t->end)
				return t_fail(t, "unterminated inline table");
			if (*t->p == '}') {
				t->p++;
				return 0;
			}
			if (t_key(t, key, sizeof(key)) == -1)
				return -1;
			t_skip_ws(t);
			if (t->p >= t->end || *t->p != '=')
				return t_fail(t, "expected = in an inline table");
			t->p++;
			t_skip_ws(t);
			if (t_value(t, &tmp, depth + 1) == -1)
				return -1;
			free(tmp.s);
			t_skip_ws(t);
			if (t->p < t->end && *t->p == ',')
				t->p++;
			else if (t->p < t->end && *t->p != '}')
				return t_fail(t, "expected , or } in an inline table");
		}
	}
	/* A bare token: number, boolean or date and time. */
	s = t->p;
	while (t->p < t->end && (isalnum((unsigned char)*t->p) ||
	    strchr("+-_.:", *t->p) != NULL ||
	    (*t->p == ' ' && t->p > s && isdigit((unsigned char)t->p[-1]) &&
	    t->p + 1 < t->end && isdigit((unsigned char)t->p[1]))))
		t->p++;
	n = (size_t)(t->p - s);
	if (n == 0)
		return t_fail(t, "bad value");
	if ((n == 4 && memcmp(s, "true", 4) == 0) ||
	    (n == 5 && memcmp(s, "false", 5) == 0))
		return 0;
	if (n >= sizeof(num))
		return 0;
	for (k = 0, end = num; k < n; k++)
		if (s[k] != '_')
			*end++ = s[k];
	*end = '\0';
	if (strspn(num, "+-0123456789") == strlen(num) && num[0] != '\0') {
		errno = 0;
		v->i = strtoll(num, &end, 10);
		if (*end == '\0' && errno == 0) {
			v->kind = 'i';
			v->f = (double)v->i;
		}
		return 0;
	}
	if (strspn(num, "+-0123456789.eE") == strlen(num)) {
		v->f = strtod(num, &end);
		if (*end == '\0' && isfinite(v->f))
			v->kind = 'f';
	}
	return 0;
}

/* A possibly dotted, possibly quoted key, joined with dots into buf. */
static int
t_key(struct tparse *t, char *buf, size_t len)
{
	struct tval	 v;
	size_t		 n = 0, k;
	const char	*s;

	for (;;) {
		t_skip_ws(t);
		if (t->p >= t->end)
			return t_fail(t, "missing key");
		if (*t->p == '"' || *t->p == '\'') {
			if (t_string(t, &v) == -1)
				return -1;
			k = strlen(v.s);
			if (n + k + 1 < len) {
				memcpy(buf + n, v.s, k);
				n += k;
			}
			free(v.s);
		} else {
			s = t->p;
			while (t->p < t->end && (isalnum((unsigned char)*t->p) ||
			    *t->p == '_' || *t->p == '-'))
				t->p++;
			if (t->p == s)
				return t_fail(t, "bad key");
			k = (size_t)(t->p - s);
			if (n + k + 1 < len) {
				memcpy(buf + n, s, k);
				n += k;
			}
		}
		t_skip_ws(t);
		if (t->p < t->end && *t->p == '.') {
			t->p++;
			if (n + 2 < len)
				buf[n++] = '.';
			continue;
		}
		buf[n] = '\0';
		return 0;
	}
}

static int
set_key(struct tparse *t, const char *key, struct tval *v, struct mx_opts *o)
{
	if (strcmp(key, "base_dir") == 0) {
		if (v->kind != 's')
			return t_fail(t, "base_dir: expected a string");
		free(o->dbpath);
		o->dbpath = v->s;
		v->s = NULL;
	} else if (strcmp(key, "observability_refresh_seconds") == 0) {
		if ((v->kind != 'i' && v->kind != 'f') || !(v->f > 0) ||
		    v->f > 86400)
			return t_fail(t, "observability_refresh_seconds: "
			    "expected a number of seconds from 0 to 86400");
		o->refresh_seconds = v->f;
	} else if (strcmp(key, "observability_default_window") == 0) {
		if (v->kind != 's')
			return t_fail(t, "observability_default_window: "
			    "expected a string");
		free(o->default_window);
		o->default_window = v->s;
		v->s = NULL;
	} else if (strcmp(key, "observability_row_limit") == 0) {
		if (v->kind != 'i' || v->i < 1)
			return t_fail(t, "observability_row_limit: "
			    "expected a positive integer");
		o->row_limit = v->i;
	} else if (strcmp(key, "observability_history_retention_days") == 0) {
		if (v->kind != 'i' || v->i < 1 || v->i > 36500)
			return t_fail(t, "observability_history_retention_days: "
			    "expected an integer from 1 to 36500");
		o->retention_days = v->i;
	}
	return 0;
}

/*
 * Parse a mergexo.toml held in buf.  base_dir (unexpanded) goes to
 * o->dbpath, the observability keys to their fields.  Returns 0, or -1
 * with a message in err.
 */
int
cfg_parse(const char *buf, size_t len, const char *path, struct mx_opts *o,
    char *err, size_t errlen)
{
	struct tparse	 t;
	struct tval	 v;
	char		 table[256], key[256], full[520];
	int		 aot;

	(void)path;
	memset(&t, 0, sizeof(t));
	t.p = buf;
	t.end = buf + len;
	t.line = 1;
	t.err = err;
	t.errlen = errlen;
	table[0] = '\0';
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		t.p += 3;
	if (memchr(buf, '\0', len) != NULL)
		return t_fail(&t, "NUL byte in the file");
	for (;;) {
		if (t_skip_ws_nl(&t) == -1)
			return -1;
		if (t.p >= t.end)
			return 0;
		if (*t.p == '[') {
			t.p++;
			aot = 0;
			if (t.p < t.end && *t.p == '[') {
				aot = 1;
				t.p++;
			}
			if (t_key(&t, table, sizeof(table) - 2) == -1)
				return -1;
			if (t.p >= t.end || *t.p != ']')
				return t_fail(&t, "expected ] after a table name");
			t.p++;
			if (aot) {
				if (t.p >= t.end || *t.p != ']')
					return t_fail(&t, "expected ]]");
				t.p++;
				/* Arrays of tables are never [runtime]. */
				strcat(table, "[]");
			}
			if (t_eol(&t) == -1)
				return -1;
			continue;
		}
		if (t_key(&t, key, sizeof(key)) == -1)
			return -1;
		t_skip_ws(&t);
		if (t.p >= t.end || *t.p != '=')
			return t_fail(&t, "expected = after a key");
		t.p++;
		t_skip_ws(&t);
		if (t_value(&t, &v, 0) == -1)
			return -1;
		snprintf(full, sizeof(full), "%s%s%s", table,
		    table[0] != '\0' ? "." : "", key);
		if (strncmp(full, "runtime.", 8) == 0 &&
		    strchr(full + 8, '.') == NULL &&
		    set_key(&t, full + 8, &v, o) == -1) {
			free(v.s);
			return -1;
		}
		free(v.s);
		if (t_eol(&t) == -1)
			return -1;
	}
}

/* Expand a leading ~ or ~/ to $HOME; the caller frees the result. */
char *
cfg_expand_home(const char *p)
{
	const char	*home;
	char		*r;
	size_t		 n;

	if (p[0] != '~' || (p[1] != '\0' && p[1] != '/'))
		return xstrdup(p);
	if ((home = getenv("HOME")) == NULL || home[0] == '\0')
		errx(EX_USAGE, "%s: HOME is not set", p);
	n = strlen(home) + strlen(p) + 1;
	r = xmalloc(n);
	snprintf(r, n, "%s%s", home, p + 1);
	return r;
}

static void
read_config(const char *path, struct mx_opts *o)
{
	FILE		*fp;
	char		*buf, msg[256];
	size_t		 n;

	if ((fp = fopen(path, "r")) == NULL)
		err(EX_NOINPUT, "%s", path);
	buf = xmalloc(CFG_MAX + 1);
	n = fread(buf, 1, CFG_MAX + 1, fp);
	if (ferror(fp))
		err(EX_NOINPUT, "%s", path);
	fclose(fp);
	if (n > CFG_MAX)
		errx(EX_DATAERR, "%s: larger than %d bytes", path, CFG_MAX);
	if (cfg_parse(buf, n, path, o, msg, sizeof(msg)) == -1)
		errx(EX_DATAERR, "%s: %s", path, msg);
	free(buf);
	o->have_config = 1;
}

/*
 * Read the config (-c, else ./mergexo.toml if present) for its defaults
 * and settle o->dbpath: -d, $MX_DB, the config's base_dir, the default
 * base dir.  Exits 66 on a named config file that cannot be read, 65 on
 * one that does not parse.
 */
void
cfg_load(struct mx_opts *o)
{
	struct stat	 st;
	const char	*env, *cfg = o->config;
	char		*base, *path;
	size_t		 n;

	if (cfg == NULL && stat("mergexo.toml", &st) == 0)
		cfg = "mergexo.toml";
	if (cfg != NULL)
		read_config(cfg, o);
	base = o->dbpath;
	o->dbpath = NULL;
	if (o->dbflag != NULL)
		o->dbpath = xstrdup(o->dbflag);
	else if ((env = getenv("MX_DB")) != NULL && env[0] != '\0')
		o->dbpath = xstrdup(env);
	else {
		path = cfg_expand_home(base != NULL && base[0] != '\0' ?
		    base : DEFAULT_BASE);
		n = strlen(path) + sizeof("/state.db");
		o->dbpath = xmalloc(n);
		snprintf(o->dbpath, n, "%s%s", path,
		    path[0] != '\0' && path[strlen(path) - 1] == '/' ?
		    "state.db" : "/state.db");
		free(path);
	}
	free(base);
}
