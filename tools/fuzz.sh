#!/usr/bin/env bash
# Builds swinpp's libFuzzer targets (fuzz/, clang++ with ASan and UBSan) into
# build-fuzz/ if needed and runs each harness: first its saved reproducers in
# fuzz/regressions/<harness>/, then fuzzing for --seconds or --runs, whichever
# ends first, from its corpus (build-fuzz/corpus/<harness>/, kept between runs)
# and the seeds made by fuzz/make_seeds.py. Prints executions, exec/s and
# findings per harness; findings (crash-, leak-, timeout-, oom- files) are kept
# in build-fuzz/findings/<harness>/. Exit status is non-zero on any finding.
# Usage: tools/fuzz.sh [--seconds N] [--runs N] [harness...]   (default: all,
#   1200 s or 1,000,000 executions each)
# Environment: CXX (default clang++), SWINPP_FUZZ_NICE (default 10).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
harnesses_all=(safetensors pth_archive unpickler config image checkpoint_state metrics_log)
seconds=1200
runs=1000000
harnesses=()
while (($#)); do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    -h | --help) sed -n '2,11p' "$0"; exit 0 ;;
    -*) echo "fuzz: unknown option $1" >&2; exit 2 ;;
    *) harnesses+=("$1"); shift ;;
  esac
done
((${#harnesses[@]})) || harnesses=("${harnesses_all[@]}")

build=$root/build-fuzz
if [ ! -f "$build/build.ninja" ]; then
  CXX=${CXX:-clang++} cmake -S fuzz -B "$build" -G Ninja > "$build.configure.log" 2>&1 || {
    cat "$build.configure.log" >&2
    exit 1
  }
  rm -f "$build.configure.log"
fi
targets=()
for h in "${harnesses[@]}"; do targets+=("${h}_fuzzer"); done
start=$SECONDS
mkdir -p "$build/logs"
cmake --build "$build" -j "$(nproc)" --target "${targets[@]}" > "$build/logs/build.log" 2>&1 || {
  grep -v "^\[" "$build/logs/build.log" >&2
  exit 1
}
echo "fuzz: build took $((SECONDS - start)) s"

seeds=$build/seeds
if [ ! -f "$seeds/.done" ] || [ fuzz/make_seeds.py -nt "$seeds/.done" ]; then
  python=$root/.venv/bin/python
  [ -x "$python" ] || python=python3
  "$python" fuzz/make_seeds.py "$seeds" && touch "$seeds/.done"
fi

nice_level=${SWINPP_FUZZ_NICE:-10}
# The harnesses' scratch files on tmpfs when there is one: checkpoint and
# metrics writes sync every file.
[ -w /dev/shm ] && export TMPDIR=/dev/shm
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$root/fuzz/lsan.supp:print_suppressions=0
failed=()
printf '%-17s %12s %9s %9s  %s\n' harness executions exec/s findings "findings folder"
for h in "${harnesses[@]}"; do
  binary=$build/${h}_fuzzer
  findings=$build/findings/$h
  corpus=$build/corpus/$h
  log=$build/logs/$h.log
  mkdir -p "$findings" "$corpus" "$build/logs"
  # An input may take at most 10 s and 2 GiB; leaks are findings, except in
  # pth_archive: LibTorch's zip reader leaks about 1 KiB on every malformed
  # archive (see fuzz/lsan.supp), and a leak check after each one would slow it
  # twentyfold; the unpickler harness checks swinpp's pickle code for leaks. Those
  # leaks add up to about 1.5 GiB in a million runs, hence its larger limit.
  options=(-timeout=10 -rss_limit_mb=2048 -detect_leaks=1)
  [ "$h" = pth_archive ] && options=(-timeout=10 -rss_limit_mb=4096 -detect_leaks=0)
  # libFuzzer also saves inputs slower than 10 s as slow-unit-* (timing on a busy
  # machine); they are kept for a look but are not findings.
  before=$(find "$findings" -type f ! -name 'slow-unit-*' | wc -l)
  status=0
  regressions=(fuzz/regressions/"$h"/*)
  if [ -e "${regressions[0]}" ]; then
    nice -n "$nice_level" "$binary" "${options[@]}" -artifact_prefix="$findings/" \
      "${regressions[@]}" > "$build/logs/$h.regressions.log" 2>&1 || {
      status=1
      echo "fuzz: $h fails on a saved reproducer, see $build/logs/$h.regressions.log" >&2
    }
  fi
  dirs=("$corpus")
  [ -d "$seeds/$h" ] && dirs+=("$seeds/$h")
  nice -n "$nice_level" "$binary" "${options[@]}" -artifact_prefix="$findings/" \
    -max_total_time="$seconds" -runs="$runs" -print_final_stats=1 "${dirs[@]}" > "$log" 2>&1 ||
    status=1
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  found=$(($(find "$findings" -type f ! -name 'slow-unit-*' | wc -l) - before))
  ((found == 0 && status == 0)) || failed+=("$h")
  printf '%-17s %12s %9s %9s  %s\n' "$h" "${executions:-?}" "${rate:-?}" "$found" "$findings"
done
if ((${#failed[@]})); then
  echo "fuzz: findings in ${failed[*]}: inputs in $build/findings/<harness>/, logs in $build/logs/" >&2
  exit 1
fi
