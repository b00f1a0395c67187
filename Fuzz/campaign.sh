#!/bin/bash
# Runs fuzz targets for SECONDS each, two at a time, niced, with the flags of README.md (Run),
# and prints one table row per target from libFuzzer's final fork-mode status line (exec/s is
# executions over the whole run's seconds; the line's own exec/s is the last job's).
# Usage: ./campaign.sh SECONDS OUT_FOLDER TARGET…   (run from Fuzz/, after the build)
# Each target's binary is copied to OUT_FOLDER first, so a rebuild cannot replace it mid-run.
set -u
seconds=$1 out=$2; shift 2
mkdir -p "$out/bin"
export SWIFT_BACKTRACE=enable=no
run() {
    local t=$1 extra="" asan=""
    mkdir -p "$out/$t/corpus" "$out/$t/artifacts"
    case $t in
        FuzzSafeTensors) extra="-dict=Dictionaries/safetensors.dict" ;;
        # Foundation's fileSystemRepresentation, called by ZIPFoundation's Archive(url:), leaks
        # 87 bytes per archive opened by path: LeakSanitizer would report it at every exit.
        FuzzCommandLine) extra="-dict=Dictionaries/commandline.dict -max_len=8192 -detect_leaks=0" asan="detect_leaks=0" ;;
        FuzzCheckpointResume) extra="-dict=Dictionaries/checkpoint.dict -max_len=8192 -detect_leaks=0" asan="detect_leaks=0" ;;
    esac
    ASAN_OPTIONS=$asan nice -n 10 "$out/bin/$t" "$out/$t/corpus" "Corpus/$t" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -malloc_limit_mb=2048 -max_len=4096 \
        -fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
        -artifact_prefix="$out/$t/artifacts/" -print_final_stats=1 $extra > "$out/$t/log" 2>&1
}
row() {
    local t=$1 line
    line=$(grep -E '^#[0-9]+: cov:' "$out/$t/log" | tail -1)
    # e.g. "#812345: cov: 1734 ft: 6120 corp: 410 exec/s: 1353 oom/timeout/crash: 0/0/2 time: 600s job: 61 dft_time: 0"
    echo "$line" | awk -v t="$t" '{ gsub("#", "", $1); gsub(":", "", $1);
        for (i = 1; i <= NF; i++) { if ($i == "cov:") c = $(i+1); if ($i == "ft:") f = $(i+1); if ($i == "corp:") p = $(i+1);
            if ($i == "exec/s:") e = $(i+1); if ($i == "oom/timeout/crash:") o = $(i+1); if ($i == "time:") s = $(i+1) }
        gsub("s", "", s); rate = s > 0 ? sprintf("%.1f", $1 / s) : e
        printf "| `%s` | %s | %s | %s | %s | %s | %s |\n", t, $1, rate, c, f, p, o }'
}
for t in "$@"; do cp .build-fuzz/release/"$t" "$out/bin/$t" || exit 1; done
pids=()
for t in "$@"; do
    run "$t" & pids+=($!)
    if [ ${#pids[@]} -ge 2 ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
done
wait
echo "| Target | Executions | exec/s | cov (edges) | ft (features) | corpus | oom/timeout/crash |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for t in "$@"; do row "$t"; done
