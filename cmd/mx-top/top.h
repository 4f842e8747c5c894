/*
 * mx-top: the state shared by the loop (mx-top.c), the children's JSON
 * (data.c, free of curses so that a fuzzer can call it) and the drawing
 * (draw.c).
 */

#ifndef TOP_H
#define TOP_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

/* data.c: one JSON value of a child's output, cleaned for the screen. */
enum fv_type {
	FV_NULL,
	FV_BOOL,
	FV_INT,
	FV_REAL,
	FV_TEXT,
	FV_OTHER			/* an array or object, as JSON */
};

struct field {
	char	*name;			/* the key, cleaned */
	char	*text;			/* the value as text, cleaned */
	double	 num;			/* numbers, booleans, timestamps */
	int	 type;			/* enum fv_type */
	int	 is_time;		/* text is a timestamp, num its epoch */
};

/* One object of a child's array: its fields in the child's order. */
struct row {
	struct field	*f;
	size_t		 nf;
	char		*key;		/* identity across refreshes */
	size_t		 seq;		/* position in the child's output */
};

struct table {
	struct row	*rows;
	size_t		 n;
	size_t		 cap;
};

/* mx-metrics -j: the overview, the overall row and one row per repo. */
struct metrics {
	long long	 active, blocked, tracked, failures;	/* -1: absent */
	struct row	 overall;
	struct table	 per_repo;
	char		*window;
};

int		 data_rows(const char *, size_t, const char *, struct table *,
		    char *, size_t);
int		 data_metrics(const char *, size_t, struct metrics *, char *,
		    size_t);
void		 data_free_table(struct table *);
void		 data_free_metrics(struct metrics *);
void		 data_free_row(struct row *);
void		 data_copy_row(struct row *, const struct row *);
const struct field *data_field(const struct row *, const char *);
double		 data_num(const struct row *, const char *, double);
int		 data_blocked(const struct row *);
char		*data_clean(const char *, size_t, int);
int		 data_time(const char *, double *);
void		 data_duration(double, char *, size_t);

/* The panels, in screen and tab order. */
enum {
	P_ACTIVE,
	P_WORK,
	P_METRICS,
	P_OUTCOMES,
	P_COUNT
};

/* How a column shows its field. */
enum cfmt {
	CF_TEXT,
	CF_INT,
	CF_DUR,				/* seconds, human: 42s 3.5m 1.25h */
	CF_ELAPSED,			/* seconds at fetch time, ticking */
	CF_AGE,				/* timestamp, as the time since */
	CF_TIME,			/* timestamp, as local time */
	CF_RATE				/* fraction, as a percentage */
};

struct column {
	const char	*title;
	const char	*key;		/* the JSON field */
	int		 fmt;		/* enum cfmt */
	int		 min, max;	/* widths */
	int		 prio;		/* dropped first when narrow: highest */
	int		 flex;		/* takes the space left over */
};

struct panel {
	const char		*title;
	const struct column	*cols;
	int			 ncols;
	struct table		 data;
	size_t			*view;	/* data rows, filtered and sorted */
	size_t			 nview;
	size_t			 sel;	/* index into view */
	char			*selkey;/* the selected row's key */
	size_t			 top;	/* first view row on screen */
	int			 shown;	/* rows on screen at the last draw */
	int			 sortcol;	/* -1: the child's order */
	int			 reverse;
	char			 filter[64];
	int			 stale;	/* the last fetch failed */
	double			 fetched;	/* monotonic time of data */
};

/* The detail view of one row, with its timelines. */
struct detail {
	int		 open;
	int		 panel;
	struct row	 row;		/* a copy, updated on refresh */
	struct table	 timeline;	/* mx-history -i N -t */
	struct table	 trans;		/* mx-history -p PR */
	int		 have_timeline, have_trans;
	char		 terr[256], perr[256];
	int		 scroll;
	int		 lines;		/* lines at the last draw */
	int		 page;		/* lines on screen at the last draw */
};

struct top {
	char		*repo;		/* NULL: all repos */
	char		 window[32];
	long long	 window_secs;	/* -1: all */
	double		 interval;
	long long	 rows;		/* panel row cap */
	int		 paused;
	double		 paused_mono;	/* when paused: the frozen clocks */
	time_t		 paused_wall;
	double		 now_mono;	/* the clocks the drawing uses */
	time_t		 now_wall;
	int		 focus;
	int		 help;
	int		 filtering;	/* typing a / filter */
	struct panel	 panels[P_COUNT];
	struct metrics	 metrics;
	struct detail	 detail;
	char		 error[512];	/* a child's failure: the status line */
	char		 note[256];	/* a child's warning */
	time_t		 refreshed;	/* wall clock of the last refresh */
	int		 utf8;		/* the locale is UTF-8: draw "…" */
	int		 color;
	int		 batch;
};


/* draw.c */
void		 draw_init(struct top *);
void		 draw_screen(struct top *);
void		 draw_batch(struct top *, int, FILE *);
void		 draw_cell(const struct top *, const struct panel *,
		    const struct row *, const struct column *, char *, size_t);

#endif /* TOP_H */
