#!/bin/sh
# bench/report.sh RESULTS INFO LAST-SIZE TOP-IDLE: the markdown report
# of bench/run.sh on stdout.  RESULTS is run.sh's TSV (size, variant,
# program, case, mx median/min/max/runs, sqlite3 median/min/max/runs,
# mx and sqlite3 peak RSS in KiB, mx and sqlite3 rows, note); INFO one
# line per size (runs, MB, MB with indexes, generated, index method);
# TOP-IDLE "own-cpu% with-children-cpu% peak-rss-KiB" or empty.
set -u
res=$1 info=$2 last=$3 idle=${4:-}

cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
mem=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo \
    2>/dev/null)
progs=
for p in mx-runs mx-prs mx-history mx-metrics mx-top mx-reconcile; do
	[ -x "${BENCH_BIN:-bin}/$p" ] && progs="$progs $p"
done

cat <<EOF
# mx benchmark results

Written by \`make bench\` (bench/run.sh) on $(date -u '+%Y-%m-%d %H:%M UTC').

- Machine: $(nproc 2>/dev/null || echo '?') cores, ${cpu:-unknown CPU}, ${mem:-? GiB} RAM, $(uname -sr);
  load average (1, 5, 15 min) ${BENCH_LOAD:-unknown} (other work on the
  machine inflates medians; the minimum is the least disturbed run)
- sqlite3 shell $(sqlite3 --version | cut -d' ' -f1), $(hyperfine --version)
- Programs timed:${progs:- none}
- Each figure: the whole process (\`hyperfine -N\`, output to /dev/null),
  median of the runs (min–max in brackets): ${BENCH_RUNS:-15} runs after ${BENCH_WARMUP:-2} warm-ups, 5
  runs when a run takes over 0.2 s, 3 over 1 s; warm page cache.  Peak
  RSS from \`/usr/bin/time -f %M\`.  ratio = mx / sqlite3 shell running
  the plain SQL of design §5 (bench/sql/) on the same file.  rows = output
  rows of mx / of the shell (they should agree).
- "refresh": \`mx-top -b -i 1\` when bin/mx-top exists, else the programs
  it runs (mx-metrics -j -w 24h, mx-runs -j, mx-prs -j, mx-history -j -n
  200) in one \`sh -c\`; its baseline is all those questions in one sqlite3.
- Cases with -r filter on the busiest repository (18 % of the runs).

| runs | state.db MB | with mx indexes MB | generated (UTC) | generation s | mx indexes made by |
|---:|---:|---:|---|---:|---|
EOF
awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4,
    $6, $5 }' "$info"

awk -F'\t' -v last="$last" '
function ms(med, lo, hi) {
	if (med == "-" || med == "")
		return "–"
	return sprintf("%s (%s–%s)", fmt(med), fmt(lo), fmt(hi))
}
function fmt(x) {
	if (x >= 100)
		return sprintf("%.0f", x)
	if (x >= 10)
		return sprintf("%.1f", x)
	return sprintf("%.2f", x)
}
function mb(k) {
	return k == "-" || k == "" ? "–" : sprintf("%.1f", k / 1024)
}
function ratio(a, b) {
	return a == "-" || b == "-" || b == 0 ? "–" : sprintf("%.2f", a / b)
}
# The target of a case on the largest database, in ms (0: none).
function target(prog, c) {
	if (prog == "mx-top")
		return 100
	if (prog == "mx-metrics")
		return c ~ /30d/ ? 150 : 20
	if (prog == "mx-history")
		return c ~ /^-[ip]/ ? 20 : 0
	return 20
}
{
	k = $1 SUBSEP $2 SUBSEP $3 SUBSEP $4
	row[k] = $0
	if (!(($3 SUBSEP $4) in seen)) {
		seen[$3 SUBSEP $4] = 1
		order[++ncase] = $3 SUBSEP $4
	}
	if (!($1 in sseen)) {
		sseen[$1] = 1
		sizes[++nsize] = $1
	}
}
function table(size, variant, withtarget,    i, c, f, t, met, tg, n) {
	if (variant == "idx")
		t = "with the mx_ indexes"
	else
		t = "without the mx_ indexes (MergeXO'"'"'s own only)"
	printf "\n## %s runs, %s\n\n", size, t
	t = withtarget ? " target | met |" : ""
	printf "| program | case | mx ms | sqlite3 ms | ratio | mx RSS MB |" \
	    " sqlite3 RSS MB | rows |%s\n", t
	t = withtarget ? "---:|---|" : ""
	printf "|---|---|---:|---:|---:|---:|---:|---:|%s\n", t
	for (i = 1; i <= ncase; i++) {
		k = size SUBSEP variant SUBSEP order[i]
		if (!(k in row))
			continue
		n = split(row[k], f, "\t")
		met = ""
		if (withtarget) {
			tg = target(f[3], f[4])
			if (f[5] == "-")
				met = "✗ failed"
			else {
				if (tg > 0 && f[5] + 0 > tg)
					met = met " ✗ time"
				# Both the medians and the minimums.
				if (f[9] != "-" && f[9] + 0 > 0 &&
				    f[10] + 0 > 0 && f[5] / f[9] > 1.5 &&
				    f[6] / f[10] > 1.5)
					met = met " ✗ ratio"
				if (f[13] != "-" && f[13] + 0 > 16384)
					met = met " ✗ RSS"
				if (met == "")
					met = "✓"
			}
		}
		printf "| %s | %s | %s | %s | %s | %s | %s | %s |", f[3], f[4],
		    ms(f[5], f[6], f[7]), ms(f[9], f[10], f[11]),
		    ratio(f[5], f[9]), mb(f[13]), mb(f[14]),
		    f[15] "/" f[16]
		if (withtarget)
			printf " %s | %s |", (tg > 0 ? "≤ " tg : "–"), met
		printf "\n"
		if (n >= 17 && f[17] != "")
			notes = notes sprintf("- %s runs, %s, %s %s: %s\n",
			    size, variant, f[3], f[4], f[17])
	}
}
function growth(variant, col,    i, j, k, f, v, lo, prev, cur, plo, clo, g,
    line, tgt, who, what, t, rm, rl) {
	who = col == 5 ? "mx" : "sqlite3 shell"
	what = variant == "idx" ? "with" : "without"
	printf "\n### %s, %s the mx_ indexes\n\n", who, what
	line = "| program | case |"
	for (j = 1; j <= nsize; j++)
		line = line " " sizes[j] " |"
	t = nsize >= 2 ? " × median | × min | < 2× |" : ""
	print line t
	line = "|---|---|"
	for (j = 1; j <= nsize; j++)
		line = line "---:|"
	t = nsize >= 2 ? "---:|---:|---|" : ""
	print line t
	for (i = 1; i <= ncase; i++) {
		split(order[i], f, SUBSEP)
		line = "| " f[1] " | " f[2] " |"
		prev = cur = plo = clo = "-"
		for (j = 1; j <= nsize; j++) {
			k = sizes[j] SUBSEP variant SUBSEP order[i]
			v = lo = "-"
			if (k in row) {
				split(row[k], g, "\t")
				v = g[col]
				lo = g[col + 1]
			}
			t = v == "-" ? "–" : fmt(v)
			line = line " " t " |"
			prev = cur
			cur = v
			plo = clo
			clo = lo
		}
		if (nsize < 2) {
			print line
			continue
		}
		rm = rl = ""
		if (prev != "-" && cur != "-" && prev + 0 > 0)
			rm = cur / prev
		if (plo != "-" && clo != "-" && plo + 0 > 0)
			rl = clo / plo
		t = rm == "" ? "–" : sprintf("%.2f", rm)
		line = line " " t " |"
		t = rl == "" ? "–" : sprintf("%.2f", rl)
		line = line " " t " |"
		tgt = f[1] == "mx-runs" || f[1] == "mx-prs" ||
		    (f[1] == "mx-history" && f[2] ~ /^-[ip]/) ||
		    (f[1] == "mx-metrics" && f[2] ~ /24h/)
		if (!tgt || col != 5 || variant != "idx")
			t = ""
		else if (rm == "")
			t = "?"
		else if (rm < 2)
			t = "✓"
		else if (rl != "" && rl < 2)
			t = "✓ by min (median noisy)"
		else
			t = "✗"
		print line " " t " |"
	}
}
END {
	if (ncase == 0) {
		print "\nNo read program was found in bin/: nothing timed."
		exit
	}
	printf "\nTargets of issue 7 are checked on the largest size with" \
	    " the mx_ indexes: ms target per case (median), ratio ≤ 1.5" \
	    " (missed when both the medians and the minimums miss it), mx" \
	    " RSS ≤ 16 MB.\n"
	for (j = nsize; j >= 1; j--) {
		table(sizes[j], "idx", sizes[j] == last)
		table(sizes[j], "plain", 0)
	}
	printf "\n## Growth (median ms)\n\nThe same runs a day at every" \
	    " size: a larger database is a longer history.  Active, tracked," \
	    " history and 24h metrics must grow less than 2× from 100k to" \
	    " 1M runs (× of the last two sizes; × min compares the fastest" \
	    " runs, which other load on the machine disturbs least).\n"
	growth("idx", 5)
	growth("plain", 5)
	growth("idx", 9)
	growth("plain", 9)
	if (notes != "")
		printf "\n## Notes\n\n%s", notes
}' "$res"

if [ -n "$idle" ]; then
	echo "$idle" | awk -v s="${BENCH_IDLE:-10}" -v last="$last" '{
	    printf "\n## mx-top idle\n\nmx-top in a 160×48 tmux pane on" \
	    " the %s-run database with the mx_ indexes, watched for %s s" \
	    " (default refresh every 2 s): its own CPU %.2f %%, with the" \
	    " programs it runs %.2f %% (target ≈ 0 %% between refreshes);" \
	    " peak RSS %.1f MB (target ≤ 16 MB).\n", last, s, $1, $2,
	    $3 / 1024 }'
fi
