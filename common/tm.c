/*
 * mx: time windows and ages.
 */

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "mx.h"

/* The longest window or age we take: 100 years, in seconds. */
#define WINDOW_MAX	(100LL * 366 * 86400)

/*
 * Parse a window or age: "all", or N followed by s, m, h, d or w ("1h",
 * "24h", "7d", "30d" are the usual ones).  Fill w with the SQLite date
 * modifier that moves 'now' back by it.  Returns 0, or -1 when s is not
 * a window.
 */
int
tm_window(const char *s, struct mx_window *w)
{
	const char	*unit;
	char		*end;
	long long	 n, mult;

	memset(w, 0, sizeof(*w));
	if (strlen(s) >= sizeof(w->text))
		return -1;
	if (strcmp(s, "all") == 0) {
		strcpy(w->text, s);
		w->seconds = -1;
		return 0;
	}
	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || end[0] == '\0' || end[1] != '\0' || n <= 0)
		return -1;
	switch (end[0]) {
	case 's':
		mult = 1;
		unit = "seconds";
		break;
	case 'm':
		mult = 60;
		unit = "minutes";
		break;
	case 'h':
		mult = 3600;
		unit = "hours";
		break;
	case 'd':
		mult = 86400;
		unit = "days";
		break;
	case 'w':
		mult = 7 * 86400;
		unit = "days";
		break;
	default:
		return -1;
	}
	if (n > WINDOW_MAX / mult)
		return -1;
	strcpy(w->text, s);
	w->seconds = n * mult;
	snprintf(w->modifier, sizeof(w->modifier), "-%lld %s",
	    end[0] == 'w' ? n * 7 : n, unit);
	return 0;
}

/* Write the current UTC time as MergeXO's timestamps look. */
void
tm_now(char *buf, size_t len)
{
	struct timeval	 tv;
	struct tm	 tm;
	char		 tmp[32];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03ldZ", tmp, (long)(tv.tv_usec / 1000));
}
