#!/usr/bin/env bash
# Runs every benchmark of a build and prints their tables (make bench).
set -euo pipefail
build=${1:-build}
"$build/bench/parser_bench"
"$build/bench/process_bench" --load-children 1000
"$build/bench/fleet_bench" --jobs 1000 --seconds 60
"$build/bench/fleet_bench" --jobs 5000 --seconds 60
# The cluster (etcd + three nodes on loopback): failover and placement.
python3 bench/cluster_bench.py "$build" --ttl 2s --tries 20
python3 bench/cluster_bench.py "$build" --ttl 5s --tries 20 --place-jobs 0 --outage 0
