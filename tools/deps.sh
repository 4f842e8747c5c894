#!/bin/sh
# Make sure what the build and the tests need is installed.  As root on
# Debian it installs what is missing with apt-get; otherwise it prints the
# exact command to run and fails.
set -u

PKGS="make gcc clang libsqlite3-dev libjansson-dev libncurses-dev sqlite3 \
bats bats-support bats-assert mandoc tmux jq valgrind libclang-rt-14-dev \
hyperfine time"

missing=
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

if ! command -v dpkg-query >/dev/null 2>&1; then
	# Not Debian: check the commands and headers, say what is missing.
	for c in cc sqlite3 bats mandoc tmux jq; do
		command -v "$c" >/dev/null 2>&1 || missing="$missing $c"
	done
	if [ -n "$missing" ]; then
		echo "deps: missing:$missing (install them with your package manager)" >&2
		exit 1
	fi
	exit 0
fi
for p in $PKGS; do
	have "$p" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing:$missing" >&2
	echo "deps: run as root: apt-get update && $cmd" >&2
	exit 1
fi
echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends $missing >/dev/null || {
	echo "deps: apt-get failed; run: apt-get update && $cmd" >&2
	exit 1
}
