import Foundation
public import ToolboxCore

/// Data shared by the benchmarks and the comparison runner, generated at run time.
public enum Workloads {
    /// Writes (once) a numeric CSV of about `megabytes` MB: 10 columns of seeded normal values
    /// printed with 9 significant digits, plus an integer id. Returns its path.
    public static func numericCSV(megabytes: Int = 100, directory: String = NSTemporaryDirectory()) throws -> String {
        let path = (directory as NSString).appendingPathComponent("dstoolbox-numeric-\(megabytes)MB.csv")
        if FileManager.default.fileExists(atPath: path) { return path }
        let columns = 10
        var rng = SeededGenerator(seed: 2026)
        var text = "id," + (0..<columns).map { "f\($0)" }.joined(separator: ",") + "\n"
        let target = megabytes * 1_000_000
        var out = Data()
        var row = 0
        while out.count + text.utf8.count < target {
            for _ in 0..<1_000 {
                text += String(row)
                for _ in 0..<columns {
                    text += ","
                    text += String(format: "%.9g", rng.nextNormal() * 100)
                }
                text += "\n"
                row += 1
            }
            out.append(contentsOf: text.utf8)
            text = ""
        }
        let temporary = path + ".partial"
        try out.write(to: URL(fileURLWithPath: temporary))
        try FileManager.default.moveItem(atPath: temporary, toPath: path)
        return path
    }

    /// A seeded square matrix.
    public static func squareMatrix(_ n: Int, seed: UInt64) -> Matrix<Double> {
        var rng = SeededGenerator(seed: seed)
        return Matrix(rows: n, columns: n) { _, _ in rng.nextNormal() }
    }

    /// The textbook triple loop (i-k-j order), the baseline BLAS is measured against.
    public static func naiveMultiply(_ a: Matrix<Double>, _ b: Matrix<Double>) -> [Double] {
        let n = a.rows, m = b.columns, k = a.columns
        var c = [Double](repeating: 0, count: n * m)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    for i in 0..<n {
                        for p in 0..<k {
                            let aip = pa[i * k + p]
                            for j in 0..<m { pc[i * m + j] += aip * pb[p * m + j] }
                        }
                    }
                }
            }
        }
        return c
    }
}
