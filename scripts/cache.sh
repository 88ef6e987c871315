# Shared by the scripts that fetch and build third-party parts (sourced).
# Everything downloaded or built from another project lives here, outside the
# work tree, keyed by version, so a rebuild is offline and fast.
FATHOM_CACHE=${FATHOM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/fathom}
export FATHOM_CACHE

die() {
	echo "$(basename "$0"): $*" >&2
	exit 1
}

# Print the version apt would install for a package (from the local lists,
# so it works offline once `apt-get update` has run).
candidate_version() {
	v=$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^  Candidate: //p')
	case "$v" in
	''|'(none)') die "$1: no candidate version in the apt lists; run scripts/deps (apt-get update)" ;;
	esac
	echo "$v"
}

# A version as a file name: epochs use ':', which make dislikes in paths.
version_key() {
	echo "$1" | tr ':' '+'
}

# Read KEY from a board.conf. Values may contain spaces and are not quoted
# (make reads the same file), so the file is parsed, not sourced.
board_get() {
	sed -n "s/^$2=//p" "$1/board.conf" | tail -n1
}
