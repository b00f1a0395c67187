#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
@preconcurrency import Darwin
#endif

/// Makes standard output line-buffered (C's default is a full buffer when it is not a
/// terminal), so `backprop train … | tee log` shows each line as it is printed. Called once,
/// first thing in `main`, before any other thread exists.
func lineBufferStandardOutput() {
    setvbuf(stdout, nil, _IOLBF, 0)
}
