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
# interleaved; two passes, the counts up then down. Prints a table in
# microseconds with each median relative to that of the same kind with
# nothing held. Run by "make bench"; under TCG the numbers measure the
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
# p99_us" per kind and count to rows
rows=''
pass() {
	for held in "$@"; do
		bench_run bench_alloc "$SAMPLES $held"
		rows="$rows$(echo "$bench_out" | awk -v h="$held" '/ samples, median / {
			kind = $(NF - 11); sub(":", "", kind)
			print h, kind, $(NF - 7) / 1000, $(NF - 4) / 1000
		}')
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
echo "$SAMPLES samples per kind, count and pass, IMS and MSI-X interleaved; the mean"
echo "of two passes' medians and 99th percentiles (microseconds), counts up then down"
echo "IMS table: $ims entries; MSI-X table: $((msix + 1)) entries, $msix for completion vectors"
echo "$rows" | awk '
	NF == 4 {
		if (!(($1, $2) in n)) { if (!seen[$1]++) order[++nk] = $1 }
		n[$1, $2]++; med[$1, $2] += $3; p99[$1, $2] += $4
	}
	function col(h, k) {
		if (!((h, k) in n))
			return sprintf(" %10s %10s %8s", "-", "-", "-")
		m = med[h, k] / n[h, k]
		if (!(k in base)) base[k] = m
		return sprintf(" %10.1f %10.1f %8.2f", m, p99[h, k] / n[h, k],
			       m / base[k])
	}
	END {
		printf "%6s %10s %10s %8s %10s %10s %8s\n", "held", "IMS med",
		       "IMS p99", "/held 0", "MSI-X med", "MSI-X p99", "/held 0"
		for (i = 1; i <= nk; i++)
			print sprintf("%6d", order[i]) col(order[i], "ims") col(order[i], "msix")
	}'
in_use=$(vector_rows_all | wc -l)
[ "$in_use" -eq 0 ] || fail "$in_use completion vectors left allocated"
