#!/usr/bin/env bash
# A three-node ffleet cluster on one machine: a private etcd and nodes n1,
# n2, n3 on loopback, running examples/cluster/jobs.yaml (a dozen ffmpeg
# jobs). Dashboards: http://127.0.0.1:8081/ .. 8083/. Then, in another
# terminal:
#   ffleet ctl --connect 127.0.0.1:7411 nodes
#   kill -9 "$(cat /tmp/ffleet-cluster-demo/n2.pid)"   # n2's jobs move within lease_ttl + ~1 s
#   ffleet ctl --connect 127.0.0.1:7411 drain n3 ; ... uncordon n3
# Ctrl-C stops everything.
set -euo pipefail
ffleet=$(realpath "${1:-build/app/ffleet}")
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=/tmp/ffleet-cluster-demo
rm -rf "$work"
mkdir -p "$work"
etcd --name demo --data-dir "$work/etcd" --listen-client-urls http://127.0.0.1:23790 \
  --advertise-client-urls http://127.0.0.1:23790 --listen-peer-urls http://127.0.0.1:23800 \
  --initial-advertise-peer-urls http://127.0.0.1:23800 --initial-cluster demo=http://127.0.0.1:23800 \
  --log-level warn 2>"$work/etcd.log" &
echo $! >"$work/etcd.pid"
pids=("$(cat "$work/etcd.pid")")
trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT INT TERM
until etcdctl --endpoints http://127.0.0.1:23790 endpoint health >/dev/null 2>&1; do sleep 0.2; done
for i in 1 2 3; do
  extra=()
  [ "$i" = 3 ] && extra=(--label disk=ssd)
  "$ffleet" run "$repo/examples/cluster/jobs.yaml" --cluster http://127.0.0.1:23790 --node "n$i" \
    --control "127.0.0.1:741$i" --http "127.0.0.1:808$i" --lease-ttl 2s "${extra[@]}" \
    --events "$work/n$i.events.jsonl" 2>"$work/n$i.log" &
  echo $! >"$work/n$i.pid"
  pids+=("$!")
done
cat <<MSG
etcd on http://127.0.0.1:23790; nodes n1 n2 n3 (control 127.0.0.1:7411-7413,
dashboards http://127.0.0.1:8081/ .. 8083/); logs and events in $work.
  $ffleet ctl --connect 127.0.0.1:7411 nodes
  $ffleet ctl --connect 127.0.0.1:7411 status
  kill -9 \$(cat $work/n2.pid)
Ctrl-C stops everything.
MSG
wait
