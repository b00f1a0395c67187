/// What both command-line targets' `LLVMFuzzerInitialize` does: makes the ``Fixtures`` (two
/// short training runs) before libFuzzer starts timing inputs, so a loaded machine cannot turn
/// the first input of every fork-mode job into a timeout.
public func prepareFixtures() {
    _ = Fixtures.shared
}
