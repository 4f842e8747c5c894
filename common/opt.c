/*
 * mx: the options every command shares, parsed the same way everywhere.
 */

#include <err.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "mx.h"

const struct option mx_longopts[] = {
	{ "help",	no_argument,	NULL,	OPT_HELP },
	{ "version",	no_argument,	NULL,	OPT_VERSION },
	{ NULL,		0,		NULL,	0 }
};

/* The options being parsed, so that value errors can print the usage. */
static const struct mx_opts *cur;

/* Set by the C library on glibc, musl and the BSDs alike. */
extern char *__progname;

void
opt_init(struct mx_opts *o, const char *synopsis)
{
	memset(o, 0, sizeof(*o));
	o->synopsis = synopsis;
	o->limit = -1;
	o->refresh_seconds = 2;
	o->row_limit = 200;
	o->retention_days = 90;
	cur = o;
}

/*
 * Handle one of the common options; return 1 if ch was one, 0 if the
 * command must handle it.  --help and --version exit here.
 */
int
opt_common(struct mx_opts *o, int ch, const char *arg)
{
	switch (ch) {
	case 'c':
		o->config = arg;
		break;
	case 'd':
		o->dbflag = arg;
		break;
	case 'H':
		o->Hflag = 1;
		break;
	case 'j':
		o->jflag = 1;
		o->Jflag = 0;
		break;
	case 'J':
		o->Jflag = 1;
		o->jflag = 0;
		break;
	case 'n':
		o->limit = opt_number(arg, "-n", 1, LLONG_MAX);
		break;
	case 'o':
		o->fields = arg;
		break;
	case 'r':
		free(o->repo);
		o->repo = str_trim(arg);
		if (o->repo[0] == '\0') {
			free(o->repo);
			o->repo = NULL;
		}
		break;
	case OPT_HELP:
		printf("usage: %s\n", o->synopsis);
		if (fflush(stdout) == EOF || ferror(stdout))
			err(EX_IOERR, "stdout");
		exit(0);
	case OPT_VERSION:
		printf("%s (mx) %s\n", __progname, MX_VERSION);
		if (fflush(stdout) == EOF || ferror(stdout))
			err(EX_IOERR, "stdout");
		exit(0);
	default:
		return 0;
	}
	return 1;
}

/* Print the synopsis to stderr and exit 64. */
void
opt_usage(const struct mx_opts *o)
{
	fprintf(stderr, "usage: %s\n", o->synopsis);
	exit(EX_USAGE);
}

/*
 * Parse a decimal integer option value in [min, max]; a bad one gets one
 * line naming the option, then the usage, and exit 64.
 */
long long
opt_number(const char *s, const char *name, long long min, long long max)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (s[0] == '\0' || *end != '\0' || s[0] == ' ' || s[0] == '\t' ||
	    s[0] == '+')
		warnx("%s: %s: not a number", name, s);
	else if (errno == ERANGE || v > max)
		warnx("%s: %s: too large (at most %lld)", name, s, max);
	else if (v < min)
		warnx("%s: %s: too small (at least %lld)", name, s, min);
	else
		return v;
	if (cur != NULL)
		opt_usage(cur);
	exit(EX_USAGE);
}

/*
 * Set w from the -w window arg; without one, from the config's
 * observability_default_window, or 24h.  A bad window gets one line,
 * then the usage (exit 64).
 */
void
opt_window(const struct mx_opts *o, const char *arg, struct mx_window *w)
{
	if (arg == NULL)
		arg = o->default_window != NULL ? o->default_window : "24h";
	if (tm_window(arg, w) == -1) {
		warnx("-w: %s: bad window (use 1h, 24h, 7d, 30d, N[smhdw] "
		    "or all)", arg);
		opt_usage(o);
	}
}

void
opt_free(struct mx_opts *o)
{
	free(o->repo);
	free(o->dbpath);
	free(o->default_window);
	o->repo = o->dbpath = o->default_window = NULL;
}
