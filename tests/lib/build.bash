# Where a bats file finds the tree and its build: TOP, OUTDIR (FATHOM_OUT,
# default out/) and BOARD (FATHOM_BOARD, default qemu-x86_64), exported so
# the tests and what they start see them. Load as '../lib/build'.
TOP=$BATS_TEST_DIRNAME/../..
OUTDIR=${FATHOM_OUT:-$TOP/out}
BOARD=${FATHOM_BOARD:-qemu-x86_64}
export TOP OUTDIR BOARD

# make_targets TARGET...: make's TARGETs for BOARD into OUTDIR, its output
# in $D/make.log, shown on stderr if make fails.
make_targets() {
	make -C "$TOP" O="$OUTDIR" BOARD="$BOARD" "$@" > "$D/make.log" 2>&1 ||
		{ cat "$D/make.log" >&2; return 1; }
}
