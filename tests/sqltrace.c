/*
 * sqltrace.so: an LD_PRELOAD shim for tests/injection.bats.  It appends
 * the text of every SQL statement a program hands to SQLite (prepared or
 * executed) to the file $MX_SQLTRACE, followed by a newline, then calls
 * the real function.  The test feeds marked values through every option
 * and checks that no mark ever reaches the SQL text: values travel as
 * bound parameters only.  Built by the test itself:
 *	cc -shared -fPIC -o sqltrace.so tests/sqltrace.c -ldl
 */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

typedef int	 prepare_fn(sqlite3 *, const char *, int, sqlite3_stmt **,
		    const char **);
typedef int	 prepare3_fn(sqlite3 *, const char *, int, unsigned int,
		    sqlite3_stmt **, const char **);
typedef int	 exec_fn(sqlite3 *, const char *,
		    int (*)(void *, int, char **, char **), void *, char **);

static void	 trace(const char *, int);
static void	 real(void *, const char *);

/* Append the first n bytes of sql (all of it when n < 0) to the trace. */
static void
trace(const char *sql, int n)
{
	const char	*path;
	size_t		 len;
	int		 fd;

	if ((path = getenv("MX_SQLTRACE")) == NULL || sql == NULL)
		return;
	len = n < 0 ? strlen(sql) : strnlen(sql, (size_t)n);
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0600)) == -1)
		return;
	if (write(fd, sql, len) == (ssize_t)len)
		(void)!write(fd, "\n", 1);
	close(fd);
}

/*
 * Store in *fp the function name of the next object, libsqlite3; abort
 * without it.  Copied as bytes, as POSIX allows: ISO C has no cast from
 * an object pointer to a function pointer.
 */
static void
real(void *fp, const char *name)
{
	void	*f;

	if ((f = dlsym(RTLD_NEXT, name)) == NULL)
		abort();
	memcpy(fp, &f, sizeof(f));
}

int
sqlite3_prepare(sqlite3 *db, const char *sql, int n, sqlite3_stmt **st,
    const char **tail)
{
	prepare_fn	*f;

	real(&f, "sqlite3_prepare");
	trace(sql, n);
	return f(db, sql, n, st, tail);
}

int
sqlite3_prepare_v2(sqlite3 *db, const char *sql, int n, sqlite3_stmt **st,
    const char **tail)
{
	prepare_fn	*f;

	real(&f, "sqlite3_prepare_v2");
	trace(sql, n);
	return f(db, sql, n, st, tail);
}

int
sqlite3_prepare_v3(sqlite3 *db, const char *sql, int n, unsigned int flags,
    sqlite3_stmt **st, const char **tail)
{
	prepare3_fn	*f;

	real(&f, "sqlite3_prepare_v3");
	trace(sql, n);
	return f(db, sql, n, flags, st, tail);
}

int
sqlite3_exec(sqlite3 *db, const char *sql,
    int (*cb)(void *, int, char **, char **), void *arg, char **errmsg)
{
	exec_fn	*f;

	real(&f, "sqlite3_exec");
	trace(sql, -1);
	return f(db, sql, cb, arg, errmsg);
}
