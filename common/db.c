/*
 * mx: opening state.db and asking it what it holds.
 */

#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "mx.h"

#define BUSY_MS		5000

/* SQLite's lock bytes on Unix (os_unix.c): the SHARED range. */
#define SHARED_FIRST	(0x40000000 + 2)
#define SHARED_SIZE	510

static const char	*dbfile = "state.db";
static int		 lockfd = -1;	/* our own read lock, see wal_idle() */
static struct timespec	 busy_since;	/* start of the current busy wait */
static struct stat	 opened;	/* the file as db_open() found it */

/* The database path, for messages. */
const char *
db_file(void)
{
	return dbfile;
}

/* Map an SQLite result code to our exit status. */
int
db_status(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return EX_TEMPFAIL;
	case SQLITE_NOTADB:
	case SQLITE_CANTOPEN:
	case SQLITE_AUTH:
	case SQLITE_PERM:
		return EX_NOINPUT;
	case SQLITE_CORRUPT:
	case SQLITE_MISMATCH:
	case SQLITE_FORMAT:
		return EX_DATAERR;
	case SQLITE_READONLY:
		return EX_NOINPUT;
	case SQLITE_IOERR:
	case SQLITE_FULL:
		return EX_IOERR;
	default:
		return EX_SOFTWARE;
	}
}

/* Return 1 if the database file changed since db_open() saw it. */
static int
changed(void)
{
	struct stat	 st;

	if (stat(dbfile, &st) == -1)
		return 1;
	return st.st_size != opened.st_size ||
	    st.st_mtim.tv_sec != opened.st_mtim.tv_sec ||
	    st.st_mtim.tv_nsec != opened.st_mtim.tv_nsec;
}

/* Warn with SQLite's message for db and return our exit status. */
int
db_error(sqlite3 *db)
{
	int	 rc = sqlite3_extended_errcode(db);

	/*
	 * Read as immutable (a read-only folder), a page a writer's
	 * checkpoint rewrote under us looks corrupt: say so, and 75, as
	 * the next try reads a consistent file.
	 */
	if (lockfd != -1 && (rc & 0xff) == SQLITE_CORRUPT && changed()) {
		warnx("%s: changed by a writer while read from a read-only "
		    "folder; try again", dbfile);
		return EX_TEMPFAIL;
	}
	warnx("%s: %s", dbfile, sqlite3_errmsg(db));
	return db_status(rc);
}

/* Run sql, statements without rows; 0, or db_error()'s status. */
int
db_exec(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_error(db);
	return 0;
}

/*
 * Step st, a query of one number such as a count, put the number in
 * *n and finalize st.  Returns 0, or db_error()'s status.
 */
int
db_count(sqlite3 *db, sqlite3_stmt *st, long long *n)
{
	int	 rc;

	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		rc = db_error(db);
		sqlite3_finalize(st);
		return rc;
	}
	*n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}

/*
 * End a statement whose step loop returned rc: finalize st and return
 * 0, or, unless rc is SQLITE_DONE, warn and return db_error()'s status.
 */
int
db_done(sqlite3 *db, sqlite3_stmt *st, int rc)
{
	int	 status = 0;

	if (rc != SQLITE_DONE)
		status = db_error(db);
	sqlite3_finalize(st);
	return status;
}

/*
 * Return 1 if path is a WAL-mode database that no connection has open:
 * its header says WAL and there is no -wal file.
 */
static int
wal_idle(const char *path)
{
	struct stat	 st;
	unsigned char	 hdr[20];
	char		 wal[4096];
	int		 fd;
	ssize_t		 n;

	if ((fd = open(path, O_RDONLY)) == -1)
		return 0;
	n = read(fd, hdr, sizeof(hdr));
	close(fd);
	if (n != (ssize_t)sizeof(hdr) ||
	    memcmp(hdr, "SQLite format 3", 16) != 0 ||
	    hdr[18] != 2 || hdr[19] != 2)
		return 0;
	if ((size_t)snprintf(wal, sizeof(wal), "%s-wal", path) >= sizeof(wal))
		return 0;
	return stat(wal, &st) == -1 && errno == ENOENT;
}

/*
 * The busy handler: retry after a short random sleep until BUSY_MS have
 * passed since the first retry of this wait.  SQLite's own handler
 * backs off to 100 ms sleeps, and under a stream of short write
 * transactions a writer that sleeps that long keeps losing the lock to
 * others: in the soak test it waited seconds while others took
 * milliseconds.  Short random sleeps keep every waiter in the race.
 */
static int
busy_wait(void *arg, int count)
{
	struct timespec	*since = arg, now, ts;
	long long	 ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (count == 0)
		*since = now;
	ms = (now.tv_sec - since->tv_sec) * 1000LL +
	    (now.tv_nsec - since->tv_nsec) / 1000000;
	if (ms >= BUSY_MS)
		return 0;
	ts.tv_sec = 0;
	ts.tv_nsec = (1 + (now.tv_nsec / 1000) % 4) * 1000000L;
	nanosleep(&ts, NULL);
	return 1;
}

/* Return 1 if we may create files in the folder of path. */
static int
dir_writable(const char *path)
{
	char	 buf[4096], *slash;

	if ((size_t)snprintf(buf, sizeof(buf), "%s", path) >= sizeof(buf))
		return 1;
	if ((slash = strrchr(buf, '/')) == NULL)
		snprintf(buf, sizeof(buf), ".");
	else if (slash == buf)
		buf[1] = '\0';
	else
		*slash = '\0';
	return access(buf, W_OK) == 0;
}

/*
 * Return 1 if path has a -wal file but no -shm, and its folder is not
 * writable: SQLite cannot build the WAL index, so it cannot be read.
 */
static int
stranded_wal(const char *path)
{
	struct stat	 st;
	char		 buf[4096];

	if ((size_t)snprintf(buf, sizeof(buf), "%s-wal", path) >= sizeof(buf) ||
	    stat(buf, &st) == -1)
		return 0;
	snprintf(buf, sizeof(buf), "%s-shm", path);
	if (stat(buf, &st) == 0)
		return 0;
	return !dir_writable(path);
}

/*
 * Hold a read lock on the SHARED range of path, as an SQLite reader
 * does, so that no connection can take the EXCLUSIVE lock that a
 * checkpoint-on-close needs while we read; waits up to the busy
 * timeout.  Returns 0; -2 when a writer kept the file locked past the
 * timeout; -1 when the lock cannot be had for another reason.
 */
static int
hold_shared(const char *path)
{
	struct flock	 fl;
	struct timespec	 ts = { 0, 10 * 1000 * 1000 };
	int		 i;

	if ((lockfd = open(path, O_RDONLY)) == -1)
		return -1;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_RDLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = SHARED_FIRST;
	fl.l_len = SHARED_SIZE;
	for (i = 0; i < BUSY_MS / 10; i++) {
		if (fcntl(lockfd, F_SETLK, &fl) == 0)
			return 0;
		if (errno != EACCES && errno != EAGAIN)
			break;
		nanosleep(&ts, NULL);
	}
	close(lockfd);
	lockfd = -1;
	/* A writer held its exclusive lock all along: SQLite would wait too. */
	return i == BUSY_MS / 10 ? -2 : -1;
}

/* path as an SQLite URI opening it immutable; the caller frees it. */
static char *
immutable_uri(const char *path)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p;
	char			*uri, *q;

	uri = xmalloc(strlen(path) * 3 + sizeof("file:?immutable=1"));
	q = uri + sprintf(uri, "file:");
	for (p = (const unsigned char *)path; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/-._~", *p) != NULL)
			*q++ = (char)*p;
		else {
			*q++ = '%';
			*q++ = hex[*p >> 4];
			*q++ = hex[*p & 15];
		}
	}
	strcpy(q, "?immutable=1");
	return uri;
}

/*
 * Open the database o names (cfg_load() is run first if needed):
 * read-only for DB_RDONLY, read-write for DB_RDWR; never create it.
 * Exits 66 when it is missing, unreadable or not SQLite, 75 when it
 * stays locked past the busy timeout, 65 when it is corrupt.
 */
sqlite3 *
db_open(const struct mx_opts *o, int mode)
{
	struct stat	 st;
	sqlite3		*db = NULL;
	sqlite3_stmt	*st1 = NULL;
	char		*uri;
	int		 rc, flags, status, held;

	if (o->dbpath == NULL)
		cfg_load((struct mx_opts *)o);
	dbfile = o->dbpath;
	if (stat(dbfile, &st) == -1)
		err(EX_NOINPUT, "%s", dbfile);
	if (S_ISDIR(st.st_mode))
		errx(EX_NOINPUT, "%s: is a directory", dbfile);
	opened = st;
	/* Opening a FIFO would wait for a writer forever. */
	if (!S_ISREG(st.st_mode))
		errx(EX_NOINPUT, "%s: not a regular file", dbfile);
	flags = mode == DB_RDWR ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY;
	/*
	 * SQLite cannot open a WAL database that nobody has open from a
	 * folder where it may not create the -wal and -shm files.  There
	 * we hold a reader's lock on the file, so no connection can
	 * checkpoint-on-close into it, check again that no -wal appeared,
	 * and read the file as immutable.  Anywhere else the ordinary open
	 * is the safe one: it takes part in the WAL's read marks, which is
	 * what stops a writer's automatic checkpoint from overwriting pages
	 * under a reader (an immutable reader does not, and the soak saw
	 * "malformed" pages); it may leave empty -wal and -shm files, as
	 * every SQLite reader does, and writes nothing to the database.
	 */
	held = mode == DB_RDONLY && !dir_writable(dbfile) && wal_idle(dbfile) ?
	    hold_shared(dbfile) : -1;
	if (held == -2)
		errx(EX_TEMPFAIL, "%s: database is locked", dbfile);
	if (held == 0) {
		if (wal_idle(dbfile)) {
			uri = immutable_uri(dbfile);
			rc = sqlite3_open_v2(uri, &db, flags | SQLITE_OPEN_URI |
			    SQLITE_OPEN_NOMUTEX, NULL);
			free(uri);
		} else {
			close(lockfd);
			lockfd = -1;
			rc = sqlite3_open_v2(dbfile, &db, flags |
			    SQLITE_OPEN_NOMUTEX, NULL);
		}
	} else
		rc = sqlite3_open_v2(dbfile, &db, flags | SQLITE_OPEN_NOMUTEX,
		    NULL);
	if (rc != SQLITE_OK) {
		status = db_status(rc);
		if (db == NULL)
			errx(EX_SOFTWARE, "%s: out of memory", dbfile);
		warnx("%s: %s", dbfile, sqlite3_errmsg(db));
		sqlite3_close(db);
		exit(status == EX_SOFTWARE ? EX_NOINPUT : status);
	}
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_handler(db, busy_wait, &busy_since);
	/* Reading the schema is what tells a database from any other file. */
	rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master", -1,
	    &st1, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st1);
	if (rc != SQLITE_ROW) {
		status = db_status(sqlite3_extended_errcode(db));
		if (mode == DB_RDWR && (rc & 0xff) == SQLITE_READONLY)
			status = EX_NOINPUT;
		if (mode == DB_RDONLY && (rc & 0xff) == SQLITE_CANTOPEN &&
		    stranded_wal(dbfile))
			warnx("%s: cannot read the -wal file a stopped writer "
			    "left in a read-only folder; it is recovered when "
			    "MergeXO or mx-reconcile next opens the database",
			    dbfile);
		else
			warnx("%s: %s", dbfile, sqlite3_errmsg(db));
		sqlite3_finalize(st1);
		sqlite3_close(db);
		exit(status == EX_SOFTWARE ? EX_NOINPUT : status);
	}
	sqlite3_finalize(st1);
	return db;
}

void
db_close(sqlite3 *db)
{
	if (db != NULL && sqlite3_close(db) != SQLITE_OK)
		errx(EX_SOFTWARE, "%s: %s", dbfile, sqlite3_errmsg(db));
	if (lockfd != -1) {
		close(lockfd);
		lockfd = -1;
	}
}

/* Prepare sql; on failure warn and return NULL. */
sqlite3_stmt *
db_prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*st = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		warnx("%s: %s", dbfile, sqlite3_errmsg(db));
		return NULL;
	}
	return st;
}

/* Bind text, or NULL when s is NULL. */
void
db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

/* Return 1 if the table exists. */
int
db_has_table(sqlite3 *db, const char *table)
{
	sqlite3_stmt	*st;
	int		 found;

	st = db_prepare(db, "SELECT 1 FROM sqlite_master "
	    "WHERE type IN ('table', 'view') AND name = ?");
	if (st == NULL)
		return 0;
	db_bind_text(st, 1, table);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/*
 * Return 1 if table exists and has every column of the comma-separated
 * list cols.
 */
int
db_has_columns(sqlite3 *db, const char *table, const char *cols)
{
	sqlite3_stmt	*st;
	const char	*p, *q;
	int		 found, all = 1;

	st = db_prepare(db, "SELECT 1 FROM pragma_table_info(?) WHERE name = ?");
	if (st == NULL)
		return 0;
	for (p = cols; all && *p != '\0'; p = *q ? q + 1 : q) {
		q = p + strcspn(p, ",");
		sqlite3_reset(st);
		db_bind_text(st, 1, table);
		sqlite3_bind_text(st, 2, p, (int)(q - p), SQLITE_TRANSIENT);
		found = sqlite3_step(st) == SQLITE_ROW;
		if (!found)
			all = 0;
	}
	sqlite3_finalize(st);
	return all;
}

/*
 * Return 1 if table has an index whose first columns are cols (a
 * comma-separated list, in that order): a lookup or a range by them is
 * then a seek.  A partial index counts only when partial_ok says the
 * query repeats its WHERE.  Read programs choose their query shape by
 * it, so that a database without the mx_ indexes is never read whole
 * where MergeXO's own indexes serve.
 */
int
db_has_index(sqlite3 *db, const char *table, const char *cols,
    int partial_ok)
{
	sqlite3_stmt	*st;
	const char	*p;
	int		 n = 1, found;

	for (p = cols; *p != '\0'; p++)
		n += *p == ',';
	st = db_prepare(db, "SELECT 1 FROM pragma_index_list(?1) l "
	    "WHERE (l.partial = 0 OR ?4) AND (SELECT group_concat(name) "
	    "FROM (SELECT name FROM pragma_index_info(l.name) "
	    "ORDER BY seqno LIMIT ?3)) = ?2");
	if (st == NULL)
		return 0;
	db_bind_text(st, 1, table);
	db_bind_text(st, 2, cols);
	sqlite3_bind_int(st, 3, n);
	sqlite3_bind_int(st, 4, partial_ok);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

/*
 * Return 1 if table has the columns cols, the shape our queries need.
 * Otherwise say so once on stderr (an older MergeXO keeps no history)
 * and return 0: the caller shows no rows.
 */
int
db_table_ok(sqlite3 *db, const char *table, const char *cols)
{
	static int	 warned;

	if (db_has_columns(db, table, cols))
		return 1;
	if (!warned)
		warnx("%s: %s %s; showing no rows (older MergeXO?)", dbfile,
		    db_has_table(db, table) ? "incomplete table" : "no table",
		    table);
	warned = 1;
	return 0;
}
