import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension BackpropError {
    /// The one-line error for a failed write of `path`: "no space left on device while
    /// writing FILE" for a full disk (`ENOSPC`, Foundation's `NSFileWriteOutOfSpaceError`,
    /// found anywhere in the error's chain of underlying errors), "disk quota exceeded while
    /// writing FILE" for `EDQUOT`, else "FILE: cannot write: reason". The one place write
    /// failures are put into words.
    public static func writeFailure(path: String, _ error: any Error) -> BackpropError {
        if let error = error as? BackpropError { return error }
        var current: NSError? = error as NSError
        var depth = 0
        while let nsError = current, depth < 8 {
            if (nsError.domain == NSCocoaErrorDomain && nsError.code == NSFileWriteOutOfSpaceError)
                || (nsError.domain == NSPOSIXErrorDomain && nsError.code == Int(ENOSPC)) {
                return .invalidArgument("no space left on device while writing \(path)")
            }
            if nsError.domain == NSPOSIXErrorDomain && nsError.code == Int(EDQUOT) {
                return .invalidArgument("disk quota exceeded while writing \(path)")
            }
            current = nsError.userInfo[NSUnderlyingErrorKey] as? NSError
            depth += 1
        }
        return .malformedFile(path: path, reason: "cannot write: \(error.localizedDescription)")
    }

    /// The error for a failed write whose only trace is `errno` (a C call, or a library that
    /// reports no cause): ``writeFailure(path:_:)`` of the POSIX error.
    public static func writeFailure(path: String, errno code: Int32) -> BackpropError {
        writeFailure(path: path, NSError(domain: NSPOSIXErrorDomain, code: Int(code), userInfo: [
            NSLocalizedDescriptionKey: String(cString: strerror(code)),
        ]))
    }
}
