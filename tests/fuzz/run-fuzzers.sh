#!/usr/bin/env bash
# Runs every libFuzzer harness (or the ones named) for SECONDS each, one
# after the other, and prints a summary: executions, corpus size, coverage
# (edges), and whether it found a crash, a leak, a hang or an OOM.
#   tests/fuzz/run-fuzzers.sh BUILD_DIR SECONDS [fuzz_name...]
# The seeds in tests/fuzz/corpus/NAME (and the dictionary NAME.dict, if
# any) are only read; what the fuzzer learns
# goes to BUILD_DIR/fuzz-corpus/NAME (kept between runs), findings to
# BUILD_DIR/fuzz-findings/NAME/ (copy a real one to tests/fuzz/crashes/ and
# say what it is). Exit status 1 if any harness found something.
# A harness stops at its first finding; with FUZZ_KEEP_GOING=1 it runs on
# (libFuzzer's fork mode, ignoring crashes, hangs and OOMs) and counts them,
# for long runs while known bugs are still open.
set -uo pipefail
build=${1:?usage: run-fuzzers.sh BUILD_DIR SECONDS [fuzz_name...]}
seconds=${2:?usage: run-fuzzers.sh BUILD_DIR SECONDS [fuzz_name...]}
shift 2
here=$(cd "$(dirname "$0")" && pwd)
names=("$@")
[ ${#names[@]} -eq 0 ] && names=(fuzz_job_loader fuzz_line_splitter fuzz_ffmpeg_parser fuzz_http_request fuzz_control_message)

# -timeout: an input taking 10 s is a hang (the loader's endless documents);
# -rss_limit_mb also caps single allocations (malloc_limit_mb defaults to
# it): a length field that makes the code allocate 512 MiB is an OOM finding.
options=(-timeout=10 -rss_limit_mb=1024 -max_len=16384 -print_final_stats=1)
[ "${FUZZ_KEEP_GOING:-0}" = 1 ] && options+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

summary=()
failed=0
for name in "${names[@]}"; do
  seeds="$here/corpus/${name#fuzz_}"
  corpus="$build/fuzz-corpus/${name#fuzz_}"
  findings="$build/fuzz-findings/$name"
  log="$findings/run-$(date -u +%Y%m%dT%H%M%S).log"
  mkdir -p "$corpus" "$findings"
  touch "$findings/.started"
  echo "fuzz: $name for ${seconds}s (log $log)"
  dict=()
  [ -f "$here/${name#fuzz_}.dict" ] && dict=(-dict="$here/${name#fuzz_}.dict")
  "$build/tests/fuzz/$name" "${options[@]}" "${dict[@]}" -max_total_time="$seconds" \
    -artifact_prefix="$findings/" "$corpus" "$seeds" >"$log" 2>&1
  rc=$?
  # The last status line: "#N DONE cov: ..." (or "#N: cov: ..." in fork mode).
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  execs=$(grep -oE '^#[0-9]+' <<<"$last" | tr -d '#')
  cov=$(grep -o 'cov: [0-9]*' <<<"$last" | grep -o '[0-9]*')
  ft=$(grep -o 'ft: [0-9]*' <<<"$last" | grep -o '[0-9]*')
  corp=$(grep -oE 'corp: [0-9]+(/[0-9]+[a-zA-Z]+)?' <<<"$last" | cut -d' ' -f2)
  ignored=$(grep -oE 'oom/timeout/crash: [0-9/]+' <<<"$last")  # fork mode: what it ran past
  inputs=$(find "$findings" -type f ! -name '*.log' ! -name .started -newer "$findings/.started" | wc -l)
  finding=none
  if [ $rc -ne 0 ] || [ "$(grep -c -E 'runtime error|invariant broken|ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)' "$log")" -gt 0 ]; then
    failed=1
    finding=$(grep -m1 -oE 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer): [a-z-]+|runtime error: .*|invariant broken at .*|out-of-memory.*' "$log" | head -1)
    [ -z "$finding" ] && finding="exit $rc"
    finding="$finding; $inputs input(s) saved"
    grep -E 'runtime error|invariant broken|ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)' "$log" | sort | uniq -c | sort -rn | head -5 | sed 's/^/  /'
  fi
  summary+=("$(printf '%-22s %8ss %12s execs  cov %6s  ft %6s  corpus %-14s %s' "$name" "$seconds" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$finding${ignored:+ ($ignored)}")")
done
echo
echo "fuzz summary:"
printf '  %s\n' "${summary[@]}"
exit $failed
