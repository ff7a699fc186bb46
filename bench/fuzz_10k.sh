#!/bin/sh
# Differential fuzzing against the real kernel (root): 10,000 cases by default.
#   bench/fuzz_10k.sh [SEED] [COUNT]
# Each divergence is printed with its seed and case number; reproduce one with
#   nflab fuzz --seed SEED --start CASE --count 1
set -eu
exec python3 -m nflab.cli.main fuzz --seed "${1:-1}" --count "${2:-10000}"
