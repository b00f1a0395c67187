import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The most memory one allocation (or one group of allocations made together, such as a
/// network's weights and its training buffers) may take when its size comes from input.
///
/// Every size that a flag, a file header, metadata or a file's contents decides is checked
/// against a budget before anything is allocated, so a tiny file that claims 2^40 elements, a
/// `--layers 2,1000000000,1` or a gzip bomb ends in a one-line ``BackpropError/tooLarge(_:)``
/// rather than a trap in the allocator:
///
/// ```swift
/// let budget = MemoryBudget.standard                  // 3/4 of the memory this process may use
/// try budget.require(bytes: n * 8, for: "the matrix X")
/// let small = MemoryBudget(bytes: 1 << 30, origin: "--max-memory")
/// ```
///
/// The budget is a value the caller passes: the loaders, ``Network`` and the CLI take one as a
/// parameter (defaulting to ``standard``); nothing reads a hidden global.
public struct MemoryBudget: Sendable, Equatable, CustomStringConvertible {
    /// The budget in bytes.
    public let bytes: Int
    /// Where the budget was set, e.g. `--max-memory`, named in messages; `nil` for the default.
    public let origin: String?

    /// A budget of `bytes` (negative counts as 0); `origin` is named in messages.
    public init(bytes: Int, origin: String? = nil) {
        self.bytes = Swift.max(bytes, 0)
        self.origin = origin
    }

    /// No limit beyond `Int.max` bytes (sizes are still overflow-checked).
    public static let unlimited = MemoryBudget(bytes: .max)

    /// The fraction of ``availableMemory`` the ``standard`` budget allows.
    public static let standardFraction = 0.75

    /// Three quarters of ``availableMemory`` (read once per process), or 6 GB when it cannot be read.
    public static let standard: MemoryBudget = {
        let available = availableMemory ?? 8_000_000_000
        return MemoryBudget(bytes: Int(Double(available) * standardFraction))
    }()

    /// The memory this process may use: the smallest of the physical memory (`MemTotal` in
    /// `/proc/meminfo` on Linux, `ProcessInfo.physicalMemory` elsewhere), the cgroup limit
    /// (`/sys/fs/cgroup/memory.max`) and the address-space limit (`ulimit -v`), whichever are
    /// set; `nil` when none can be read.
    public static var availableMemory: Int? {
        [physicalMemory, cgroupLimit, addressSpaceLimit].compactMap { $0 }.filter { $0 > 0 }.min()
    }

    /// The machine's physical memory in bytes.
    public static var physicalMemory: Int? {
        #if os(Linux)
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemTotal:") }),
           let kibibytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }),
           kibibytes > 0, kibibytes < Int.max / 1024 {
            return kibibytes * 1024
        }
        #endif
        let physical = ProcessInfo.processInfo.physicalMemory
        return physical > 0 && physical <= UInt64(Int.max) ? Int(physical) : nil
    }

    /// The cgroup v2 memory limit, when one is set.
    private static var cgroupLimit: Int? {
        #if os(Linux)
        guard let text = try? String(contentsOfFile: "/sys/fs/cgroup/memory.max", encoding: .utf8) else { return nil }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
        #else
        return nil
        #endif
    }

    /// The soft address-space limit (`RLIMIT_AS`), when one is set.
    private static var addressSpaceLimit: Int? {
        var limit = rlimit()
        #if os(Linux)
        guard getrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit) == 0 else { return nil }
        #else
        guard getrlimit(RLIMIT_AS, &limit) == 0 else { return nil }
        #endif
        // RLIM_INFINITY is all ones on Linux and 2^63 − 1 on Darwin: either way not below Int.max.
        guard limit.rlim_cur < rlim_t(Int.max) else { return nil }
        return Int(limit.rlim_cur)
    }

    /// Parses a size such as `12G`, `512MB`, `1.5GiB`, `800000000` (bytes) or `50%` (of
    /// ``availableMemory``). `K`, `M`, `G`, `T` (with or without `B`) are powers of 1000;
    /// `KiB`, `MiB`, `GiB`, `TiB` are powers of 1024. `nil` for anything else, zero or negative.
    public init?(parsing text: String, origin: String? = nil) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.count <= 32, !trimmed.isEmpty else { return nil }
        let units: [(String, Double)] = [
            ("KiB", 1024), ("MiB", 1_048_576), ("GiB", 1_073_741_824), ("TiB", 1_099_511_627_776),
            ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12), ("K", 1e3), ("M", 1e6), ("G", 1e9), ("T", 1e12),
            ("B", 1), ("%", -1),
        ]
        var number = Substring(trimmed)
        var scale = 1.0
        for (suffix, factor) in units where trimmed.uppercased().hasSuffix(suffix.uppercased()) {
            number = number.dropLast(suffix.count)
            scale = factor
            break
        }
        guard number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              let value = Double(number.trimmingCharacters(in: .whitespaces)), value > 0, value.isFinite else { return nil }
        let bytes: Double
        if scale < 0 {
            guard value <= 100, let available = Self.availableMemory else { return nil }
            bytes = Double(available) * value / 100
        } else {
            bytes = value * scale
        }
        guard bytes >= 1, bytes < 9.2e18 else { return nil }
        self.init(bytes: Int(bytes), origin: origin)
    }

    /// Throws ``BackpropError/tooLarge(_:)`` when `bytes` exceed the budget: "`what` needs 16 GB
    /// for `purpose`; the memory budget is 12 GB (--max-memory)".
    public func require(
        bytes needed: Int, for what: @autoclosure () -> String, purpose: String? = nil
    ) throws(BackpropError) {
        guard needed <= bytes else {
            throw BackpropError.tooLarge("\(what()) needs \(Self.text(bytes: needed))\(purpose.map { " for \($0)" } ?? ""); \(self)")
        }
    }

    /// Checks `count` elements of `T` (overflow-checked) against the budget; see ``require(bytes:for:purpose:)``.
    public func require<T>(
        elements count: Int, of _: T.Type, for what: @autoclosure () -> String, purpose: String? = nil
    ) throws(BackpropError) {
        let needed: Int
        do {
            needed = try CheckedSize.multiply(count, MemoryLayout<T>.stride, what())
        } catch {
            throw BackpropError.tooLarge("\(what()) needs more memory than any machine has (\(count) elements); \(self)")
        }
        try require(bytes: needed, for: what(), purpose: purpose)
    }

    /// "the memory budget is 12 GB (--max-memory)".
    public var description: String {
        "the memory budget is \(Self.text(bytes: bytes))" + (origin.map { " (\($0))" } ?? "")
    }

    /// A byte count for people: `512 B`, `3.4 MB`, `16 GB` (powers of 1000).
    public static func text(bytes: Int) -> String {
        let units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        if unit == 0 { return "\(bytes) B" }
        return String(format: value < 10 ? "%.1f" : "%.0f", value) + " " + units[unit]
    }
}
