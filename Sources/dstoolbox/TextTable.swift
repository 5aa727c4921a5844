import Foundation
import ToolboxCore

/// Aligned plain-text tables for the commands' human output, linear in the number of cells (a
/// report of 100,000 columns prints in a fraction of a second).
enum TextTable {
    /// `rows` (the first one the header) in columns two spaces apart; columns in `rightAligned`
    /// align right, the others left; trailing spaces trimmed.
    static func render(_ rows: [[String]], rightAligned: Set<Int> = []) -> String {
        guard let width = rows.first?.count else { return "" }
        let counts = rows.map { row in row.map(\.count) }
        let widths = (0..<width).map { j in counts.map { j < $0.count ? $0[j] : 0 }.max() ?? 0 }
        var output = ""
        for (r, row) in rows.enumerated() {
            var line = ""
            for (j, cell) in row.enumerated() {
                if j > 0 { line += "  " }
                let pad = String(repeating: " ", count: max(0, widths[j] - counts[r][j]))
                line += rightAligned.contains(j) ? pad + cell : cell + pad
            }
            while line.last == " " { line.removeLast() }
            output += line
            if r < rows.count - 1 { output += "\n" }
        }
        return output
    }

    /// `value` as C's `%.<precision>g` prints it (pandas' and NumPy's default look), without
    /// Foundation's slower `String(format:)`.
    static func general(_ value: Double, precision: Int) -> String {
        CFormat.string("%.\(precision)g", value)
    }
}
