/*
 * mx: allocation helpers that exit 70 on failure, and small text helpers.
 */

#include <ctype.h>
#include <err.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "mx.h"

void *
xmalloc(size_t n)
{
	void	*p;

	if ((p = malloc(n ? n : 1)) == NULL)
		err(EX_SOFTWARE, NULL);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n ? n : 1, size ? size : 1)) == NULL)
		err(EX_SOFTWARE, NULL);
	return p;
}

void *
xrealloc(void *p, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		errx(EX_SOFTWARE, "allocation too large");
	if ((p = realloc(p, n * size > 0 ? n * size : 1)) == NULL)
		err(EX_SOFTWARE, NULL);
	return p;
}

char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		err(EX_SOFTWARE, NULL);
	return p;
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p;

	p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/*
 * Return a copy of s without leading and trailing ASCII white space, as
 * Python's str.strip() treats a repo filter; the caller frees it.
 */
char *
str_trim(const char *s)
{
	size_t	 n;

	while (*s != '\0' && isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	return xstrndup(s, n);
}

/*
 * Return the length of the longest valid UTF-8 sequence at the start of
 * s: a full character count of bytes, or 0 when s[0] starts no valid
 * character (overlong forms, surrogates and values past U+10FFFF are not
 * valid).
 */
size_t
utf8_valid_prefix(const unsigned char *s, size_t n)
{
	unsigned int	 c;
	size_t		 len, i;

	if (n == 0)
		return 0;
	c = s[0];
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if (len == 3) {
		c = ((c & 0x0f) << 12) | ((s[1] & 0x3f) << 6) | (s[2] & 0x3f);
		if (c < 0x800 || (c >= 0xd800 && c <= 0xdfff))
			return 0;
	} else if (len == 4) {
		c = ((c & 0x07) << 18) | ((s[1] & 0x3f) << 12) |
		    ((s[2] & 0x3f) << 6) | (s[3] & 0x3f);
		if (c < 0x10000 || c > 0x10ffff)
			return 0;
	}
	return len;
}

/*
 * Make the text s fit for a one-line message, in place: control
 * characters (a newline, an escape sequence's ESC) become '?'.  For
 * messages that quote user input or another library's text.  Returns s.
 */
char *
str_oneline(char *s)
{
	char	*p;

	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return s;
}
