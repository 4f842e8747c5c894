/*
 * mx-top: drawing.  One layout feeds two outputs: curses lines for the
 * screen and plain text frames for -b.
 */

#include <curses.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "mx.h"
#include "top.h"

#define MIN_W		40		/* smallest screen we draw on */
#define MIN_H		10
#define UNLIMITED	(INT_MAX / 4)
#define DETAIL_LABEL	28		/* widest field name in a detail */
#define FLEX_WANT	20		/* a flexible column's fair share */
#define UP		"\xe2\x96\xb2"	/* sort markers, UTF-8 */
#define DOWN		"\xe2\x96\xbc"
#define ELLIPSIS	"\xe2\x80\xa6"

enum attr {
	AT_NORM,
	AT_TITLE,			/* a panel's title */
	AT_FOCUS,			/* the focused panel's title */
	AT_HEAD,			/* column headers */
	AT_SEL,				/* the selected row */
	AT_BLOCKED,			/* a blocked row */
	AT_ERR,				/* the error line */
	AT_NOTE,			/* a child's warning */
	AT_PAUSED,
	AT_BOLD,
	AT_BAD,				/* a count that should be zero */
	AT_DIM,				/* the key hint */
	AT_LINE,			/* box line: drawn with ACS_HLINE */
	AT_COUNT
};

/* One line being laid out: bytes, display columns, attribute runs. */
struct line {
	char	*buf;
	size_t	 len, cap;
	int	 col, width;
	struct {
		size_t	 off;
		int	 attr;
	}	*run;
	size_t	 nrun, runcap;
};

/* Where lines go: the curses screen, or a stream for -b. */
struct canvas {
	FILE	*fp;			/* NULL: curses */
	int	 width;
	int	 y;
};

/* The lines of a detail view, built for the width, then scrolled. */
struct dlines {
	char	**text;
	int	 *attr;
	size_t	  n, cap;
};

static void	 ln_init(struct line *, int);
static void	 ln_free(struct line *);
static void	 ln_attr(struct line *, int);
static void	 ln_text(struct line *, const char *, int, int);
static void	 ln_pad(struct line *, int);
static void	 ln_fill(struct line *);
static void	 ln_hline(struct line *, int);
static void	 emit(struct canvas *, struct line *, int);
static int	 glyph(const char *, size_t *, char *, size_t *);
static int	 str_width(const char *);
static void	 draw_main(struct top *, struct canvas *, int);
static void	 draw_summary(const struct top *, struct canvas *);
static void	 summary_counts(const struct top *, struct canvas *, int);
static void	 draw_panel(struct top *, int, struct canvas *, int);
static void	 layout(const struct top *, const struct panel *, int, int *);
static int	 is_blocked(const struct panel *, const struct top *,
		    const struct row *);
static void	 draw_detail(struct top *, struct canvas *, int);
static void	 detail_lines(const struct top *, struct dlines *, int);
static void	 draw_help(struct canvas *, int, int);
static void	 draw_small(struct canvas *, int, int);
static void	 dl_add(struct dlines *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
static void	 dl_wrap(struct dlines *, int, const char *, const char *,
		    int);
static void	 dl_free(struct dlines *);
static void	 fmt_time(time_t, time_t, int, char *, size_t);

static int	 utf8;			/* draw "…"; else '~' */
static attr_t	 attrs[AT_COUNT];

static const char *const help_text[] = {
	"mx-top keys",
	"",
	"q            quit; in a detail view or here: back",
	"r            refresh now",
	"f            repo filter: all, then each repo seen",
	"w            window: 1h, 24h, 7d, 30d",
	"tab  right   next panel",
	"shift-tab    previous panel (also left)",
	"up down j k  move the selection",
	"PgUp PgDn    a page up or down",
	"Home End     first or last row",
	"enter        detail of the selected row",
	"esc          back; clear the panel's filter",
	"/            filter the focused panel by text",
	"< >          sort by the previous or next column",
	"R            reverse the order",
	"p space      pause or resume",
	"+ -          longer or shorter refresh interval",
	"^L           repaint the screen",
	"?            this help; any key closes it",
};
#define HELP_LINES	(sizeof(help_text) / sizeof(help_text[0]))

/* Choose the attributes: colour pairs when allowed, else mono ones. */
void
draw_init(struct top *t)
{
	static const struct {
		short	 fg, bg;
		attr_t	 extra, mono;
	} map[AT_COUNT] = {
		{ -1, -1, 0, 0 },				/* NORM */
		{ COLOR_CYAN, -1, A_BOLD, A_BOLD },		/* TITLE */
		{ COLOR_BLACK, COLOR_CYAN, A_BOLD,
		    A_BOLD | A_REVERSE },			/* FOCUS */
		{ COLOR_BLACK, COLOR_GREEN, 0, A_BOLD | A_UNDERLINE },
		{ COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE },	/* SEL */
		{ COLOR_RED, -1, A_BOLD, A_BOLD },		/* BLOCKED */
		{ COLOR_WHITE, COLOR_RED, A_BOLD,
		    A_BOLD | A_REVERSE },			/* ERR */
		{ COLOR_YELLOW, -1, 0, 0 },			/* NOTE */
		{ COLOR_BLACK, COLOR_YELLOW, A_BOLD,
		    A_BOLD | A_REVERSE },			/* PAUSED */
		{ -1, -1, A_BOLD, A_BOLD },			/* BOLD */
		{ COLOR_RED, -1, A_BOLD, A_BOLD },		/* BAD */
		{ COLOR_BLUE, -1, 0, 0 },			/* DIM */
		{ COLOR_CYAN, -1, 0, 0 },			/* LINE */
	};
	int	 i;

	utf8 = t->utf8;
	if (t->color && (start_color() == ERR || use_default_colors() ==
	    ERR))
		t->color = 0;
	for (i = 0; i < AT_COUNT; i++) {
		if (!t->color) {
			attrs[i] = map[i].mono;
			continue;
		}
		if (map[i].fg == -1 && map[i].bg == -1) {
			attrs[i] = map[i].extra;
			continue;
		}
		init_pair((short)i, map[i].fg, map[i].bg);
		attrs[i] = COLOR_PAIR(i) | map[i].extra;
	}
}

/* Draw the whole screen from the data held: erase, lines, one refresh. */
void
draw_screen(struct top *t)
{
	struct canvas	 cv;

	utf8 = t->utf8;
	memset(&cv, 0, sizeof(cv));
	cv.width = COLS;
	erase();
	if (COLS < MIN_W || LINES < MIN_H)
		draw_small(&cv, COLS, LINES);
	else if (t->detail.open)
		draw_detail(t, &cv, LINES);
	else
		draw_main(t, &cv, LINES);
	if (t->help && COLS >= MIN_W && LINES >= MIN_H)
		draw_help(&cv, COLS, LINES);
	refresh();
}

/*
 * One plain-text frame for -b: the summary, then every panel with all
 * its rows.  width 0: no limit, columns as wide as their text.
 */
void
draw_batch(struct top *t, int width, FILE *fp)
{
	struct canvas	 cv;
	struct line	 l;
	int		 i;

	utf8 = t->utf8;
	memset(&cv, 0, sizeof(cv));
	cv.fp = fp;
	cv.width = width > 0 ? width : UNLIMITED;
	draw_summary(t, &cv);
	if (t->error[0] != '\0') {
		ln_init(&l, cv.width);
		ln_text(&l, "error: ", -1, 0);
		ln_text(&l, t->error, -1, 0);
		emit(&cv, &l, 0);
	}
	if (t->note[0] != '\0') {
		ln_init(&l, cv.width);
		ln_text(&l, "note: ", -1, 0);
		ln_text(&l, t->note, -1, 0);
		emit(&cv, &l, 0);
	}
	for (i = 0; i < P_COUNT; i++) {
		ln_init(&l, cv.width);
		emit(&cv, &l, 0);
		draw_panel(t, i, &cv, -1);
	}
}

/*
 * The main view: summary, key hint, the four panels sharing the height
 * left, and the status line when there is something to say.
 */
static void
draw_main(struct top *t, struct canvas *cv, int height)
{
	struct line	 l;
	int		 h[P_COUNT], want[P_COUNT], i, k, avail, more, status;

	draw_summary(t, cv);
	ln_init(&l, cv->width);
	ln_attr(&l, AT_DIM);
	ln_text(&l, "q quit  r refresh  f repo  w window  tab panel  "
	    "enter detail  / filter  < > sort  p pause  ? help", -1, 0);
	emit(cv, &l, 0);

	status = t->filtering || t->error[0] != '\0' || t->note[0] != '\0';
	avail = height - cv->y - status;
	for (i = 0; i < P_COUNT; i++) {
		h[i] = 0;
		want[i] = 2 + (t->panels[i].nview > 0 ?
		    (int)t->panels[i].nview : 1);
	}
	/* Titles, then headers, then rows one at a time, focus first. */
	for (k = 0; k < 2; k++)
		for (i = 0; i < P_COUNT; i++)
			if (avail > 0 && h[(t->focus + i) % P_COUNT] == k) {
				h[(t->focus + i) % P_COUNT]++;
				avail--;
			}
	do {
		more = 0;
		for (i = 0; i < P_COUNT; i++) {
			k = (t->focus + i) % P_COUNT;
			if (avail > 0 && h[k] < want[k]) {
				h[k]++;
				avail--;
				more = 1;
			}
		}
	} while (more);
	for (i = 0; i < P_COUNT; i++)
		if (h[i] > 0)
			draw_panel(t, i, cv, h[i]);

	if (!status)
		return;
	cv->y = height - 1;
	ln_init(&l, cv->width - 1);
	if (t->filtering) {
		ln_attr(&l, AT_BOLD);
		ln_text(&l, "filter ", -1, 0);
		ln_attr(&l, AT_NORM);
		ln_text(&l, "/", -1, 0);
		ln_text(&l, t->panels[t->focus].filter, -1, 0);
		ln_text(&l, "_  (enter keeps, esc clears)", -1, 0);
	} else if (t->error[0] != '\0') {
		ln_attr(&l, AT_ERR);
		ln_text(&l, "error: ", -1, 0);
		ln_text(&l, t->error, -1, 0);
		ln_fill(&l);
	} else {
		ln_attr(&l, AT_NOTE);
		ln_text(&l, "note: ", -1, 0);
		ln_text(&l, t->note, -1, 0);
	}
	emit(cv, &l, 0);
}

static void
put_count(struct line *l, const char *label, long long v, int bad)
{
	char	 buf[32];

	ln_attr(l, AT_NORM);
	ln_text(l, label, -1, 0);
	if (v < 0)
		snprintf(buf, sizeof(buf), "-");
	else
		snprintf(buf, sizeof(buf), "%lld", v);
	ln_attr(l, bad && v > 0 ? AT_BAD : AT_BOLD);
	ln_text(l, buf, -1, 0);
}

/*
 * Two lines: what is shown (repo, window, interval, last refresh,
 * PAUSED) and the overview numbers, exactly as mx-metrics -j has them.
 */
static void
draw_summary(const struct top *t, struct canvas *cv)
{
	struct line		 l;
	char			 buf[64];

	ln_init(&l, cv->width);
	ln_attr(&l, AT_BOLD);
	ln_text(&l, "mx-top", -1, 0);
	ln_attr(&l, AT_NORM);
	ln_text(&l, "  repo ", -1, 0);
	ln_attr(&l, AT_BOLD);
	ln_text(&l, t->repo != NULL ? t->repo : "all", -1, 0);
	ln_attr(&l, AT_NORM);
	ln_text(&l, "  window ", -1, 0);
	ln_attr(&l, AT_BOLD);
	ln_text(&l, t->window, -1, 0);
	ln_attr(&l, AT_NORM);
	snprintf(buf, sizeof(buf), "  every %gs  updated ", t->interval);
	ln_text(&l, buf, -1, 0);
	if (t->refreshed == 0)
		snprintf(buf, sizeof(buf), "never");
	else
		fmt_time(t->refreshed, t->refreshed, cv->fp != NULL ? 2 : 1,
		    buf, sizeof(buf));
	ln_text(&l, buf, -1, 0);
	if (t->paused) {
		ln_text(&l, "  ", -1, 0);
		ln_attr(&l, AT_PAUSED);
		ln_text(&l, " PAUSED ", -1, 0);
	}
	emit(cv, &l, 0);

	summary_counts(t, cv, 0);
}

/* The overview numbers; short labels when the full ones do not fit. */
static void
summary_counts(const struct top *t, struct canvas *cv, int brief)
{
	static const char *const labels[2][6] = {
		{ "active ", "  blocked ", "  tracked ", "  failures ",
		    "  mean ", "  stddev " },
		{ "act ", " blk ", " trk ", " fail ", " mean ", " sd " },
	};
	const struct metrics	*m = &t->metrics;
	const char *const	*lb = labels[brief];
	struct line		 l;
	char			 buf[64];
	double			 v;

	ln_init(&l, brief ? cv->width : UNLIMITED);
	put_count(&l, lb[0], m->active, 0);
	put_count(&l, lb[1], m->blocked, 1);
	put_count(&l, lb[2], m->tracked, 0);
	put_count(&l, lb[3], m->failures, 1);
	ln_attr(&l, AT_NORM);
	ln_text(&l, lb[4], -1, 0);
	v = data_num(&m->overall, "mean_runtime_seconds", NAN);
	data_duration(v, buf, sizeof(buf));
	ln_attr(&l, AT_BOLD);
	ln_text(&l, buf, -1, 0);
	ln_attr(&l, AT_NORM);
	ln_text(&l, lb[5], -1, 0);
	v = data_num(&m->overall, "stddev_runtime_seconds", NAN);
	data_duration(v, buf, sizeof(buf));
	ln_attr(&l, AT_BOLD);
	ln_text(&l, buf, -1, 0);
	if (!brief && l.col > cv->width) {
		ln_free(&l);
		summary_counts(t, cv, 1);
		return;
	}
	l.width = cv->width;
	emit(cv, &l, 0);
}

/* Right-aligned columns: the numbers. */
static int
right(const struct column *c)
{
	return c->fmt != CF_TEXT && c->fmt != CF_TIME;
}

/*
 * Panel i in h lines (-1: every row, for -b): a title line, the column
 * headers, the rows around the selection.
 */
static void
draw_panel(struct top *t, int i, struct canvas *cv, int h)
{
	struct panel		*p = &t->panels[i];
	const struct row	*r;
	struct line		 l;
	char			 buf[512], title[160];
	int			 w[16], c, n, first, rows, sel, blocked, focus;

	focus = cv->fp == NULL && i == t->focus && !t->detail.open;
	if (p->filter[0] != '\0' || (i == P_OUTCOMES && t->window_secs >= 0))
		snprintf(title, sizeof(title), "%s (%zu of %zu)", p->title,
		    p->nview, p->data.n);
	else
		snprintf(title, sizeof(title), "%s (%zu)", p->title,
		    p->nview);
	ln_init(&l, cv->width);
	if (cv->fp == NULL) {
		ln_attr(&l, AT_LINE);
		ln_hline(&l, 1);
		ln_text(&l, " ", -1, 0);
	}
	ln_attr(&l, focus ? AT_FOCUS : AT_TITLE);
	ln_text(&l, title, -1, 0);
	ln_attr(&l, AT_TITLE);
	if (i == P_OUTCOMES && t->window_secs >= 0) {
		snprintf(buf, sizeof(buf), " in %s", t->window);
		ln_text(&l, buf, -1, 0);
	}
	if (p->sortcol < 0 && p->reverse)
		ln_text(&l, " reversed", -1, 0);
	if (p->filter[0] != '\0') {
		ln_text(&l, " /", -1, 0);
		ln_text(&l, p->filter, -1, 0);
	}
	if (p->stale) {
		ln_attr(&l, AT_BAD);
		ln_text(&l, " [stale]", -1, 0);
	}
	if (cv->fp == NULL) {
		ln_attr(&l, AT_LINE);
		ln_text(&l, " ", -1, 0);
		ln_hline(&l, l.width - l.col);
	}
	emit(cv, &l, 0);
	if (h == 1)
		return;

	layout(t, p, cv->width, w);
	ln_init(&l, cv->width);
	ln_attr(&l, AT_HEAD);
	ln_text(&l, " ", 1, 0);
	for (c = 0, first = 1; c < p->ncols; c++) {
		if (w[c] == 0)
			continue;
		if (!first)
			ln_text(&l, " ", 1, 0);
		first = 0;
		snprintf(buf, sizeof(buf), "%s%s", p->cols[c].title,
		    c != p->sortcol ? "" : p->reverse ? (utf8 ? DOWN : "v") :
		    (utf8 ? UP : "^"));
		ln_text(&l, buf, w[c], right(&p->cols[c]));
	}
	if (cv->fp == NULL)
		ln_fill(&l);
	emit(cv, &l, 0);

	rows = h < 0 ? (p->nview > 0 ? (int)p->nview : 1) : h - 2;
	p->shown = rows;
	if (p->sel < p->top)
		p->top = p->sel;
	if (rows > 0 && p->sel >= p->top + (size_t)rows)
		p->top = p->sel - (size_t)rows + 1;
	if (p->nview <= (size_t)rows)
		p->top = 0;
	else if (p->top > p->nview - (size_t)rows)
		p->top = p->nview - (size_t)rows;
	for (c = 0; c < rows; c++) {
		ln_init(&l, cv->width);
		if ((size_t)c + p->top >= p->nview) {
			if (c == 0) {
				ln_attr(&l, AT_DIM);
				ln_text(&l, p->data.n > 0 ? "  (no rows "
				    "match)" : "  (none)", -1, 0);
				emit(cv, &l, 0);
			}
			break;
		}
		r = &p->data.rows[p->view[p->top + (size_t)c]];
		sel = focus && p->top + (size_t)c == p->sel;
		blocked = is_blocked(p, t, r);
		ln_attr(&l, sel ? AT_SEL : blocked ? AT_BLOCKED : AT_NORM);
		ln_text(&l, sel ? ">" : blocked ? "!" : " ", 1, 0);
		for (n = 0, first = 1; n < p->ncols; n++) {
			if (w[n] == 0)
				continue;
			if (!first)
				ln_text(&l, " ", 1, 0);
			first = 0;
			draw_cell(t, p, r, &p->cols[n], buf, sizeof(buf));
			ln_text(&l, buf, w[n], right(&p->cols[n]));
		}
		if (sel)
			ln_fill(&l);
		emit(cv, &l, 0);
	}
}

/* A row of the blocked and tracked panel that is blocked work. */
static int
is_blocked(const struct panel *p, const struct top *t, const struct row *r)
{
	return p == &t->panels[P_WORK] && data_blocked(r);
}

/*
 * Column widths for width: each as wide as its widest text within its
 * bounds; when they do not fit, the least needed columns go (w = 0),
 * and what space is left goes to the flexible column.
 */
static void
layout(const struct top *t, const struct panel *p, int width, int *w)
{
	char	 buf[512];
	int	 nat[16], c, used, extra, add, drop, shown, pass;
	size_t	 i;

	for (c = 0; c < p->ncols; c++) {
		nat[c] = str_width(p->cols[c].title) + (c == p->sortcol);
		for (i = 0; i < p->nview; i++) {
			draw_cell(t, p, &p->data.rows[p->view[i]], &p->cols[c],
			    buf, sizeof(buf));
			if ((add = str_width(buf)) > nat[c])
				nat[c] = add;
		}
		if (nat[c] > p->cols[c].max)
			nat[c] = p->cols[c].max;
		if (nat[c] < p->cols[c].min)
			nat[c] = p->cols[c].min;
		w[c] = p->cols[c].min;
	}
	/*
	 * Drop the least needed columns until the others fit at their
	 * natural widths (the flexible one at FLEX_WANT or less), so that
	 * what shows is readable rather than everything cut short.
	 */
	shown = p->ncols;
	for (;;) {
		used = shown;
		for (c = 0; c < p->ncols; c++)
			if (w[c] > 0)
				used += !p->cols[c].flex ? nat[c] :
				    nat[c] < FLEX_WANT ? nat[c] :
				    w[c] > FLEX_WANT ? w[c] : FLEX_WANT;
		if (used <= width)
			break;
		drop = -1;
		for (c = 0; c < p->ncols; c++)
			if (w[c] > 0 && p->cols[c].prio > 0 && (drop == -1 ||
			    p->cols[c].prio > p->cols[drop].prio))
				drop = c;
		if (drop == -1)
			break;
		w[drop] = 0;
		shown--;
	}
	used = shown;
	for (c = 0; c < p->ncols; c++)
		used += w[c];
	extra = width - used;
	for (pass = 0; pass < 2; pass++)
		for (c = 0; c < p->ncols && extra > 0; c++) {
			if (w[c] == 0 || p->cols[c].flex != pass)
				continue;
			add = nat[c] - w[c];
			if (add > extra)
				add = extra;
			w[c] += add;
			extra -= add;
		}
	if (width < UNLIMITED)
		for (c = 0; c < p->ncols && extra > 0; c++)
			if (w[c] > 0 && p->cols[c].flex) {
				w[c] += extra;
				extra = 0;
			}
}

/*
 * The text of column c of row r: durations human, elapsed ticking from
 * the time the data came, timestamps as ages or local times.
 */
void
draw_cell(const struct top *t, const struct panel *p, const struct row *r,
    const struct column *c, char *buf, size_t len)
{
	const struct field	*f;
	double			 v, clock;
	time_t			 now;
	char			 tmp[32];

	f = data_field(r, c->key);
	if (f == NULL || f->type == FV_NULL) {
		snprintf(buf, len, "-");
		return;
	}
	now = t->paused ? t->paused_wall : t->now_wall;
	if (now == 0)
		now = time(NULL);
	switch (c->fmt) {
	case CF_DUR:
	case CF_ELAPSED:
		if (f->type != FV_INT && f->type != FV_REAL)
			break;
		v = f->num;
		if (c->fmt == CF_ELAPSED && p->fetched > 0) {
			clock = t->paused ? t->paused_mono : t->now_mono;
			if (clock > p->fetched)
				v += clock - p->fetched;
		}
		data_duration(v, buf, len);
		return;
	case CF_AGE:
		if (!f->is_time)
			break;
		data_duration((double)now - f->num, tmp, sizeof(tmp));
		snprintf(buf, len, "%s ago", tmp);
		return;
	case CF_TIME:
		if (!f->is_time)
			break;
		fmt_time((time_t)f->num, now, 0, buf, len);
		return;
	case CF_RATE:
		if (f->type != FV_INT && f->type != FV_REAL)
			break;
		snprintf(buf, len, "%.1f%%", f->num * 100);
		return;
	}
	snprintf(buf, len, "%s", f->text);
}

/*
 * A time in local time: style 0 short (the time of day within a day of
 * now, else month, day and minute), 1 the time of day, 2 all of it.
 */
static void
fmt_time(time_t when, time_t now, int style, char *buf, size_t len)
{
	struct tm	 tm;
	const char	*fmt;

	if (localtime_r(&when, &tm) == NULL) {
		snprintf(buf, len, "-");
		return;
	}
	if (style == 2)
		fmt = "%Y-%m-%d %H:%M:%S";
	else if (style == 1 || (when <= now + 60 && now - when < 86400))
		fmt = "%H:%M:%S";
	else
		fmt = "%m-%d %H:%M";
	if (strftime(buf, len, fmt, &tm) == 0)
		snprintf(buf, len, "-");
}

/*
 * The detail view: the summary line, a title, the row's lines from the
 * scroll position, and a hint or the error at the bottom.
 */
static void
draw_detail(struct top *t, struct canvas *cv, int height)
{
	struct detail	*d = &t->detail;
	struct dlines	 dl;
	struct line	 l;
	const struct field *f;
	char		 title[256];
	int		 page, i;

	draw_summary(t, cv);
	f = data_field(&d->row, "repo_full_name");
	snprintf(title, sizeof(title), "%s: %s", t->panels[d->panel].title,
	    f != NULL ? f->text : "-");
	if ((f = data_field(&d->row, "issue_number")) != NULL &&
	    f->type == FV_INT)
		snprintf(title + strlen(title), sizeof(title) - strlen(title),
		    " issue #%s", f->text);
	if ((f = data_field(&d->row, "pr_number")) != NULL &&
	    f->type == FV_INT)
		snprintf(title + strlen(title), sizeof(title) - strlen(title),
		    " PR #%s", f->text);
	ln_init(&l, cv->width);
	ln_attr(&l, AT_LINE);
	ln_hline(&l, 1);
	ln_attr(&l, AT_FOCUS);
	ln_text(&l, " ", -1, 0);
	ln_text(&l, title, -1, 0);
	ln_text(&l, " ", -1, 0);
	ln_attr(&l, AT_LINE);
	ln_hline(&l, l.width - l.col);
	emit(cv, &l, 0);

	memset(&dl, 0, sizeof(dl));
	detail_lines(t, &dl, cv->width);
	page = height - cv->y - 1;
	d->page = page;
	d->lines = (int)dl.n;
	if (d->scroll > (int)dl.n - page)
		d->scroll = (int)dl.n - page;
	if (d->scroll < 0)
		d->scroll = 0;
	for (i = 0; i < page && (size_t)(d->scroll + i) < dl.n; i++) {
		ln_init(&l, cv->width);
		ln_attr(&l, dl.attr[d->scroll + i]);
		ln_text(&l, dl.text[d->scroll + i], -1, 0);
		emit(cv, &l, 0);
	}
	dl_free(&dl);

	cv->y = height - 1;
	ln_init(&l, cv->width - 1);
	if (t->error[0] != '\0') {
		ln_attr(&l, AT_ERR);
		ln_text(&l, "error: ", -1, 0);
		ln_text(&l, t->error, -1, 0);
		ln_fill(&l);
	} else {
		ln_attr(&l, AT_DIM);
		snprintf(title, sizeof(title), "esc back  up down PgUp PgDn "
		    "Home End scroll  r refresh  ? help   %d-%d of %d",
		    d->lines > 0 ? d->scroll + 1 : 0,
		    d->scroll + page < d->lines ? d->scroll + page : d->lines,
		    d->lines);
		ln_text(&l, title, -1, 0);
	}
	emit(cv, &l, 0);
}

static int
repo_ok(const char *r)
{
	const char	*p;
	int		 slash = 0;

	if (r[0] == '\0' || r[0] == '/')
		return 0;
	for (p = r; *p != '\0'; p++) {
		if (*p == '/') {
			if (slash++ || p[1] == '\0')
				return 0;
		} else if (!((*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '_' || *p == '.'))
			return 0;
	}
	return slash == 1;
}

/* A branch name as a URL path: unreserved bytes and '/' as they are. */
static void
url_path(const char *s, char *buf, size_t len)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p;
	size_t			 n = 0;

	for (p = (const unsigned char *)s; *p != '\0' && n + 4 < len; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		    *p == '.' || *p == '~' || *p == '/')
			buf[n++] = (char)*p;
		else {
			buf[n++] = '%';
			buf[n++] = hex[*p >> 4];
			buf[n++] = hex[*p & 15];
		}
	}
	buf[n] = '\0';
}

static int
sha_ok(const char *s)
{
	size_t	 n;

	n = strspn(s, "0123456789abcdefABCDEF");
	return n >= 7 && n <= 64 && s[n] == '\0';
}

/* The first of the fields names that r has, not null. */
static const struct field *
first_of(const struct row *r, const char *const *names)
{
	const struct field	*f;

	for (; *names != NULL; names++)
		if ((f = data_field(r, *names)) != NULL && f->type != FV_NULL)
			return f;
	return NULL;
}

/* A field's value for a detail: durations, rates and times made human. */
static void
detail_value(const struct top *t, const struct field *f, char *buf,
    size_t len)
{
	const struct panel	*p = &t->panels[t->detail.panel];
	struct column		 c;
	struct row		 r;
	char			 tmp[128];
	size_t			 n;

	n = strlen(f->name);
	memset(&c, 0, sizeof(c));
	memset(&r, 0, sizeof(r));
	c.key = f->name;
	r.f = (struct field *)f;
	r.nf = 1;
	if ((f->type == FV_INT || f->type == FV_REAL) && n > 8 &&
	    strcmp(f->name + n - 8, "_seconds") == 0) {
		c.fmt = strcmp(f->name, "elapsed_seconds") == 0 ? CF_ELAPSED :
		    CF_DUR;
		draw_cell(t, p, &r, &c, buf, len);
		if (c.fmt == CF_DUR && f->num >= 60) {
			snprintf(tmp, sizeof(tmp), " (%.0fs)", f->num);
			strncat(buf, tmp, len - strlen(buf) - 1);
		}
	} else if (strcmp(f->name, "failure_rate") == 0 &&
	    f->type != FV_NULL) {
		c.fmt = CF_RATE;
		draw_cell(t, p, &r, &c, buf, len);
	} else if (f->is_time) {
		c.fmt = CF_AGE;
		draw_cell(t, p, &r, &c, tmp, sizeof(tmp));
		snprintf(buf, len, "%s (%s)", f->text, tmp);
	} else
		snprintf(buf, len, "%s", f->text);
}

static void
cat(char *buf, size_t len, const char *a, const char *b, const char *c)
{
	size_t	 n = strlen(buf);

	snprintf(buf + n, len - n, "%s%s%s%s", n > 0 ? "  " : "", a, b, c);
}

/*
 * One event of a timeline, whatever its fields: its time, what happened,
 * the status, the plain facts, then every other field as name=value.
 */
static void
event_text(const struct top *t, const struct row *r, char *buf, size_t len)
{
	static const char *const when[] = { "at", "changed_at", "time",
	    "timestamp", "started_at", "finished_at", "updated_at", NULL };
	static const char *const what[] = { "event", "kind", "type",
	    "event_type", NULL };
	static const char *const state[] = { "status", "to_status",
	    "terminal_status", "outcome", NULL };
	static const char *const plain[] = { "run_kind", "flow",
	    "failure_class", "reason", NULL };
	static const char *const skip[] = { "repo_full_name", "issue_number",
	    "id", "from_status", "to_status", "pr_number", "detail", NULL };
	const struct field	*fw, *fe, *fs, *fs2, *f;
	char			 tmp[64], val[512], *u;
	size_t			 i, k;

	buf[0] = '\0';
	fw = first_of(r, when);
	fe = first_of(r, what);
	fs = first_of(r, state);
	if (fw != NULL && fw->is_time)
		fmt_time((time_t)fw->num, 0, 2, tmp, sizeof(tmp));
	else
		snprintf(tmp, sizeof(tmp), "%s", fw != NULL ? fw->text : "-");
	cat(buf, len, tmp, "", "");
	if (fe != NULL)
		cat(buf, len, fe->text, "", "");
	f = data_field(r, "from_status");
	if (f != NULL && f->type != FV_NULL)
		cat(buf, len, f->text, " -> ", fs != NULL ? fs->text : "-");
	else if (fs != NULL)
		cat(buf, len, fs->text, "", "");
	for (i = 0; plain[i] != NULL; i++)
		if ((f = data_field(r, plain[i])) != NULL &&
		    f->type != FV_NULL)
			cat(buf, len, f->text, "", "");
	/* The PR of the detail itself goes without saying. */
	fs2 = data_field(&t->detail.row, "pr_number");
	if ((f = data_field(r, "pr_number")) != NULL && f->type != FV_NULL &&
	    (fs2 == NULL || strcmp(fs2->text, f->text) != 0))
		cat(buf, len, "PR #", f->text, "");
	if ((f = data_field(r, "detail")) != NULL && f->type != FV_NULL)
		cat(buf, len, f->text, "", "");
	/* Durations first: "took how long" is what a finish is about. */
	for (i = 0; i < 2 * r->nf; i++) {
		f = &r->f[i % r->nf];
		u = strstr(f->name, "_seconds");
		if ((i < r->nf) != (u != NULL && u[8] == '\0'))
			continue;
		if (f == fw || f == fe || f == fs || f->type == FV_NULL)
			continue;
		for (k = 0; skip[k] != NULL; k++)
			if (strcmp(f->name, skip[k]) == 0)
				break;
		if (skip[k] != NULL)
			continue;
		for (k = 0; plain[k] != NULL; k++)
			if (strcmp(f->name, plain[k]) == 0)
				break;
		if (plain[k] != NULL)
			continue;
		snprintf(tmp, sizeof(tmp), "%s=", f->name);
		if ((u = strstr(tmp, "_seconds=")) != NULL &&
		    (f->type == FV_INT || f->type == FV_REAL)) {
			strcpy(u, "=");
			data_duration(f->num, val, sizeof(val));
		} else
			snprintf(val, sizeof(val), "%s", f->text);
		cat(buf, len, tmp, val, "");
	}
}

/* Everything the detail view shows, wrapped to width. */
static void
detail_lines(const struct top *t, struct dlines *dl, int width)
{
	const struct detail	*d = &t->detail;
	const struct field	*f, *repo, *issue, *pr, *branch, *sha;
	char			 val[4096], url[1024], label[64];
	size_t			 i;
	int			 lw = 0;

	for (i = 0; i < d->row.nf; i++)
		if ((int)strlen(d->row.f[i].name) > lw)
			lw = (int)strlen(d->row.f[i].name);
	if (lw > DETAIL_LABEL)
		lw = DETAIL_LABEL;
	for (i = 0; i < d->row.nf; i++) {
		f = &d->row.f[i];
		detail_value(t, f, val, sizeof(val));
		snprintf(label, sizeof(label), "  %-*s  ", lw, f->name);
		dl_wrap(dl, strcmp(f->name, "blocked_reason") == 0 &&
		    f->type != FV_NULL ? AT_BLOCKED : AT_NORM, label, val,
		    width);
	}

	repo = data_field(&d->row, "repo_full_name");
	issue = data_field(&d->row, "issue_number");
	pr = data_field(&d->row, "pr_number");
	branch = data_field(&d->row, "branch");
	sha = data_field(&d->row, "last_seen_head_sha");
	if (repo != NULL && repo_ok(repo->text)) {
		dl_add(dl, AT_NORM, "%s", "");
		dl_add(dl, AT_TITLE, "%s", "Links");
		dl_add(dl, AT_NORM, "  repo    https://github.com/%s",
		    repo->text);
		if (issue != NULL && issue->type == FV_INT)
			dl_add(dl, AT_NORM, "  issue   https://github.com/%s/"
			    "issues/%s", repo->text, issue->text);
		if (pr != NULL && pr->type == FV_INT)
			dl_add(dl, AT_NORM, "  pr      https://github.com/%s/"
			    "pull/%s", repo->text, pr->text);
		if (branch != NULL && branch->type == FV_TEXT &&
		    strcmp(branch->text, "-") != 0) {
			url_path(branch->text, url, sizeof(url));
			dl_add(dl, AT_NORM, "  branch  https://github.com/%s/"
			    "tree/%s", repo->text, url);
		}
		if (sha != NULL && sha->type == FV_TEXT && sha_ok(sha->text))
			dl_add(dl, AT_NORM, "  commit  https://github.com/%s/"
			    "commit/%s", repo->text, sha->text);
	}

	if (issue != NULL && issue->type == FV_INT) {
		dl_add(dl, AT_NORM, "%s", "");
		dl_add(dl, AT_TITLE, "Timeline of issue #%s (%zu event%s, "
		    "oldest first)", issue->text, d->timeline.n,
		    d->timeline.n == 1 ? "" : "s");
		if (d->terr[0] != '\0')
			dl_add(dl, AT_ERR, "  %s", d->terr);
		else if (!d->have_timeline)
			dl_add(dl, AT_DIM, "%s", "  (loading)");
		else if (d->timeline.n == 0)
			dl_add(dl, AT_DIM, "%s", "  (no events)");
		for (i = 0; i < d->timeline.n; i++) {
			event_text(t, &d->timeline.rows[i], val, sizeof(val));
			dl_wrap(dl, AT_NORM, "  ", val, width);
		}
	}
	if (pr != NULL && pr->type == FV_INT) {
		dl_add(dl, AT_NORM, "%s", "");
		dl_add(dl, AT_TITLE, "Transitions of PR #%s (%zu, newest "
		    "first)", pr->text, d->trans.n);
		if (d->perr[0] != '\0')
			dl_add(dl, AT_ERR, "  %s", d->perr);
		else if (!d->have_trans)
			dl_add(dl, AT_DIM, "%s", "  (loading)");
		else if (d->trans.n == 0)
			dl_add(dl, AT_DIM, "%s", "  (no transitions)");
		for (i = 0; i < d->trans.n; i++) {
			event_text(t, &d->trans.rows[i], val, sizeof(val));
			dl_wrap(dl, AT_NORM, "  ", val, width);
		}
	}
}

static void
dl_push(struct dlines *dl, int attr, char *s)
{
	if (dl->n == dl->cap) {
		dl->cap = dl->cap ? dl->cap * 2 : 64;
		dl->text = xrealloc(dl->text, dl->cap, sizeof(*dl->text));
		dl->attr = xrealloc(dl->attr, dl->cap, sizeof(*dl->attr));
	}
	dl->text[dl->n] = s;
	dl->attr[dl->n++] = attr;
}

static void
dl_add(struct dlines *dl, int attr, const char *fmt, ...)
{
	va_list	 ap;
	char	 buf[4096];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	dl_push(dl, attr, xstrdup(buf));
}

/*
 * label, then text broken into lines of width columns (at a space when
 * one is near, at a newline always), later lines indented as far.
 */
static void
dl_wrap(struct dlines *dl, int attr, const char *label, const char *text,
    int width)
{
	const char	*p = text;
	char		 g[8], *s;
	size_t		 k, gk, gl, bk, lablen = strlen(label);
	int		 lw, avail, col, cw, bcol = 0, first = 1;

	lw = str_width(label);
	avail = width - lw > 10 ? width - lw : 10;
	do {
		col = 0;
		bk = 0;
		for (k = 0; p[k] != '\0' && p[k] != '\n'; k += gk) {
			cw = glyph(p + k, &gk, g, &gl);
			if (col + cw > avail)
				break;
			if (p[k] == ' ') {
				bk = k + 1;
				bcol = col;
			}
			col += cw;
		}
		if (p[k] != '\0' && p[k] != '\n' && bk > 0 && bcol > avail / 2)
			k = bk;
		if (k == 0 && p[0] != '\0' && p[0] != '\n')
			glyph(p, &k, g, &gl);
		s = xmalloc((first ? lablen : (size_t)lw) + k + 1);
		if (first)
			memcpy(s, label, lablen);
		else
			memset(s, ' ', (size_t)lw);
		memcpy(s + (first ? lablen : (size_t)lw), p, k);
		s[(first ? lablen : (size_t)lw) + k] = '\0';
		dl_push(dl, attr, s);
		first = 0;
		p += k;
		if (*p == '\n')
			p++;
	} while (*p != '\0');
}

static void
dl_free(struct dlines *dl)
{
	size_t	 i;

	for (i = 0; i < dl->n; i++)
		free(dl->text[i]);
	free(dl->text);
	free(dl->attr);
	memset(dl, 0, sizeof(*dl));
}

/* The help overlay: a box in the middle listing every key. */
static void
draw_help(struct canvas *cv, int cols, int lines)
{
	struct line	 l;
	size_t		 i;
	int		 w = 0, x, y;

	for (i = 0; i < HELP_LINES; i++)
		if (str_width(help_text[i]) > w)
			w = str_width(help_text[i]);
	w += 4;
	if (w > cols)
		w = cols;
	x = (cols - w) / 2;
	y = (lines - (int)HELP_LINES - 2) / 2;
	if (y < 0)
		y = 0;
	for (i = 0; i < HELP_LINES + 2 && y + (int)i < lines; i++) {
		cv->y = y + (int)i;
		ln_init(&l, w);
		ln_attr(&l, i == 1 ? AT_FOCUS : AT_SEL);
		ln_text(&l, "  ", -1, 0);
		if (i > 0 && i <= HELP_LINES)
			ln_text(&l, help_text[i - 1], -1, 0);
		ln_fill(&l);
		emit(cv, &l, x);
	}
}

static void
draw_small(struct canvas *cv, int cols, int lines)
{
	struct line	 l;
	char		 buf[128];

	ln_init(&l, cols - 1);
	ln_attr(&l, AT_ERR);
	ln_text(&l, "terminal too small", -1, 0);
	emit(cv, &l, 0);
	if (lines < 2)
		return;
	snprintf(buf, sizeof(buf), "%dx%d, need %dx%d", cols, lines, MIN_W,
	    MIN_H);
	ln_init(&l, cols - 1);
	ln_text(&l, buf, -1, 0);
	emit(cv, &l, 0);
}

/* Line buffers. */

static void
ln_init(struct line *l, int width)
{
	memset(l, 0, sizeof(*l));
	l->width = width > 0 ? width : 0;
	l->cap = 256;
	l->buf = xmalloc(l->cap);
	l->buf[0] = '\0';
	ln_attr(l, AT_NORM);
}

static void
ln_free(struct line *l)
{
	free(l->buf);
	free(l->run);
	memset(l, 0, sizeof(*l));
}

static void
ln_attr(struct line *l, int attr)
{
	if (l->nrun > 0 && l->run[l->nrun - 1].off == l->len) {
		l->run[l->nrun - 1].attr = attr;
		return;
	}
	if (l->nrun == l->runcap) {
		l->runcap = l->runcap ? l->runcap * 2 : 8;
		l->run = xrealloc(l->run, l->runcap, sizeof(*l->run));
	}
	l->run[l->nrun].off = l->len;
	l->run[l->nrun++].attr = attr;
}

static void
ln_bytes(struct line *l, const char *s, size_t n)
{
	if (l->len + n + 1 > l->cap) {
		l->cap = (l->len + n + 1) * 2;
		l->buf = xrealloc(l->buf, l->cap, 1);
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
	l->buf[l->len] = '\0';
}

static void
ln_pad(struct line *l, int n)
{
	for (; n > 0 && l->col < l->width; n--) {
		ln_bytes(l, " ", 1);
		l->col++;
	}
}

static void
ln_fill(struct line *l)
{
	if (l->width < UNLIMITED)
		ln_pad(l, l->width - l->col);
}

static void
ln_hline(struct line *l, int n)
{
	for (; n > 0 && l->col < l->width; n--) {
		ln_bytes(l, "-", 1);
		l->col++;
	}
}

/*
 * Append s in exactly w columns (-1: its own width), clipped to the
 * line: padded on the left when right is set, else on the right; cut
 * with an ellipsis when too long.  Never a control character.
 */
static void
ln_text(struct line *l, const char *s, int w, int right)
{
	char	 g[8];
	size_t	 k, gl;
	int	 sw, cw, avail, used = 0;

	avail = l->width - l->col;
	sw = str_width(s);
	if (w < 0)
		w = sw;
	if (w > avail)
		w = avail;
	if (w <= 0)
		return;
	if (sw <= w) {
		if (right)
			ln_pad(l, w - sw);
		for (; *s != '\0'; s += k) {
			cw = glyph(s, &k, g, &gl);
			ln_bytes(l, g, gl);
			l->col += cw;
		}
		if (!right)
			ln_pad(l, w - sw);
		return;
	}
	for (; *s != '\0'; s += k) {
		cw = glyph(s, &k, g, &gl);
		if (used + cw > w - 1)
			break;
		ln_bytes(l, g, gl);
		l->col += cw;
		used += cw;
	}
	ln_pad(l, w - 1 - used);
	if (utf8)
		ln_bytes(l, ELLIPSIS, sizeof(ELLIPSIS) - 1);
	else
		ln_bytes(l, "~", 1);
	l->col++;
}

/*
 * Put line l at the canvas's next row (at column x on the screen) and
 * free it.  On the screen, AT_LINE runs are box lines; in a frame,
 * trailing blanks go.
 */
static void
emit(struct canvas *cv, struct line *l, int x)
{
	size_t	 i, end, n;

	if (cv->fp != NULL) {
		n = l->len;
		while (n > 0 && l->buf[n - 1] == ' ')
			n--;
		fwrite(l->buf, 1, n, cv->fp);
		putc('\n', cv->fp);
	} else {
		move(cv->y, x);
		for (i = 0; i < l->nrun; i++) {
			end = i + 1 < l->nrun ? l->run[i + 1].off : l->len;
			if (end <= l->run[i].off)
				continue;
			attrset(attrs[l->run[i].attr]);
			if (l->run[i].attr != AT_LINE) {
				addnstr(l->buf + l->run[i].off,
				    (int)(end - l->run[i].off));
				continue;
			}
			for (n = l->run[i].off; n < end; n++)
				addch(l->buf[n] == '-' ? ACS_HLINE :
				    (chtype)(unsigned char)l->buf[n]);
		}
		attrset(A_NORMAL);
	}
	cv->y++;
	ln_free(l);
}

/*
 * The character at s: the bytes to draw in g (a '?' for anything that
 * is not printable here), their width as returned, *k bytes used.
 */
static int
glyph(const char *s, size_t *k, char *g, size_t *gl)
{
	const unsigned char	*u = (const unsigned char *)s;
	unsigned long		 c;
	size_t			 n;
	int			 w;

	n = utf8_valid_prefix(u, strnlen(s, 4));
	if (n <= 1) {
		*k = 1;
		*gl = 1;
		g[0] = u[0] >= 0x20 && u[0] < 0x7f ? (char)u[0] :
		    u[0] == '\n' ? ' ' : '?';
		return 1;
	}
	*k = n;
	if (n == 2)
		c = ((u[0] & 0x1fUL) << 6) | (u[1] & 0x3f);
	else if (n == 3)
		c = ((u[0] & 0x0fUL) << 12) | ((u[1] & 0x3fUL) << 6) |
		    (u[2] & 0x3f);
	else
		c = ((u[0] & 0x07UL) << 18) | ((u[1] & 0x3fUL) << 12) |
		    ((u[2] & 0x3fUL) << 6) | (u[3] & 0x3f);
	if (!utf8 || c < 0xa0 || (w = wcwidth((wchar_t)c)) < 0) {
		*gl = 1;
		g[0] = '?';
		return 1;
	}
	memcpy(g, s, n);
	*gl = n;
	return w;
}

static int
str_width(const char *s)
{
	char	 g[8];
	size_t	 k, gl;
	int	 w = 0;

	for (; *s != '\0'; s += k)
		w += glyph(s, &k, g, &gl);
	return w;
}
