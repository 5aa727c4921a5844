import Foundation
import ToolboxCore

extension Workloads {
    /// Writes (once) a seeded binary classification problem as raw little-endian float64 files
    /// `PREFIX.x` (row-major) and `PREFIX.y`, for both DS Toolbox and the Python reference to
    /// read, and returns PREFIX.
    public static func classificationData(rows: Int, features: Int, directory: String = NSTemporaryDirectory()) throws -> String {
        let prefix = (directory as NSString).appendingPathComponent("dstoolbox-classification-\(rows)x\(features)")
        if FileManager.default.fileExists(atPath: prefix + ".y") { return prefix }
        var rng = SeededGenerator(seed: 5)
        // Half the features carry signal through a random linear score; labels flip at 5%.
        let weights = (0..<features).map { $0 < features / 2 ? rng.nextNormal() : 0 }
        var x = [Double](repeating: 0, count: rows * features)
        var y = [Double](repeating: 0, count: rows)
        for i in 0..<rows {
            var score = 0.0
            for j in 0..<features {
                let v = rng.nextNormal()
                x[i * features + j] = v
                score += weights[j] * v
            }
            var label = score + 0.5 * rng.nextNormal() > 0 ? 1.0 : 0.0
            if rng.nextUniform() < 0.05 { label = 1 - label }
            y[i] = label
        }
        try x.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: prefix + ".x")) }
        try y.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: prefix + ".y")) }
        return prefix
    }

    /// Reads what ``classificationData(rows:features:directory:)`` wrote.
    public static func loadClassificationData(_ prefix: String, features: Int) throws -> (Matrix<Double>, [Double]) {
        let xData = try Data(contentsOf: URL(fileURLWithPath: prefix + ".x"))
        let yData = try Data(contentsOf: URL(fileURLWithPath: prefix + ".y"))
        let x = xData.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
        let y = yData.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
        return (try Matrix(rows: y.count, columns: features, values: x), y)
    }
}
