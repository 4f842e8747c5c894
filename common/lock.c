/*
 * mx: the service's writer lock, writer.lock beside state.db, a JSON
 * object {"pid":…, "command":…, "started_at":…, "token":…} that a
 * running MergeXO service holds.  The parser takes any bytes, so that
 * a hostile or half-written file can only make it say "malformed".
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mx.h"

/* The largest lock file read; a real one is a few hundred bytes. */
#define LOCK_MAX	65536
/* The longest command kept for messages, in bytes. */
#define COMMAND_MAX	256

static char	*lock_text(const char *, size_t);

/*
 * Return a copy of the UTF-8 text s fit for a one-line message: control
 * characters become '?', and it is cut at COMMAND_MAX bytes on a
 * character boundary (then ends in "...").  The caller frees it.
 */
static char *
lock_text(const char *s, size_t n)
{
	char	*r;
	size_t	 i, cut = n;

	if (cut > COMMAND_MAX) {
		cut = COMMAND_MAX;
		while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
			cut--;
	}
	r = xmalloc(cut + 4);
	for (i = 0; i < cut; i++)
		r[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' :
		    s[i];
	if (cut < n) {
		memcpy(r + cut, "...", 3);
		cut += 3;
	}
	r[cut] = '\0';
	return r;
}

/*
 * Parse the len bytes of a writer.lock held in buf into lk.  The pid must
 * be a JSON integer in 1..INT_MAX; command may be a string or an array of
 * strings (an argv, joined with spaces); started_at and token are kept
 * when they are strings.  Returns 0, or -1 with the reason in err (lk is
 * then empty).  Free lk with lock_free() either way.
 */
int
lock_parse(const char *buf, size_t len, struct mx_lock *lk, char *err,
    size_t errlen)
{
	json_t		*root, *v, *e;
	json_error_t	 jerr;
	char		*cmd;
	size_t		 i, n, k;

	memset(lk, 0, sizeof(*lk));
	if ((root = json_loadb(buf, len, 0, &jerr)) == NULL) {
		snprintf(err, errlen, "not JSON: %s", jerr.text);
		str_oneline(err);	/* jansson quotes the bad bytes */
		return -1;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		snprintf(err, errlen, "not a JSON object");
		return -1;
	}
	v = json_object_get(root, "pid");
	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > INT_MAX) {
		json_decref(root);
		snprintf(err, errlen, "no pid (a positive integer)");
		return -1;
	}
	lk->pid = json_integer_value(v);
	v = json_object_get(root, "command");
	if (json_is_string(v))
		lk->command = lock_text(json_string_value(v),
		    json_string_length(v));
	else if (json_is_array(v)) {
		for (n = 0, i = 0; i < json_array_size(v); i++)
			if (json_is_string(e = json_array_get(v, i)))
				n += json_string_length(e) + 1;
		cmd = xmalloc(n + 1);
		for (n = 0, i = 0; i < json_array_size(v); i++) {
			if (!json_is_string(e = json_array_get(v, i)))
				continue;
			if (n > 0)
				cmd[n++] = ' ';
			k = json_string_length(e);
			memcpy(cmd + n, json_string_value(e), k);
			n += k;
		}
		lk->command = lock_text(cmd, n);
		free(cmd);
	}
	if (json_is_string(v = json_object_get(root, "started_at")))
		lk->started_at = lock_text(json_string_value(v),
		    json_string_length(v));
	if (json_is_string(v = json_object_get(root, "token")))
		lk->token = lock_text(json_string_value(v),
		    json_string_length(v));
	json_decref(root);
	return 0;
}

/*
 * Return the path of the writer.lock beside the database dbpath; the
 * caller frees it.
 */
char *
lock_path(const char *dbpath)
{
	const char	*slash;
	char		*p;
	size_t		 n;

	if ((slash = strrchr(dbpath, '/')) == NULL)
		return xstrdup("writer.lock");
	n = (size_t)(slash - dbpath) + sizeof("/writer.lock");
	p = xmalloc(n);
	snprintf(p, n, "%.*s/writer.lock", (int)(slash - dbpath), dbpath);
	return p;
}

/*
 * Read and parse the lock file path into lk.  Returns LOCK_NONE when
 * there is no such file, LOCK_OK when it parsed, LOCK_BAD when it cannot
 * be read or is malformed (the reason in err).  Free lk with lock_free().
 */
int
lock_read(const char *path, struct mx_lock *lk, char *err, size_t errlen)
{
	struct stat	 st;
	char		*buf;
	ssize_t		 r;
	size_t		 n = 0;
	int		 fd;

	memset(lk, 0, sizeof(*lk));
	if ((fd = open(path, O_RDONLY | O_NONBLOCK)) == -1) {
		if (errno == ENOENT)
			return LOCK_NONE;
		snprintf(err, errlen, "%s", strerror(errno));
		return LOCK_BAD;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		close(fd);
		return LOCK_BAD;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s", S_ISDIR(st.st_mode) ?
		    "is a directory" : "not a regular file");
		close(fd);
		return LOCK_BAD;
	}
	buf = xmalloc(LOCK_MAX + 1);
	while (n <= LOCK_MAX) {
		r = read(fd, buf + n, LOCK_MAX + 1 - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			snprintf(err, errlen, "%s", strerror(errno));
			free(buf);
			close(fd);
			return LOCK_BAD;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n > LOCK_MAX) {
		snprintf(err, errlen, "larger than %d bytes", LOCK_MAX);
		free(buf);
		return LOCK_BAD;
	}
	r = lock_parse(buf, n, lk, err, errlen);
	free(buf);
	return r == 0 ? LOCK_OK : LOCK_BAD;
}

/*
 * Return 1 if the process lk names is alive (signal 0 reaches it, or it
 * exists but belongs to another user), 0 if it is gone.  Our own pid is
 * never the service: a stale lock whose pid came back as ours.
 */
int
lock_alive(const struct mx_lock *lk)
{
	if (lk->pid < 1 || lk->pid > INT_MAX || (pid_t)lk->pid == getpid())
		return 0;
	if (kill((pid_t)lk->pid, 0) == 0)
		return 1;
	return errno == EPERM;
}

void
lock_free(struct mx_lock *lk)
{
	free(lk->command);
	free(lk->started_at);
	free(lk->token);
	memset(lk, 0, sizeof(*lk));
}
