# mx: observability toolkit for MergeXO state.  POSIX make; GNU make and
# bmake both work.

.POSIX:
.SUFFIXES:
.SUFFIXES: .c .o

PREFIX =	/usr/local
BINDIR =	$(PREFIX)/bin
MANDIR =	$(PREFIX)/share/man
DESTDIR =

CC =		cc
CFLAGS =	-O2 -g
LDFLAGS =
SQLITE_LIBS =	-lsqlite3
JANSSON_LIBS =	-ljansson
CURSES_LIBS =	-lncursesw -ltinfo
WERROR =	-Werror
SANITIZE =
SAN_ =
SAN_1 =		-fsanitize=address,undefined -fno-omit-frame-pointer \
		-fno-sanitize-recover=all
MXFLAGS =	-std=c11 -D_DEFAULT_SOURCE -D_XOPEN_SOURCE=700 -Wall -Wextra \
		-Wpedantic $(WERROR) -Icommon $(SAN_$(SANITIZE))
LIBS =		$(SQLITE_LIBS) $(JANSSON_LIBS) -lm

PROGS =		bin/mx-runs bin/mx-metrics bin/mx-prs bin/mx-history \
		bin/mx-reconcile bin/mx-prune bin/mx-record bin/mx-top
MAN1 =		man/mx-runs.1 man/mx-metrics.1 man/mx-prs.1 \
		man/mx-history.1 man/mx-record.1 man/mx-top.1
MAN7 =		man/mx.7
MAN8 =		man/mx-reconcile.8 man/mx-prune.8
COMMON =	common/cfg.o common/db.o common/enum.o common/meta.o common/opt.o \
		common/out.o common/tm.o common/util.o common/work.o \
		common/lock.o common/schema.o common/run.o
LIBMX =		common/libmx.a

all: $(PROGS)

.c.o:
	$(CC) $(CFLAGS) $(MXFLAGS) -c $< -o $@

$(COMMON): common/mx.h
$(LIBMX): $(COMMON)
	rm -f $@
	ar rcs $@ $(COMMON)

bin/mx-runs: cmd/mx-runs/mx-runs.o $(LIBMX)
	mkdir -p bin
	$(CC) $(CFLAGS) $(SAN_$(SANITIZE)) $(LDFLAGS) -o $@ \
	    cmd/mx-runs/mx-runs.o $(LIBMX) $(LIBS)
bin/mx-metrics: cmd/mx-metrics/mx-metrics.o $(LIBMX)
	mkdir -p bin
	$(CC) $(CFLAGS) $(SAN_$(SANITIZE)) $(LDFLAGS) -o $@ \
	    cmd/mx-metrics/mx-metrics.o $(LIBMX) $(LIBS)
bin/mx-prs: cmd/mx-prs/mx-prs.o $(LIBMX)
	mkdir -p bin
	$(CC) $(CFLAGS) $(SAN_$(SANITIZE)) $(LDFLAGS) -o $@ \
	    cmd/mx-prs/mx-prs.o $(LIBMX) $(LIBS)
bin/mx-history: cmd/mx-history/mx-history.o $(LIBMX)
	mkdir -p bin
	$(CC) $(CFLAGS) $(SAN_$(SANITIZE)) $(LDFLAGS) -o $@ \
	    cmd/mx-history/mx-history.o $(LIBMX) $(LIBS)
bin/mx-reconcile: cmd/mx-reconcile/mx-reconcile.o $(LIBMX)
	mkdir -p bin
	$(CC) $(CFLAGS) $(SAN_$(SANITIZE)) $(LDFLAGS) -o $@ \
	    cmd/mx-reconcile/mx-reconcile.o $(LIBMX) $(LIBS)
bin/mx-prune: cmd/mx-prune/mx-prune.o $(LIBMX)
	mkdir -p bin
	$(CC) $(CFLAGS) $(SAN_$(SANITIZE)) $(LDFLAGS) -o $@ \
	    cmd/mx-prune/mx-prune.o $(LIBMX) $(LIBS)
bin/mx-record: cmd/mx-record/mx-record.o $(LIBMX)
	mkdir -p bin
	$(CC) $(CFLAGS) $(SAN_$(SANITIZE)) $(LDFLAGS) -o $@ \
	    cmd/mx-record/mx-record.o $(LIBMX) $(LIBS)
bin/mx-top: cmd/mx-top/mx-top.o cmd/mx-top/draw.o cmd/mx-top/data.o $(LIBMX)
	mkdir -p bin
	$(CC) $(CFLAGS) $(SAN_$(SANITIZE)) $(LDFLAGS) -o $@ \
	    cmd/mx-top/mx-top.o cmd/mx-top/draw.o cmd/mx-top/data.o \
	    $(LIBMX) $(LIBS) $(CURSES_LIBS)

cmd/mx-runs/mx-runs.o cmd/mx-metrics/mx-metrics.o cmd/mx-prs/mx-prs.o \
cmd/mx-history/mx-history.o cmd/mx-reconcile/mx-reconcile.o \
cmd/mx-prune/mx-prune.o cmd/mx-record/mx-record.o cmd/mx-top/mx-top.o \
cmd/mx-top/draw.o cmd/mx-top/data.o: common/mx.h
cmd/mx-top/mx-top.o cmd/mx-top/draw.o cmd/mx-top/data.o: cmd/mx-top/top.h

# Fuzzing with clang's libFuzzer, ASan and UBSan: every parser of
# untrusted text, FUZZTIME seconds each (make fuzz FUZZTIME=600 by hand),
# findings in FUZZOUT.  common/ is built again with the same flags into
# fuzz/build/.
FUZZCC =	clang
FUZZTIME =	10
FUZZOUT =	fuzz/out
FUZZFLAGS =	-g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-omit-frame-pointer -fno-sanitize-recover=all
FUZZLIB =	fuzz/build/libmx.a
FUZZERS =	fuzz/build/cfg fuzz/build/enum fuzz/build/fields \
		fuzz/build/json fuzz/build/lock fuzz/build/meta \
		fuzz/build/rows fuzz/build/top fuzz/build/tsv \
		fuzz/build/window

fuzz: $(FUZZERS)
	sh fuzz/run.sh -t $(FUZZTIME) -o $(FUZZOUT) $(FUZZERS)

$(FUZZLIB): $(COMMON:.o=.c) common/mx.h
	rm -rf fuzz/build/common
	mkdir -p fuzz/build/common
	for c in $(COMMON:.o=.c); do \
	    $(FUZZCC) $(FUZZFLAGS) $(MXFLAGS) -c $$c \
	    -o fuzz/build/$${c%.c}.o || exit 1; \
	done
	rm -f $@
	ar rcs $@ fuzz/build/common/*.o

fuzz/build/cfg: fuzz/cfg.c fuzz/fuzz.h $(FUZZLIB)
	$(FUZZCC) $(FUZZFLAGS) $(MXFLAGS) -o $@ fuzz/cfg.c $(FUZZLIB) $(LIBS)
fuzz/build/enum: fuzz/enum.c fuzz/fuzz.h $(FUZZLIB)
	$(FUZZCC) $(FUZZFLAGS) $(MXFLAGS) -o $@ fuzz/enum.c $(FUZZLIB) $(LIBS)
fuzz/build/fields: fuzz/fields.c fuzz/fuzz.h $(FUZZLIB)
	$(FUZZCC) $(FUZZFLAGS) $(MXFLAGS) -o $@ fuzz/fields.c $(FUZZLIB) \
	    $(LIBS)
fuzz/build/json: fuzz/json.c fuzz/fuzz.h $(FUZZLIB)
	$(FUZZCC) $(FUZZFLAGS) $(MXFLAGS) -o $@ fuzz/json.c $(FUZZLIB) $(LIBS)
fuzz/build/lock: fuzz/lock.c fuzz/fuzz.h $(FUZZLIB)
	$(FUZZCC) $(FUZZFLAGS) $(MXFLAGS) -o $@ fuzz/lock.c $(FUZZLIB) $(LIBS)
fuzz/build/meta: fuzz/meta.c fuzz/fuzz.h $(FUZZLIB)
	$(FUZZCC) $(FUZZFLAGS) $(MXFLAGS) -o $@ fuzz/meta.c $(FUZZLIB) $(LIBS)
fuzz/build/rows: fuzz/rows.c fuzz/fuzz.h $(FUZZLIB)
	$(FUZZCC) $(FUZZFLAGS) $(MXFLAGS) -o $@ fuzz/rows.c $(FUZZLIB) $(LIBS)
fuzz/build/top: fuzz/top.c fuzz/fuzz.h cmd/mx-top/data.c cmd/mx-top/top.h \
    $(FUZZLIB)
	$(FUZZCC) $(FUZZFLAGS) $(MXFLAGS) -Icmd/mx-top -o $@ fuzz/top.c \
	    cmd/mx-top/data.c $(FUZZLIB) $(LIBS)
fuzz/build/tsv: fuzz/tsv.c fuzz/fuzz.h $(FUZZLIB)
	$(FUZZCC) $(FUZZFLAGS) $(MXFLAGS) -o $@ fuzz/tsv.c $(FUZZLIB) $(LIBS)
fuzz/build/window: fuzz/window.c fuzz/fuzz.h $(FUZZLIB)
	$(FUZZCC) $(FUZZFLAGS) $(MXFLAGS) -o $@ fuzz/window.c $(FUZZLIB) \
	    $(LIBS)

# The benchmark's database generator (not installed) and the benchmark
# itself: generated databases are cached in bench/cache/.  Not part of
# check: it takes minutes and gigabytes.
bench/gen: bench/gen.c
	$(CC) $(CFLAGS) $(MXFLAGS) $(LDFLAGS) -o $@ bench/gen.c \
	    $(SQLITE_LIBS) -lm

bench: bench/gen
	MAKE="$(MAKE)" sh bench/run.sh

# Install what the build and the tests need (as root), then test.
deps:
	sh tools/deps.sh

check: deps
	$(MAKE) all
	$(MAKE) lint
	bats tests

lint:
	mandoc -T lint -W warning $(MAN1) $(MAN7) $(MAN8)

demo: deps
	$(MAKE) all
	sh tools/demo.sh

valgrind: all
	sh tools/valgrind.sh

# The soak test: a simulated service writing through mx-record beside
# mx-prune, refused mx-reconcile attempts and every read program, for
# SOAKTIME seconds (a short one runs in check); the figures go to
# bench/soak-results.txt.
SOAKTIME =	60
soak: all
	bash tests/soak.sh -t $(SOAKTIME) -o bench/soak-results.txt

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(MANDIR)/man8
	cp -f $(PROGS) $(DESTDIR)$(BINDIR)/
	cd $(DESTDIR)$(BINDIR) && chmod 0755 mx-runs mx-metrics mx-prs \
	    mx-history mx-reconcile mx-prune mx-record mx-top
	cp -f $(MAN1) $(DESTDIR)$(MANDIR)/man1/
	cp -f $(MAN7) $(DESTDIR)$(MANDIR)/man7/
	cp -f $(MAN8) $(DESTDIR)$(MANDIR)/man8/
	cd $(DESTDIR)$(MANDIR) && chmod 0444 man1/mx-*.1 man7/mx.7 \
	    man8/mx-*.8

uninstall:
	cd $(DESTDIR)$(BINDIR) && rm -f mx-runs mx-metrics mx-prs \
	    mx-history mx-reconcile mx-prune mx-record mx-top
	cd $(DESTDIR)$(MANDIR) && rm -f man1/mx-runs.1 man1/mx-metrics.1 \
	    man1/mx-prs.1 man1/mx-history.1 man1/mx-record.1 man1/mx-top.1 \
	    man7/mx.7 man8/mx-reconcile.8 man8/mx-prune.8

clean:
	rm -rf bin $(LIBMX) common/*.o cmd/*/*.o bench/gen fuzz/build

.PHONY: all bench deps check lint demo valgrind soak install uninstall clean \
	fuzz
