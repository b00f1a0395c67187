#!/bin/sh
# Checks that every fuzz target is built with coverage and with ASan in Backprop's Swift code
# (see README.md, Build). Usage: ./check-instrumentation.sh [build folder]
dir=${1:-.build-fuzz/release}
status=0
for target in FuzzSafeTensors FuzzNPY FuzzNPZ FuzzIDX FuzzCSV FuzzDerivation FuzzCommandLine FuzzCheckpointResume; do
    binary=$dir/$target
    if [ ! -x "$binary" ]; then echo "$target: not built"; status=1; continue; fi
    sancov=$(nm "$binary" | grep -c sancov)
    # ASan check calls inside functions of the Backprop module (mangled names start $s8Backprop).
    asan=$(objdump -d --no-show-raw-insn "$binary" | awk '
        /^[0-9a-f]+ <.*>:$/ { swift = ($2 ~ /^<\$s8Backprop/) }
        swift && /call.*__asan_report/ { n++ }
        END { print n + 0 }')
    echo "$target: $sancov sancov symbols, $asan ASan checks in Backprop's Swift code"
    if [ "$sancov" -lt 100 ] || [ "$asan" -lt 100 ]; then status=1; fi
done
exit $status
