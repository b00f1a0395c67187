import Foundation

extension CSVLoader {
    /// Reads a CSV of features only (no label column), one example per row, as `X` `(n_x, m)`:
    /// what `predict` takes. A first row that is not all numbers is the header. Quoted fields,
    /// `\r\n` line ends and blank lines are handled as in ``CSVLoader/load(contentsOf:labelColumn:labelEncoding:classes:separator:as:budget:)``;
    /// a cell that is not a finite number or a ragged row is an error naming the line and column.
    /// Reading is checked against `budget` before anything is allocated.
    public static func loadFeatures<T: BackpropScalar>(
        contentsOf url: URL, separator: Character = ",", as _: T.Type = T.self, budget: MemoryBudget = .standard
    ) throws -> (X: Matrix<T>, featureNames: [String]?) {
        func fail(_ reason: String) -> BackpropError { .malformedFile(path: url.path, reason: reason) }
        let data = try BackpropError.contents(of: url)
        guard let separatorByte = separator.asciiValue else {
            throw BackpropError.invalidArgument("CSV separator must be an ASCII character, got '\(separator)'")
        }
        try requireParsing(data.count, of: T.self, source: url.path, budget: budget)
        var tokenizer = CSVTokenizer([UInt8](data), separator: separatorByte)
        var header: [String]?
        var columns: [T] = []
        var width: Int?
        var count = 0
        while true {
            let next: CSVTokenizer.Row?
            do { next = try tokenizer.nextRow() } catch {
                throw fail("line \(error.line), column \(error.field + 1): \(error.reason)")
            }
            guard let row = next else { break }
            let cells = row.fields.map { $0.trimmingCharacters(in: .whitespaces) }
            let values = cells.map { NumberText.double($0) }
            if count == 0 && header == nil && values.contains(where: { $0 == nil }) {
                header = cells
                width = cells.count
                continue
            }
            if let width, width != cells.count {
                throw fail("line \(row.line): \(cells.count) values, expected \(width)")
            }
            width = cells.count
            for (index, value) in values.enumerated() {
                guard let value, value.isFinite else {
                    let name = header.map { index < $0.count ? "'\(BackpropError.excerpt($0[index]))'" : "\(index + 1)" } ?? "\(index + 1)"
                    let why = value == nil ? NumberText.whyNot(cells[index]) : "is not a finite number"
                    throw fail("line \(row.line), column \(name): '\(BackpropError.excerpt(cells[index]))' \(why)")
                }
                columns.append(T(value))
            }
            count += 1
        }
        guard count > 0, let width, width > 0 else { throw fail("no examples") }
        return (Matrix(rows: width, columns: count, columnMajor: columns), header)
    }
}
