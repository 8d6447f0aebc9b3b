#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Benchmark, not a test: the cost of allocating and freeing one completion
# vector as the number of vectors already in use grows, for IMS entries
# (up to the device's IMS table, 2048 entries on the model) and for
# dynamic MSI-X vectors (up to the MSI-X table, whose entry 0 is the misc
# interrupt), in the same boot. For each count HELD of 0, 1, 2, 4, ... and
# the table's last free entry, the debugfs hook "bench_alloc SAMPLES HELD"
# holds HELD vectors of each kind (allocated, not requested, not timed)
# and times SAMPLES rounds of allocation + free of one more, IMS and MSI-X
# interleaved; two passes, the counts up then down. Prints a table of the
# mean of the two medians and the minimum of both passes' samples, in
# microseconds, each relative to that of the same kind with nothing held.
# The minimum is the figure least disturbed by other work on the host,
# which stretches a sample whenever it takes the vCPU's host thread off
# its core. Run by "make bench"; under TCG the numbers measure the
# software path, not DSA hardware.

TEST=bench_alloc_scaling
. "$(dirname "$0")/lib.sh"

SAMPLES=${SAMPLES:-100}

setup_device
ims=0
[ "$(ims_mode)" = ims ] && ims=$(ims_size)
msix=$(($(msix_size) - 1))
[ "$msix" -gt 0 ] || msix=0
in_use=$(vector_rows_all | wc -l)
[ "$in_use" -eq 0 ] ||
	fail "$in_use completion vectors in use before the benchmark"

# the counts to hold: powers of two below the larger table, and each
# table's last free entry
points=$( (n=1
	echo 0
	while [ $n -lt "$ims" ] || [ $n -lt "$msix" ]; do
		echo $n
		n=$((n * 2))
	done
	[ "$ims" -gt 0 ] && echo $((ims - 1))
	[ "$msix" -gt 0 ] && echo $((msix - 1))) | sort -n | uniq)

# pass COUNT...: one pass over the counts; appends "held kind median_us
# min_us" per kind and count to rows
rows=''
pass() {
	for held in "$@"; do
		bench_run bench_alloc "$SAMPLES $held"
		rows="$rows$(bench_fields | awk -v h="$held" '{ print h, $1, $3, $6 }')
"
	done
}

# two passes, the counts up and then down, so that a load that changes
# steadily over the run weighs the same on every count
started=$(uptime_s)
# shellcheck disable=SC2086 # one count per word
pass $points
# shellcheck disable=SC2046 # one count per word
pass $(echo "$points" | sort -rn)
log "$(echo "$points" | wc -l) counts, 2 passes, in $(($(uptime_s) - started)) s"

echo "completion vector allocation + free with HELD vectors of the same kind in use,"
echo "$SAMPLES samples per kind, count and pass, IMS and MSI-X interleaved, counts up"
echo "then down; the mean of the two passes' medians and the minimum of all samples"
echo "(microseconds), each relative to the same kind's with nothing held"
echo "IMS table: $ims entries; MSI-X table: $((msix + 1)) entries, $msix for completion vectors"
echo "$rows" | awk '
	NF == 4 {
		if (!seen[$1]++) order[++nk] = $1
		n[$1, $2]++; med[$1, $2] += $3
		if (!(($1, $2) in mn) || $4 < mn[$1, $2]) mn[$1, $2] = $4
	}
	function col(h, k) {
		if (!((h, k) in n))
			return sprintf(" %8s %8s %6s %6s", "-", "-", "-", "-")
		m = med[h, k] / n[h, k]; l = mn[h, k]
		if (!(k in bm)) { bm[k] = m; bl[k] = l }
		return sprintf(" %8.1f %8.1f %6.2f %6.2f", m, l, m / bm[k], l / bl[k])
	}
	END {
		printf "%5s %8s %8s %6s %6s %8s %8s %6s %6s\n", "held", "IMS med",
		       "IMS min", "med/0", "min/0", "MSI-X md", "MSI-X mn",
		       "med/0", "min/0"
		for (i = 1; i <= nk; i++)
			print sprintf("%5d", order[i]) col(order[i], "ims") col(order[i], "msix")
	}'
in_use=$(vector_rows_all | wc -l)
[ "$in_use" -eq 0 ] || fail "$in_use completion vectors left allocated"
