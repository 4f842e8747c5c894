/*
 * Fuzz target: out_tsv_text(), TSV escaping of arbitrary bytes.  The
 * field it writes holds no raw tab, newline or carriage return, every
 * backslash starts one of \\ \t \n \r, and unescaping gives back the
 * input exactly.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mx.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE	*fp;
	char	*buf = NULL, *back;
	size_t	 len = 0, i, n = 0;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		abort();
	out_tsv_text(fp, (const char *)data, size);
	FUZZ_CHECK(fclose(fp) == 0);

	FUZZ_CHECK(memchr(buf, '\t', len) == NULL);
	FUZZ_CHECK(memchr(buf, '\n', len) == NULL);
	FUZZ_CHECK(memchr(buf, '\r', len) == NULL);
	if ((back = malloc(len + 1)) == NULL)
		abort();
	for (i = 0; i < len; i++) {
		if (buf[i] != '\\') {
			back[n++] = buf[i];
			continue;
		}
		FUZZ_CHECK(i + 1 < len);
		switch (buf[++i]) {
		case '\\': back[n++] = '\\'; break;
		case 't': back[n++] = '\t'; break;
		case 'n': back[n++] = '\n'; break;
		case 'r': back[n++] = '\r'; break;
		default: FUZZ_CHECK(!"a bad escape");
		}
	}
	FUZZ_CHECK(n == size);
	FUZZ_CHECK(size == 0 || memcmp(back, data, size) == 0);
	free(back);
	free(buf);
	return 0;
}
