#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Working memory the image layers' kernels borrow for the length of one call: the im2col
/// matrix of a group of examples, a convolution's output in GEMM layout, a pooling row's ramp.
///
/// Each thread keeps one block, grown to the largest request it has seen and reused from then
/// on, so a training epoch allocates (and page-faults) it once per thread rather than once per
/// layer and batch. Thread shards run on their own threads, so two shards never share a block;
/// a call must not borrow again while it holds the block (no layer kernel nests).
enum LayerScratch {
    /// Runs `body` with room for at least `count` elements of `T`, aligned for SIMD, which the
    /// body may overwrite freely; the contents are undefined on entry.
    @inline(__always)
    static func with<T, R>(_: T.Type, count: Int, _ body: (UnsafeMutablePointer<T>) throws -> R) rethrows -> R {
        let block = Block.current()
        let raw = block.reserve(bytes: Swift.max(count, 1) * MemoryLayout<T>.stride)
        return try body(raw.bindMemory(to: T.self, capacity: Swift.max(count, 1)))
    }

    /// One thread's block.
    private final class Block {
        private(set) var base: UnsafeMutableRawPointer?
        private var capacity = 0

        deinit { base?.deallocate() }

        /// At least `bytes` bytes, 64-byte aligned; grows (dropping the contents) when needed.
        func reserve(bytes: Int) -> UnsafeMutableRawPointer {
            if let base, bytes <= capacity { return base }
            base?.deallocate()
            // Grow by half again, so a slowly rising request does not reallocate each time.
            capacity = Swift.max(bytes, capacity + capacity / 2)
            base = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 64)
            return base!
        }

        /// The calling thread's block, made on first use and released when the thread ends.
        static func current() -> Block {
            if let existing = pthread_getspecific(key) {
                return Unmanaged<Block>.fromOpaque(existing).takeUnretainedValue()
            }
            let block = Block()
            pthread_setspecific(key, Unmanaged.passRetained(block).toOpaque())
            return block
        }

        private static let key: pthread_key_t = {
            var key = pthread_key_t()
            let status = pthread_key_create(&key) { pointer in
                #if canImport(Darwin)
                Unmanaged<Block>.fromOpaque(pointer).release()
                #else
                if let pointer { Unmanaged<Block>.fromOpaque(pointer).release() }
                #endif
            }
            precondition(status == 0, "pthread_key_create failed (\(status))")
            return key
        }()
    }
}
