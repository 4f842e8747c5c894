/*
 * mx-top: a full-screen dashboard of MergeXO's state in the spirit of
 * top(1) and htop(1), composed from the other mx programs' JSON.
 */

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <curses.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "mx.h"
#include "top.h"

#define CHILD_TIMEOUT	5.0		/* seconds before a child is killed */
#define STAT_PERIOD	0.25		/* seconds between database checks */
#define MIN_GAP		0.25		/* seconds between change refreshes */
#define OUT_MAX		(64UL * 1024 * 1024)	/* a child's stdout */
#define ERR_MAX		(64UL * 1024)		/* a child's stderr */

/* The children one refresh may run, concurrently. */
enum {
	J_RUNS,
	J_METRICS,
	J_PRS,
	J_HISTORY,
	J_TIMELINE,
	J_TRANS,
	J_COUNT
};
#define J_MAIN		((1U << J_RUNS) | (1U << J_METRICS) | \
			    (1U << J_PRS) | (1U << J_HISTORY))
#define J_DETAIL	((1U << J_TIMELINE) | (1U << J_TRANS))

struct buf {
	char	*p;
	size_t	 len, cap;
};

struct job {
	const char	*name;
	char		*argv[20];
	int		 argc;
	char		 num[2][24];	/* numbers in argv */
	pid_t		 pid;
	int		 fd[2];		/* stdout, stderr; -1 at EOF */
	struct buf	 out[2];
	int		 status;	/* from waitpid() */
	int		 killed;	/* timed out or too much output */
	char		 msg[256];	/* why it failed; "" when it ran */
};

/* The files whose size and time say the database changed. */
struct watch {
	struct stat	 st[2];
	int		 ok[2];
};

static const struct column active_cols[] = {
	{ "REPO", "repo_full_name", CF_TEXT, 6, 32, 0, 0 },
	{ "KIND", "run_kind", CF_TEXT, 4, 19, 3, 0 },
	{ "ISSUE", "issue_number", CF_INT, 5, 8, 0, 0 },
	{ "PR", "pr_number", CF_INT, 4, 8, 2, 0 },
	{ "FLOW", "flow", CF_TEXT, 4, 24, 5, 0 },
	{ "BRANCH", "branch", CF_TEXT, 6, 60, 4, 1 },
	{ "STARTED", "started_at", CF_TIME, 8, 11, 6, 0 },
	{ "ELAPSED", "elapsed_seconds", CF_ELAPSED, 7, 9, 0, 0 },
};

static const struct column work_cols[] = {
	{ "REPO", "repo_full_name", CF_TEXT, 6, 32, 0, 0 },
	{ "ISSUE", "issue_number", CF_INT, 5, 8, 0, 0 },
	{ "PR", "pr_number", CF_INT, 4, 8, 1, 0 },
	{ "STATUS", "status", CF_TEXT, 7, 23, 0, 0 },
	{ "BRANCH", "branch", CF_TEXT, 6, 40, 5, 0 },
	{ "PEND", "pending_event_count", CF_INT, 4, 7, 4, 0 },
	{ "REASON", "blocked_reason", CF_TEXT, 6, 100, 3, 1 },
	{ "UPDATED", "updated_at", CF_AGE, 7, 11, 2, 0 },
};

static const struct column metric_cols[] = {
	{ "REPO", "repo_full_name", CF_TEXT, 6, 40, 0, 0 },
	{ "TERMINAL", "terminal_count", CF_INT, 5, 9, 0, 0 },
	{ "FAILED", "failed_count", CF_INT, 5, 9, 0, 0 },
	{ "FAIL%", "failure_rate", CF_RATE, 6, 7, 0, 0 },
	{ "MEAN", "mean_runtime_seconds", CF_DUR, 6, 8, 0, 0 },
	{ "STDDEV", "stddev_runtime_seconds", CF_DUR, 6, 8, 2, 0 },
	{ "P50", "p50_runtime_seconds", CF_DUR, 6, 8, 3, 0 },
	{ "P95", "p95_runtime_seconds", CF_DUR, 6, 8, 1, 0 },
};

static const struct column outcome_cols[] = {
	{ "REPO", "repo_full_name", CF_TEXT, 6, 32, 0, 0 },
	{ "ISSUE", "issue_number", CF_INT, 5, 8, 0, 0 },
	{ "PR", "pr_number", CF_INT, 4, 8, 1, 0 },
	{ "STATUS", "status", CF_TEXT, 6, 12, 3, 0 },
	{ "OUTCOME", "outcome", CF_TEXT, 7, 12, 0, 0 },
	{ "BRANCH", "branch", CF_TEXT, 6, 60, 4, 1 },
	{ "UPDATED", "updated_at", CF_AGE, 7, 11, 2, 0 },
};

#define NCOLS(a)	((int)(sizeof(a) / sizeof((a)[0])))

/* The panels in screen order: P_ACTIVE, P_WORK, P_METRICS, P_OUTCOMES. */
static const struct {
	const char		*title;
	const struct column	*cols;
	int			 ncols;
} panel_defs[P_COUNT] = {
	{ "Active agents", active_cols, NCOLS(active_cols) },
	{ "Blocked and tracked", work_cols, NCOLS(work_cols) },
	{ "Metrics per repo", metric_cols, NCOLS(metric_cols) },
	{ "Recent outcomes", outcome_cols, NCOLS(outcome_cols) },
};

static const char *const windows[] = { "1h", "24h", "7d", "30d", NULL };
static const double intervals[] = {
	0.5, 1, 2, 3, 5, 10, 15, 30, 60, 120, 300, 600
};
#define NINTERVALS	(sizeof(intervals) / sizeof(intervals[0]))

static double	 parse_interval(const char *);
static void	 setup(struct top *, const char *, double, int,
		    const char *);
static void	 top_free(struct top *);
static void	 on_signal(int);
static void	 restore_screen(void);
static int	 run_batch(struct top *, long long);
static int	 run_screen(struct top *, long long);
static int	 step(struct top *, int);
static void	 fetch(struct top *, unsigned int);
static void	 job_init(struct top *, struct job *, int);
static void	 jobs_run(struct job *, size_t);
static void	 job_start(struct job *);
static void	 job_reap(struct job *, double);
static void	 job_free(struct job *);
static char	*find_program(const char *);
static void	 take_result(struct top *, struct job *, int);
static void	 set_error(char *, size_t, const char *);
static int	 same_after_name(const char *, const char *);
static void	 add_repos(const struct table *);
static void	 build_view(struct top *, struct panel *);
static int	 sort_cmp(const void *, const void *);
static int	 contains(const char *, const char *);
static int	 lower(int);
static int	 watch_changed(struct watch *, const char *);
static void	 move_sel(struct panel *, long long);
static void	 detail_open(struct top *);
static void	 detail_close(struct top *);
static void	 cycle_repo(struct top *);
static void	 cycle_window(struct top *);
static void	 change_interval(struct top *, int);
static double	 mono(void);
static int	 wait_ms(double, double);
static _Noreturn void usage(void);

extern char		**environ;

static struct mx_opts	 opts;
static char		*selfdir;	/* where our own executable lives */
static char		**repos;	/* every repo seen, sorted, for f */
static size_t		 nrepos;
static int		 curses_on;
static volatile sig_atomic_t quitflag;
static int		 want_refresh;

int
main(int argc, char *argv[])
{
	struct top	 top;
	const char	*window = NULL, *argv0 = argv[0];
	double		 interval = -1;
	long long	 iterations = -1;
	int		 ch, bflag = 0, status;

	opt_init(&opts, "mx-top [-b] [-c config] [-d database] "
	    "[-i iterations] [-n rows] [-r repo]\n"
	    "              [-s seconds] [-w window]");
	while ((ch = getopt_long(argc, argv, "+bc:d:i:n:r:s:w:",
	    mx_longopts, NULL)) != -1) {
		switch (ch) {
		case 'b':
			bflag = 1;
			break;
		case 'i':
			iterations = opt_number(optarg, "-i", 0, LLONG_MAX);
			break;
		case 's':
			interval = parse_interval(optarg);
			break;
		case 'w':
			window = optarg;
			break;
		default:
			if (!opt_common(&opts, ch, optarg))
				usage();
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 0)
		usage();

	cfg_load(&opts);
	setup(&top, window, interval, bflag, argv0);
	if (iterations == -1)
		iterations = top.batch ? 1 : 0;
	if (top.batch)
		status = run_batch(&top, iterations);
	else
		status = run_screen(&top, iterations);
	top_free(&top);
	opt_free(&opts);
	return out_finish(status);		/* flushes and checks stdout */
}

/* -s: seconds from 0.1 to 86400, fractions allowed. */
static double
parse_interval(const char *s)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (s[0] == '\0' || *end != '\0' || errno != 0 ||
	    !(v >= 0.1 && v <= 86400)) {
		warnx("-s: %s: bad interval (use seconds from 0.1 to 86400)",
		    s);
		usage();
	}
	return v;
}

/*
 * Fill t from the options and the config, choose batch or screen, find
 * our own folder, make sure descriptors 0-2 are open (a child's pipe
 * must not become one), and catch the signals that end us.
 */
static void
setup(struct top *t, const char *window, double interval, int bflag,
    const char *argv0)
{
	struct mx_window	 w;
	struct sigaction	 sa;
	const char		*term;
	char			 path[PATH_MAX], *slash;
	ssize_t			 n;
	int			 fd;		/* also a panel index */

	memset(t, 0, sizeof(*t));
	opt_window(&opts, window, &w);
	snprintf(t->window, sizeof(t->window), "%s", w.text);
	t->window_secs = w.seconds;
	t->interval = interval > 0 ? interval : opts.refresh_seconds;
	t->rows = opts.limit > 0 ? opts.limit : opts.row_limit;
	t->repo = opts.repo != NULL ? xstrdup(opts.repo) : NULL;
	for (fd = 0; fd < P_COUNT; fd++) {
		t->panels[fd].title = panel_defs[fd].title;
		t->panels[fd].cols = panel_defs[fd].cols;
		t->panels[fd].ncols = panel_defs[fd].ncols;
		t->panels[fd].sortcol = -1;
	}
	data_free_metrics(&t->metrics);

	if ((n = readlink("/proc/self/exe", path, sizeof(path) - 1)) > 0)
		path[n] = '\0';
	else
		snprintf(path, sizeof(path), "%s", argv0 != NULL ? argv0 : "");
	if ((slash = strrchr(path, '/')) != NULL) {
		*slash = '\0';
		selfdir = xstrdup(path[0] != '\0' ? path : "/");
	}

	for (fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) == -1 &&
		    open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY) == -1)
			err(EX_SOFTWARE, "/dev/null");

	/* No SA_RESTART: a signal must wake the wait in getch() or poll(). */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	setlocale(LC_CTYPE, "");
	t->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	term = getenv("TERM");
	t->batch = bflag || !isatty(STDOUT_FILENO) ||
	    !isatty(STDIN_FILENO) || term == NULL || term[0] == '\0' ||
	    strcmp(term, "dumb") == 0;
}

/* Free what t holds, so that leak checkers see nothing left. */
static void
top_free(struct top *t)
{
	size_t	 i;
	int	 k;

	detail_close(t);
	for (k = 0; k < P_COUNT; k++) {
		data_free_table(&t->panels[k].data);
		free(t->panels[k].view);
		free(t->panels[k].selkey);
	}
	data_free_metrics(&t->metrics);
	free(t->repo);
	for (i = 0; i < nrepos; i++)
		free(repos[i]);
	free(repos);
	free(selfdir);
}

static void
on_signal(int sig)
{
	(void)sig;
	quitflag = 1;
}

/* At every exit, even err() from deep down: give the terminal back. */
static void
restore_screen(void)
{
	if (curses_on) {
		curses_on = 0;
		endwin();
	}
}

/*
 * Batch mode: plain-text frames, like top -b.  Returns 69 when a child
 * failed in the last frame.
 */
static int
run_batch(struct top *t, long long iterations)
{
	struct winsize	 ws;
	struct timespec	 ts;
	const char	*cols;
	double		 next, left;
	long long	 n;
	int		 width = 0, status = 0;

	if ((cols = getenv("COLUMNS")) != NULL && atoi(cols) >= 20)
		width = atoi(cols);
	else if (isatty(STDOUT_FILENO) &&
	    ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		width = ws.ws_col;
	for (n = 0; !quitflag; ) {
		next = mono() + t->interval;
		fetch(t, J_MAIN);
		if (quitflag)
			break;
		t->now_mono = mono();
		t->now_wall = time(NULL);
		if (n > 0)
			putchar('\n');
		draw_batch(t, width, stdout);
		if (fflush(stdout) == EOF || ferror(stdout))
			err(EX_IOERR, "stdout");
		status = 0;
		if (t->error[0] != '\0') {
			warnx("%s", t->error);
			status = EX_UNAVAILABLE;
		}
		if (++n == iterations)
			break;
		while (!quitflag && (left = next - mono()) > 0) {
			ts.tv_sec = (time_t)left;
			ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
			nanosleep(&ts, NULL);
		}
	}
	return status;
}

/*
 * The screen: one wait in getch() with timeout() set to the time left
 * until the next tick (refresh, database check or the clock's second).
 */
static int
run_screen(struct top *t, long long iterations)
{
	struct watch	 w;
	struct timespec	 ts;
	SCREEN		*scr;
	const char	*nc;
	double		 now, last, next_tick, next_stat, wake;
	long long	 n = 0;
	int		 ch, pending = 0, dirty = 1, quick = 0, ms;

	if ((scr = newterm(NULL, stdout, stdin)) == NULL) {
		warnx("%s: unknown terminal type, using -b",
		    getenv("TERM"));
		t->batch = 1;
		return run_batch(t, iterations != 0 ? iterations : 1);
	}
	set_term(scr);
	curses_on = 1;
	atexit(restore_screen);
	cbreak();
	noecho();
	nonl();
	intrflush(stdscr, FALSE);
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	nc = getenv("NO_COLOR");
	t->color = has_colors() && (nc == NULL || nc[0] == '\0');
	draw_init(t);

	memset(&w, 0, sizeof(w));
	watch_changed(&w, opts.dbpath);
	want_refresh = 1;
	last = next_tick = next_stat = mono();
	for (;;) {
		now = mono();
		if (!t->paused && now >= next_stat) {
			next_stat = now + STAT_PERIOD;
			if (watch_changed(&w, opts.dbpath))
				pending = 1;
		}
		if (want_refresh || (!t->paused && (now >= next_tick ||
		    (pending && now - last >= MIN_GAP)))) {
			watch_changed(&w, opts.dbpath);
			fetch(t, t->detail.open ? J_MAIN | J_DETAIL : J_MAIN);
			if (quitflag)
				break;
			last = mono();
			next_tick = last + t->interval;
			want_refresh = pending = 0;
			dirty = 1;
			if (iterations > 0 && ++n >= iterations) {
				t->now_mono = mono();
				t->now_wall = time(NULL);
				draw_screen(t);
				break;
			}
		}
		if (dirty || t->now_wall != time(NULL)) {
			t->now_mono = mono();
			t->now_wall = time(NULL);
			draw_screen(t);
			dirty = 0;
		}
		now = mono();
		clock_gettime(CLOCK_REALTIME, &ts);
		wake = now + 1.0 - (double)ts.tv_nsec / 1e9;
		if (!t->paused) {
			if (next_tick < wake)
				wake = next_tick;
			if (next_stat < wake)
				wake = next_stat;
			if (pending && last + MIN_GAP < wake)
				wake = last + MIN_GAP;
		}
		ms = wait_ms(wake, now);
		timeout(ms);			/* the only place we wait */
		ch = getch();
		if (quitflag)
			break;
		if (ch == ERR) {
			/* Input gone (EOF, hangup): getch() stops waiting. */
			if (mono() - now < ms / 2000.0 && ++quick > 50)
				break;
			continue;
		}
		quick = 0;
		dirty = 1;
		if (step(t, ch) == -1)
			break;
	}
	restore_screen();
	return 0;
}

/* Milliseconds from now until wake, at least 1, at most 1000. */
static int
wait_ms(double wake, double now)
{
	double	 ms;

	ms = ceil((wake - now) * 1000);
	if (ms < 1)
		return 1;
	if (ms > 1000)
		return 1000;
	return (int)ms;
}

/* One key: change the view; -1 to quit. */
static int
step(struct top *t, int ch)
{
	struct panel	*p = &t->panels[t->focus];
	struct detail	*d = &t->detail;
	size_t		 len;

	if (ch == KEY_RESIZE)
		return 0;
	if (t->help) {
		t->help = 0;
		return 0;
	}
	if (t->filtering) {
		len = strlen(p->filter);
		if (ch == '\r' || ch == '\n' || ch == KEY_ENTER)
			t->filtering = 0;
		else if (ch == 27) {
			t->filtering = 0;
			p->filter[0] = '\0';
		} else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
			/* Drop a whole UTF-8 character. */
			while (len > 0 &&
			    ((unsigned char)p->filter[--len] & 0xc0) == 0x80)
				;
			p->filter[len] = '\0';
		} else if (ch >= 0x20 && ch <= 0xff && ch != 0x7f &&
		    len + 1 < sizeof(p->filter)) {
			p->filter[len] = (char)ch;
			p->filter[len + 1] = '\0';
		} else if (ch == KEY_UP || ch == KEY_DOWN)
			move_sel(p, ch == KEY_UP ? -1 : 1);
		build_view(t, p);
		return 0;
	}
	switch (ch) {
	case 'p':
	case ' ':
		t->paused = !t->paused;
		t->paused_mono = mono();
		t->paused_wall = time(NULL);
		return 0;
	case 'r':
		want_refresh = 1;
		return 0;
	case '?':
		t->help = 1;
		return 0;
	case '+':
	case '=':
		change_interval(t, 1);
		return 0;
	case '-':
		change_interval(t, -1);
		return 0;
	case 12:			/* ^L */
		clearok(curscr, TRUE);
		return 0;
	}
	if (d->open) {
		switch (ch) {
		case 'q':
		case 27:
		case KEY_LEFT:
		case KEY_BACKSPACE:
		case 127:
			detail_close(t);
			break;
		case KEY_UP:
		case 'k':
			d->scroll--;
			break;
		case KEY_DOWN:
		case 'j':
			d->scroll++;
			break;
		case KEY_PPAGE:
			d->scroll -= d->page > 1 ? d->page - 1 : 1;
			break;
		case KEY_NPAGE:
			d->scroll += d->page > 1 ? d->page - 1 : 1;
			break;
		case KEY_HOME:
		case KEY_FIND:
		case 'g':
			d->scroll = 0;
			break;
		case KEY_END:
		case KEY_SELECT:
		case 'G':
			d->scroll = INT_MAX / 2;
			break;
		}
		return 0;
	}
	switch (ch) {
	case 'q':
		return -1;
	case 'f':
		cycle_repo(t);
		break;
	case 'w':
		cycle_window(t);
		break;
	case '\t':
	case KEY_RIGHT:
		t->focus = (t->focus + 1) % P_COUNT;
		break;
	case KEY_BTAB:
	case KEY_LEFT:
		t->focus = (t->focus + P_COUNT - 1) % P_COUNT;
		break;
	case KEY_UP:
	case 'k':
		move_sel(p, -1);
		break;
	case KEY_DOWN:
	case 'j':
		move_sel(p, 1);
		break;
	case KEY_PPAGE:
		move_sel(p, -(p->shown > 1 ? p->shown - 1 : 1));
		break;
	case KEY_NPAGE:
		move_sel(p, p->shown > 1 ? p->shown - 1 : 1);
		break;
	case KEY_HOME:
	case KEY_FIND:
	case 'g':
		move_sel(p, LLONG_MIN / 2);
		break;
	case KEY_END:
	case KEY_SELECT:
	case 'G':
		move_sel(p, LLONG_MAX / 2);
		break;
	case '\r':
	case '\n':
	case KEY_ENTER:
		detail_open(t);
		break;
	case 27:
		p->filter[0] = '\0';
		build_view(t, p);
		break;
	case '/':
		t->filtering = 1;
		break;
	case '<':
		p->sortcol = p->sortcol < 0 ? p->ncols - 1 : p->sortcol - 1;
		build_view(t, p);
		break;
	case '>':
		p->sortcol = p->sortcol + 1 >= p->ncols ? -1 :
		    p->sortcol + 1;
		build_view(t, p);
		break;
	case 'R':
		p->reverse = !p->reverse;
		build_view(t, p);
		break;
	}
	return 0;
}

/* Move the selection by delta rows, clamped, and remember its key. */
static void
move_sel(struct panel *p, long long delta)
{
	long long	 s;

	if (p->nview == 0)
		return;
	s = (long long)p->sel + delta;
	if (s < 0)
		s = 0;
	if (s >= (long long)p->nview)
		s = (long long)p->nview - 1;
	p->sel = (size_t)s;
	free(p->selkey);
	p->selkey = xstrdup(p->data.rows[p->view[p->sel]].key);
}

/* f: all repos, then each repo seen so far in order, then all again. */
static void
cycle_repo(struct top *t)
{
	size_t	 i;
	char	*next = NULL;

	for (i = 0; i < nrepos; i++)
		if (t->repo == NULL || strcmp(repos[i], t->repo) > 0) {
			next = repos[i];
			break;
		}
	free(t->repo);
	t->repo = next != NULL ? xstrdup(next) : NULL;
	want_refresh = 1;
}

/* w: 1h, 24h, 7d, 30d, and round; any other window goes to 1h. */
static void
cycle_window(struct top *t)
{
	struct mx_window	 w;
	int			 i;

	for (i = 0; windows[i] != NULL; i++)
		if (strcmp(windows[i], t->window) == 0)
			break;
	i = windows[i] == NULL || windows[i + 1] == NULL ? 0 : i + 1;
	tm_window(windows[i], &w);
	snprintf(t->window, sizeof(t->window), "%s", w.text);
	t->window_secs = w.seconds;
	want_refresh = 1;
}

/* + and -: the next longer or shorter interval of the ladder. */
static void
change_interval(struct top *t, int dir)
{
	size_t	 i;

	if (dir > 0) {
		for (i = 0; i < NINTERVALS; i++)
			if (intervals[i] > t->interval + 1e-9) {
				t->interval = intervals[i];
				return;
			}
	} else {
		for (i = NINTERVALS; i > 0; i--)
			if (intervals[i - 1] < t->interval - 1e-9) {
				t->interval = intervals[i - 1];
				return;
			}
	}
}

static void
detail_open(struct top *t)
{
	struct panel	*p = &t->panels[t->focus];

	if (p->nview == 0)
		return;
	detail_close(t);
	data_copy_row(&t->detail.row, &p->data.rows[p->view[p->sel]]);
	t->detail.panel = t->focus;
	t->detail.open = 1;
	fetch(t, J_DETAIL);
}

static void
detail_close(struct top *t)
{
	struct detail	*d = &t->detail;

	data_free_row(&d->row);
	data_free_table(&d->timeline);
	data_free_table(&d->trans);
	memset(d, 0, sizeof(*d));
}

/*
 * Run the children mask names, all at once, and take what each printed.
 * A child that fails leaves its panel's last good data in place and
 * says why on the status line.
 */
static void
fetch(struct top *t, unsigned int mask)
{
	struct job	 jobs[J_COUNT];
	size_t		 n = 0, i;
	int		 kind[J_COUNT], k;

	for (k = 0; k < J_COUNT; k++) {
		if (!(mask & (1U << k)))
			continue;
		job_init(t, &jobs[n], k);
		if (jobs[n].name == NULL)
			continue;
		kind[n++] = k;
	}
	jobs_run(jobs, n);
	if (mask & J_MAIN) {
		t->error[0] = t->note[0] = '\0';
		t->refreshed = time(NULL);
	}
	for (i = 0; i < n; i++) {
		if (!quitflag)
			take_result(t, &jobs[i], kind[i]);
		job_free(&jobs[i]);
	}
	for (k = 0; k < P_COUNT; k++)
		build_view(t, &t->panels[k]);
	if (t->detail.open && (mask & J_MAIN)) {
		struct panel	*p = &t->panels[t->detail.panel];
		const char	*key = t->detail.row.key;

		for (i = 0; i < p->data.n; i++)
			if (strcmp(p->data.rows[i].key, key) == 0) {
				data_free_row(&t->detail.row);
				data_copy_row(&t->detail.row,
				    &p->data.rows[i]);
				break;
			}
	}
}

/* The argument vector of child k; name stays NULL when it has no work. */
static void
job_init(struct top *t, struct job *j, int k)
{
	const struct row	*r = &t->detail.row;
	const struct field	*f;
	const char		*repo = t->repo;

	memset(j, 0, sizeof(*j));
	j->fd[0] = j->fd[1] = -1;
	j->pid = -1;
	j->name = k == J_RUNS ? "mx-runs" : k == J_METRICS ? "mx-metrics" :
	    k == J_PRS ? "mx-prs" : "mx-history";
	j->argv[j->argc++] = (char *)j->name;
	j->argv[j->argc++] = "-j";
	if (opts.dbflag != NULL) {
		j->argv[j->argc++] = "-d";
		j->argv[j->argc++] = (char *)opts.dbflag;
	}
	if (opts.config != NULL) {
		j->argv[j->argc++] = "-c";
		j->argv[j->argc++] = (char *)opts.config;
	}
	if (k == J_TIMELINE || k == J_TRANS) {
		f = data_field(r, "repo_full_name");
		repo = f != NULL && f->type == FV_TEXT ? f->text : NULL;
		f = data_field(r, k == J_TIMELINE ? "issue_number" :
		    "pr_number");
		if (repo == NULL || f == NULL || f->type != FV_INT ||
		    f->num < 1) {
			j->name = NULL;
			return;
		}
		snprintf(j->num[0], sizeof(j->num[0]), "%s", f->text);
	}
	if (repo != NULL) {
		j->argv[j->argc++] = "-r";
		j->argv[j->argc++] = (char *)repo;
	}
	snprintf(j->num[1], sizeof(j->num[1]), "%lld", t->rows);
	switch (k) {
	case J_METRICS:
		j->argv[j->argc++] = "-w";
		j->argv[j->argc++] = t->window;
		break;
	case J_TIMELINE:
		j->argv[j->argc++] = "-i";
		j->argv[j->argc++] = j->num[0];
		j->argv[j->argc++] = "-t";
		break;
	case J_TRANS:
		j->argv[j->argc++] = "-p";
		j->argv[j->argc++] = j->num[0];
		break;
	default:
		j->argv[j->argc++] = "-n";
		j->argv[j->argc++] = j->num[1];
		break;
	}
	j->argv[j->argc] = NULL;
}

/*
 * Start every job, then read all their pipes with poll() until each
 * has closed both or the timeout passes; kill what is left and reap
 * them all.
 */
static void
jobs_run(struct job *jobs, size_t n)
{
	struct pollfd	 pfd[2 * J_COUNT];
	struct job	*who[2 * J_COUNT];
	int		 which[2 * J_COUNT];
	struct buf	*b;
	char		 chunk[65536];
	double		 deadline, left;
	size_t		 i, np;
	ssize_t		 r;
	int		 s, rc;

	deadline = mono() + CHILD_TIMEOUT;
	for (i = 0; i < n; i++)
		job_start(&jobs[i]);
	for (;;) {
		np = 0;
		for (i = 0; i < n; i++)
			for (s = 0; s < 2; s++)
				if (jobs[i].fd[s] != -1) {
					pfd[np].fd = jobs[i].fd[s];
					pfd[np].events = POLLIN;
					pfd[np].revents = 0;
					who[np] = &jobs[i];
					which[np++] = s;
				}
		if (np == 0 || quitflag || (left = deadline - mono()) <= 0)
			break;
		rc = poll(pfd, (nfds_t)np, (int)ceil(left * 1000));
		if (rc == -1 && errno != EINTR)
			break;
		for (i = 0; rc > 0 && i < np; i++) {
			if (pfd[i].revents == 0)
				continue;
			s = which[i];
			b = &who[i]->out[s];
			r = read(pfd[i].fd, chunk, sizeof(chunk));
			if (r == -1 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (r <= 0) {
				close(who[i]->fd[s]);
				who[i]->fd[s] = -1;
				continue;
			}
			if (b->len + (size_t)r > (s == 0 ? OUT_MAX : ERR_MAX)) {
				if (s == 0) {
					kill(who[i]->pid, SIGKILL);
					who[i]->killed = 1;
					snprintf(who[i]->msg,
					    sizeof(who[i]->msg),
					    "%s: output too large, killed",
					    who[i]->name);
				}
				continue;
			}
			if (b->len + (size_t)r + 1 > b->cap) {
				b->cap = (b->len + (size_t)r + 1) * 2;
				b->p = xrealloc(b->p, b->cap, 1);
			}
			memcpy(b->p + b->len, chunk, (size_t)r);
			b->len += (size_t)r;
			b->p[b->len] = '\0';
		}
	}
	for (i = 0; i < n; i++)
		job_reap(&jobs[i], deadline);
}

/*
 * Start a job with posix_spawn(): stdin from /dev/null, stdout and
 * stderr to pipes, no shell.  On failure its msg says why.
 */
static void
job_start(struct job *j)
{
	posix_spawn_file_actions_t	 fa;
	char				*path;
	int				 p[2][2] = { { -1, -1 }, { -1, -1 } };
	int				 s, rc;

	if ((path = find_program(j->name)) == NULL) {
		snprintf(j->msg, sizeof(j->msg), "%s: program not found "
		    "beside mx-top or in PATH", j->name);
		return;
	}
	for (s = 0; s < 2; s++) {
		if (pipe(p[s]) == -1) {
			snprintf(j->msg, sizeof(j->msg), "%s: pipe: %s",
			    j->name, strerror(errno));
			goto fail;
		}
		fcntl(p[s][0], F_SETFD, FD_CLOEXEC);
		fcntl(p[s][1], F_SETFD, FD_CLOEXEC);
		fcntl(p[s][0], F_SETFL, fcntl(p[s][0], F_GETFL) | O_NONBLOCK);
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[0][1], 1);
	posix_spawn_file_actions_adddup2(&fa, p[1][1], 2);
	rc = posix_spawn(&j->pid, path, &fa, NULL, j->argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		j->pid = -1;
		snprintf(j->msg, sizeof(j->msg), "%s: %s", path,
		    strerror(rc));
		goto fail;
	}
	free(path);
	for (s = 0; s < 2; s++) {
		close(p[s][1]);
		j->fd[s] = p[s][0];
	}
	return;
fail:
	free(path);
	for (s = 0; s < 2; s++) {
		if (p[s][0] != -1)
			close(p[s][0]);
		if (p[s][1] != -1)
			close(p[s][1]);
	}
}

/*
 * Wait for a job to exit, until the deadline; then kill it.  A job whose
 * pipes are still open at this point timed out or we are quitting.
 */
static void
job_reap(struct job *j, double deadline)
{
	struct timespec	 ts = { 0, 2000000 };
	pid_t		 r;
	int		 s, open = 0;

	for (s = 0; s < 2; s++)
		if (j->fd[s] != -1) {
			close(j->fd[s]);
			j->fd[s] = -1;
			open = 1;
		}
	if (j->pid == -1)
		return;
	if (open && !j->killed) {
		kill(j->pid, SIGKILL);
		j->killed = 1;
		snprintf(j->msg, sizeof(j->msg), "%s: no answer in %.0fs, "
		    "killed", j->name, CHILD_TIMEOUT);
	}
	while ((r = waitpid(j->pid, &j->status, WNOHANG)) == 0) {
		if (mono() >= deadline && !j->killed) {
			kill(j->pid, SIGKILL);
			j->killed = 1;
			snprintf(j->msg, sizeof(j->msg), "%s: no answer in "
			    "%.0fs, killed", j->name, CHILD_TIMEOUT);
		}
		if (j->killed) {
			r = waitpid(j->pid, &j->status, 0);
			break;
		}
		nanosleep(&ts, NULL);
	}
	if (r == -1 && errno == EINTR)
		while (waitpid(j->pid, &j->status, 0) == -1 &&
		    errno == EINTR)
			;
	j->pid = -1;
	if (j->msg[0] != '\0')
		return;
	if (WIFSIGNALED(j->status))
		snprintf(j->msg, sizeof(j->msg), "%s: killed by signal %d",
		    j->name, WTERMSIG(j->status));
	else if (WIFEXITED(j->status) && WEXITSTATUS(j->status) != 0)
		snprintf(j->msg, sizeof(j->msg), "%s: exit %d", j->name,
		    WEXITSTATUS(j->status));
}

static void
job_free(struct job *j)
{
	free(j->out[0].p);
	free(j->out[1].p);
}

/*
 * The path of a sibling program: beside our own executable, else the
 * first executable one in PATH.  The caller frees it; NULL if none.
 */
static char *
find_program(const char *name)
{
	const char	*path, *p, *e;
	char		*f;
	size_t		 n;

	if (selfdir != NULL) {
		n = strlen(selfdir) + strlen(name) + 2;
		f = xmalloc(n);
		snprintf(f, n, "%s/%s", selfdir, name);
		if (access(f, X_OK) == 0)
			return f;
		free(f);
	}
	if ((path = getenv("PATH")) == NULL)
		path = "/usr/bin:/bin";
	for (p = path; ; p = e + 1) {
		e = p + strcspn(p, ":");
		n = (size_t)(e - p) + strlen(name) + 3;
		f = xmalloc(n);
		snprintf(f, n, "%.*s/%s", e == p ? 1 : (int)(e - p),
		    e == p ? "." : p, name);
		if (access(f, X_OK) == 0)
			return f;
		free(f);
		if (*e == '\0')
			return NULL;
	}
}

/* Parse what child kind printed and put it in place, or keep the old. */
static void
take_result(struct top *t, struct job *j, int kind)
{
	struct detail	*d = &t->detail;
	struct table	 tbl;
	struct metrics	 m;
	struct panel	*p;
	char		 msg[256], *nl;
	const char	*errout = j->out[1].p != NULL ? j->out[1].p : "";
	int		 pi;

	pi = kind == J_RUNS ? P_ACTIVE : kind == J_METRICS ? P_METRICS :
	    kind == J_PRS ? P_WORK : kind == J_HISTORY ? P_OUTCOMES : -1;
	msg[0] = '\0';
	if (j->msg[0] != '\0') {
		/* Its own first line says more than "exit 66". */
		if (errout[0] != '\0' && !j->killed)
			snprintf(msg, sizeof(msg), "%s", errout);
		else
			snprintf(msg, sizeof(msg), "%s", j->msg);
	} else if (kind == J_METRICS) {
		if (data_metrics(j->out[0].p != NULL ? j->out[0].p : "",
		    j->out[0].len, &m, msg, sizeof(msg)) == 0) {
			data_free_metrics(&t->metrics);
			data_free_table(&t->panels[P_METRICS].data);
			t->panels[P_METRICS].data = m.per_repo;
			memset(&m.per_repo, 0, sizeof(m.per_repo));
			t->metrics = m;
			add_repos(&t->panels[P_METRICS].data);
		}
	} else if (data_rows(j->out[0].p != NULL ? j->out[0].p : "",
	    j->out[0].len, kind == J_RUNS ? "run_id" : kind == J_PRS ?
	    "repo_full_name,pr_number,issue_number" : kind == J_HISTORY ?
	    "repo_full_name,issue_number" : kind == J_TRANS ? "id" :
	    "", &tbl, msg, sizeof(msg)) == 0) {
		if (pi >= 0) {
			data_free_table(&t->panels[pi].data);
			t->panels[pi].data = tbl;
			add_repos(&tbl);
		} else if (kind == J_TIMELINE) {
			data_free_table(&d->timeline);
			d->timeline = tbl;
			d->have_timeline = 1;
			d->terr[0] = '\0';
		} else {
			data_free_table(&d->trans);
			d->trans = tbl;
			d->have_trans = 1;
			d->perr[0] = '\0';
		}
	}
	if ((nl = strchr(msg, '\n')) != NULL)
		*nl = '\0';
	if (msg[0] != '\0' && j->msg[0] == '\0' && strncmp(msg, j->name,
	    strlen(j->name)) != 0) {
		/* A parse error: name the program. */
		char	 tmp[sizeof(msg)];

		snprintf(tmp, sizeof(tmp), "%s: %s", j->name, msg);
		memcpy(msg, tmp, sizeof(msg));
	}
	if (pi >= 0) {
		p = &t->panels[pi];
		p->stale = msg[0] != '\0';
		if (!p->stale)
			p->fetched = mono();
	}
	if (msg[0] != '\0') {
		if (kind == J_TIMELINE)
			snprintf(d->terr, sizeof(d->terr), "%s", msg);
		else if (kind == J_TRANS)
			snprintf(d->perr, sizeof(d->perr), "%s", msg);
		set_error(t->error, sizeof(t->error), msg);
	} else if (errout[0] != '\0' && t->note[0] == '\0') {
		/* It worked but warned (an older schema, say): a note. */
		snprintf(msg, sizeof(msg), "%s", errout);
		if ((nl = strchr(msg, '\n')) != NULL)
			*nl = '\0';
		set_error(t->note, sizeof(t->note), msg);
	}
}

/* Do a and b say the same after their "program: " prefixes? */
static int
same_after_name(const char *a, const char *b)
{
	const char	*pa, *pb;
	size_t		 n;

	if ((pa = strstr(a, ": ")) == NULL || (pb = strstr(b, ": ")) == NULL)
		return 0;
	pa += 2;
	pb += 2;
	n = strlen(pb);
	return strncmp(pa, pb, n) == 0 && (pa[n] == '\0' ||
	    strncmp(pa + n, " (+", 3) == 0);
}

/*
 * Put msg, cleaned of control characters, in a status line (t->error
 * or t->note) of cap bytes: the first failure, and how many more came.
 */
static void
set_error(char *dst, size_t cap, const char *msg)
{
	char	*clean, *more;
	int	 n;

	clean = data_clean(msg, strlen(msg), 0);
	if (dst[0] == '\0')
		snprintf(dst, cap, "%s", clean);
	else if (same_after_name(dst, clean))
		;	/* The same trouble (a missing database) told again. */
	else {
		n = 1;
		if ((more = strstr(dst, " (+")) != NULL) {
			n = atoi(more + 3) + 1;
			*more = '\0';
		}
		snprintf(dst + strlen(dst), cap - strlen(dst), " (+%d more)",
		    n);
	}
	free(clean);
}

/* Remember every repo name in tbl for f, sorted and unique. */
static void
add_repos(const struct table *tbl)
{
	const struct field	*f;
	size_t			 i, k;
	int			 c = 1;

	for (i = 0; i < tbl->n; i++) {
		if ((f = data_field(&tbl->rows[i], "repo_full_name")) ==
		    NULL || f->type != FV_TEXT)
			continue;
		for (k = 0; k < nrepos; k++)
			if ((c = strcmp(repos[k], f->text)) >= 0)
				break;
		if (k < nrepos && c == 0)
			continue;
		repos = xrealloc(repos, nrepos + 1, sizeof(*repos));
		memmove(repos + k + 1, repos + k,
		    (nrepos - k) * sizeof(*repos));
		repos[k] = xstrdup(f->text);
		nrepos++;
	}
}

static const struct panel	*sort_panel;

/* Order two rows by the sort column: nulls last, then the child's order. */
static int
sort_cmp(const void *a, const void *b)
{
	const struct panel	*p = sort_panel;
	const struct row	*ra = &p->data.rows[*(const size_t *)a];
	const struct row	*rb = &p->data.rows[*(const size_t *)b];
	const struct column	*c;
	const struct field	*fa, *fb;
	int			 na, nb, r = 0;
	double			 va, vb;

	if (p->sortcol >= 0) {
		c = &p->cols[p->sortcol];
		fa = data_field(ra, c->key);
		fb = data_field(rb, c->key);
		na = fa == NULL || fa->type == FV_NULL ||
		    (c->fmt >= CF_AGE && c->fmt <= CF_TIME && !fa->is_time);
		nb = fb == NULL || fb->type == FV_NULL ||
		    (c->fmt >= CF_AGE && c->fmt <= CF_TIME && !fb->is_time);
		if (na != nb)
			return na - nb;
		if (!na) {
			if (fa->type == FV_TEXT && fb->type == FV_TEXT &&
			    !fa->is_time)
				r = strcmp(fa->text, fb->text);
			else {
				va = c->fmt == CF_AGE ? -fa->num : fa->num;
				vb = c->fmt == CF_AGE ? -fb->num : fb->num;
				r = va < vb ? -1 : va > vb;
			}
		}
		if (r != 0)
			return p->reverse ? -r : r;
		return ra->seq < rb->seq ? -1 : ra->seq > rb->seq;
	}
	/* The programs' order, but blocked work before tracked PRs. */
	if (p->cols == work_cols)
		r = data_blocked(rb) - data_blocked(ra);
	if (r == 0)
		r = ra->seq < rb->seq ? -1 : ra->seq > rb->seq;
	return p->reverse ? -r : r;
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* A case-blind substring test for the / filter (ASCII case only). */
static int
contains(const char *hay, const char *needle)
{
	size_t	 n = strlen(needle), i;

	for (; *hay != '\0'; hay++) {
		for (i = 0; i < n && hay[i] != '\0'; i++)
			if (lower(hay[i]) != lower(needle[i]))
				break;
		if (i == n)
			return 1;
	}
	return n == 0;
}

/*
 * The rows of p to show, filtered (/ text, the window for outcomes)
 * and sorted, with the selection kept on the same key.
 */
static void
build_view(struct top *t, struct panel *p)
{
	const struct field	*f;
	char			 cell[512];
	size_t			 i, k;
	int			 c, match;

	free(p->view);
	p->view = xcalloc(p->data.n + 1, sizeof(*p->view));
	p->nview = 0;
	for (i = 0; i < p->data.n; i++) {
		if (p == &t->panels[P_OUTCOMES] && t->window_secs >= 0 &&
		    (f = data_field(&p->data.rows[i], "updated_at")) != NULL &&
		    f->is_time && f->num < (double)time(NULL) -
		    (double)t->window_secs)
			continue;
		match = p->filter[0] == '\0';
		for (c = 0; !match && c < p->ncols; c++) {
			draw_cell(t, p, &p->data.rows[i], &p->cols[c], cell,
			    sizeof(cell));
			match = contains(cell, p->filter);
		}
		if (match)
			p->view[p->nview++] = i;
	}
	sort_panel = p;
	qsort(p->view, p->nview, sizeof(*p->view), sort_cmp);
	if (p->nview == 0) {
		p->sel = 0;
		return;
	}
	if (p->selkey != NULL)
		for (k = 0; k < p->nview; k++)
			if (strcmp(p->data.rows[p->view[k]].key,
			    p->selkey) == 0) {
				p->sel = k;
				return;
			}
	/* The item left: stay at the same place. */
	if (p->sel >= p->nview)
		p->sel = p->nview - 1;
	free(p->selkey);
	p->selkey = xstrdup(p->data.rows[p->view[p->sel]].key);
}

/*
 * Has the database or its write-ahead log changed (size, time, inode)
 * since the last call?
 */
static int
watch_changed(struct watch *w, const char *db)
{
	struct stat	 st;
	char		 wal[PATH_MAX];
	const char	*path;
	int		 i, ok, changed = 0;

	if (db == NULL)
		return 0;
	snprintf(wal, sizeof(wal), "%s-wal", db);
	for (i = 0; i < 2; i++) {
		path = i == 0 ? db : wal;
		ok = stat(path, &st) == 0;
		if (ok != w->ok[i] || (ok && (st.st_size != w->st[i].st_size ||
		    st.st_ino != w->st[i].st_ino ||
		    st.st_mtim.tv_sec != w->st[i].st_mtim.tv_sec ||
		    st.st_mtim.tv_nsec != w->st[i].st_mtim.tv_nsec)))
			changed = 1;
		w->ok[i] = ok;
		if (ok)
			w->st[i] = st;
	}
	return changed;
}

static double
mono(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static _Noreturn void
usage(void)
{
	opt_usage(&opts);
}
