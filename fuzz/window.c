/*
 * Fuzz target: tm_window(), the -w window and -a age parser.  Every
 * window it accepts must give an SQLite date modifier that SQLite takes
 * and that moves 'now' back by exactly the window's seconds; a window it
 * takes is the whole input, at most 100 years.
 */

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mx.h"
#include "fuzz.h"

static sqlite3		*db;
static sqlite3_stmt	*st;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT (julianday('now') - "
	    "julianday(strftime('" MX_TSFMT "', 'now', ?1))) * 86400.0",
	    -1, &st, NULL) != SQLITE_OK)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mx_window	 w;
	char			*s;
	double			 secs;

	s = fuzz_cstr(data, size);
	if (tm_window(s, &w) == 0) {
		FUZZ_CHECK(strcmp(w.text, s) == 0);
		if (strcmp(s, "all") == 0) {
			FUZZ_CHECK(w.seconds == -1 && w.modifier[0] == '\0');
		} else {
			FUZZ_CHECK(w.seconds > 0);
			FUZZ_CHECK(w.seconds <= 100LL * 366 * 86400);
			sqlite3_reset(st);
			sqlite3_bind_text(st, 1, w.modifier, -1,
			    SQLITE_STATIC);
			FUZZ_CHECK(sqlite3_step(st) == SQLITE_ROW);
			FUZZ_CHECK(sqlite3_column_type(st, 0) != SQLITE_NULL);
			secs = sqlite3_column_double(st, 0);
			/* 'now' is one instant; julianday() keeps the ms. */
			FUZZ_CHECK(fabs(secs - (double)w.seconds) < 0.01);
		}
	}
	free(s);
	return 0;
}
