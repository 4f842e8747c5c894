#!/usr/bin/env bats
# The fuzz targets (fuzz/*.c, make fuzz): each builds, replays its seeds
# clean, and survives a short run; fuzz/run.sh reports what they find.
# Longer runs are by hand: make fuzz FUZZTIME=600.

bats_require_minimum_version 1.7.0

FUZZTIME=2

setup_file() {
	local top
	top=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	# clang with the libFuzzer runtime (libclang-rt-14-dev) is needed.
	if ! printf 'int LLVMFuzzerTestOneInput(const char *d, long n)
	    { (void)d; (void)n; return 0; }\n' >"$BATS_FILE_TMPDIR/probe.c" ||
	    ! clang -fsanitize=fuzzer,address,undefined \
	    -o "$BATS_FILE_TMPDIR/probe" "$BATS_FILE_TMPDIR/probe.c" \
	    >/dev/null 2>&1; then
		export FUZZ_SKIP="clang with libFuzzer is not installed"
		return
	fi
	make -s -j2 -C "$top" $(fuzzers "$top") \
	    >"$BATS_FILE_TMPDIR/build" 2>&1 || export FUZZ_BUILD_FAILED=1
}

setup() {
	load helper
	[ -z "${FUZZ_SKIP:-}" ] || skip "$FUZZ_SKIP"
}

# fuzzers [TOP]: the FUZZERS list of the Makefile, one a line.
fuzzers() {
	sed -n '/^FUZZERS =/,/[^\\]$/p' "${1:-$TOP}/Makefile" |
	    sed 's/^FUZZERS =//; s/\\$//' | tr -s ' \t' '\n' | grep .
}

@test "fuzz: every target builds" {
	run cat "$BATS_FILE_TMPDIR/build"
	[ -z "${FUZZ_BUILD_FAILED:-}" ] || {
		echo "$output"
		false
	}
}

@test "fuzz: every target is in the Makefile and has seeds" {
	local src name
	for src in "$TOP"/fuzz/*.c; do
		name=$(basename "$src" .c)
		run -0 fuzzers
		assert_line "fuzz/build/$name"
		[ -n "$(ls "$TOP/fuzz/corpus/$name")" ]
	done
	[ "$(fuzzers | wc -l)" -eq "$(ls "$TOP"/fuzz/*.c | wc -l)" ]
}

@test "fuzz: every target replays its seeds clean" {
	local f name
	for f in $(fuzzers); do
		name=${f##*/}
		run "$TOP/$f" "$TOP/fuzz/corpus/$name"/*
		[ "$status" -eq 0 ] || {
			echo "$name:"
			echo "$output" | grep -E 'ERROR|SUMMARY|check failed' |
			    head -5
			false
		}
	done
}

@test "fuzz: make fuzz runs every target and finds nothing" {
	run -0 make -s -C "$TOP" fuzz FUZZTIME=$FUZZTIME \
	    FUZZOUT="$BATS_TEST_TMPDIR/out"
	local f
	for f in $(fuzzers); do
		assert_line --regexp \
		    "^fuzz: ${f##*/}: ok, [0-9]+ runs in ${FUZZTIME}s$"
	done
	refute_output --partial FAILED
}

@test "fuzz: run.sh reports a crash and a leak with the input" {
	cat >"$BATS_TEST_TMPDIR/crash.c" <<'EOF'
#include <stdlib.h>
int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)
{ if (n > 0 && d[0] == 'x') abort(); return 0; }
EOF
	cat >"$BATS_TEST_TMPDIR/leak.c" <<'EOF'
#include <stdlib.h>
#include <string.h>
static void *keep;
int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)
{ keep = malloc(n + 1); memset(keep, 0, n + 1); keep = 0; (void)d;
  return 0; }
EOF
	for t in crash leak; do
		clang -g -fsanitize=fuzzer,address -o "$BATS_TEST_TMPDIR/$t" \
		    "$BATS_TEST_TMPDIR/$t.c"
	done
	run -1 sh "$TOP/fuzz/run.sh" -t 5 -o "$BATS_TEST_TMPDIR/out" \
	    "$BATS_TEST_TMPDIR/crash" "$BATS_TEST_TMPDIR/leak" \
	    "$BATS_TEST_TMPDIR/none"
	out=$BATS_TEST_TMPDIR/out
	assert_line --regexp "^fuzz: crash: FAILED .*, input $out/crash/crash-"
	assert_line --regexp "^fuzz: leak: FAILED .*, input $out/leak/leak-"
	assert_line --partial "none: no such fuzzer"
	# The input it names reproduces the crash.
	run "$BATS_TEST_TMPDIR/crash" "$BATS_TEST_TMPDIR"/out/crash/crash-*
	assert_failure
}

@test "fuzz: run.sh refuses a bad time" {
	run -64 sh "$TOP/fuzz/run.sh" -t 0 /bin/true
	assert_output --partial "not a positive number"
}
