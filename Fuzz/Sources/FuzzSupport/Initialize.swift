import Foundation

/// What both command-line targets' `LLVMFuzzerInitialize` does: makes the ``Fixtures`` (two
/// short training runs) before libFuzzer starts timing inputs, so a loaded machine cannot turn
/// the first input of every fork-mode job into a timeout. The current directory is put back
/// afterwards: libFuzzer opens `-dict=` and corpus paths relative to it after this returns.
public func prepareFixtures() {
    let manager = FileManager.default
    let start = manager.currentDirectoryPath
    _ = Fixtures.shared
    _ = manager.changeCurrentDirectoryPath(start)
}
