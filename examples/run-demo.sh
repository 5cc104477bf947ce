#!/usr/bin/env bash
# `make run`: the demo fleet on real ffmpeg, in the foreground.
set -euo pipefail
ffleet=$(realpath "${1:-build/app/ffleet}")
repo=$(cd "$(dirname "$0")/.." && pwd)
out="$repo/demo-output"
mkdir -p "$out"/{hls,mp4,radio,flaky}
http=${FFLEET_DEMO_HTTP:-127.0.0.1:8080}

cat <<MSG
ffleet demo: 5 ffmpeg jobs from examples/demo.yaml
  output:     $out/ (hls/stream.m3u8, mp4/clip-*.mp4, radio/tone.mp3)
  events:     $out/events.jsonl
  dashboard:  http://$http/   (API: http://$http/api/v1/jobs, metrics: /metrics)
  control:    $ffleet ctl status
Ctrl-C stops every job cleanly (a second Ctrl-C kills them at once).
MSG
cd "$out"
exec "$ffleet" run "$repo/examples/demo.yaml" --events "$out/events.jsonl" --http "$http"
