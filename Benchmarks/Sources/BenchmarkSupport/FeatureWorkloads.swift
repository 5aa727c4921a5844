import Foundation
import ToolboxCore

extension Workloads {
    /// Writes (once) seeded features with a fraction of values missing (NaN) as raw
    /// little-endian float64 `PREFIX.x` (row-major) and returns PREFIX: the KNN imputer's data.
    public static func missingData(rows: Int, features: Int, missing: Double = 0.1, directory: String = NSTemporaryDirectory()) throws -> String {
        let prefix = (directory as NSString).appendingPathComponent("dstoolbox-missing-\(rows)x\(features)")
        if FileManager.default.fileExists(atPath: prefix + ".x") { return prefix }
        var rng = SeededGenerator(seed: 9)
        var x = [Double](repeating: 0, count: rows * features)
        for k in x.indices {
            let value = rng.nextNormal() * Double(1 + k % features)
            x[k] = rng.nextUniform() < missing ? .nan : value
        }
        try x.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: prefix + ".x")) }
        return prefix
    }

    /// Reads what ``missingData(rows:features:missing:directory:)`` wrote.
    public static func loadMissingData(_ prefix: String, features: Int) throws -> Matrix<Double> {
        let data = try Data(contentsOf: URL(fileURLWithPath: prefix + ".x"))
        let x = data.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
        return try Matrix(rows: x.count / features, columns: features, values: x)
    }

    /// Writes (once) DOCUMENTS seeded documents, one per line, of words drawn from a Zipf-like
    /// vocabulary of 30,000 words, and returns the path.
    public static func documents(count: Int, directory: String = NSTemporaryDirectory()) throws -> String {
        let path = (directory as NSString).appendingPathComponent("dstoolbox-documents-\(count).txt")
        if FileManager.default.fileExists(atPath: path) { return path }
        var rng = SeededGenerator(seed: 17)
        let syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "te", "vo", "xi", "zu", "ba", "de", "fi", "go", "hu", "je"]
        var text = ""
        for _ in 0..<count {
            let length = 20 + rng.nextInt(below: 180)
            var words: [String] = []
            for _ in 0..<length {
                // Zipf-like: small word numbers are frequent.
                let rank = Int(pow(30_000, rng.nextUniform()))
                var word = "", value = rank
                repeat { word += syllables[value % 16]; value /= 16 } while value > 0
                words.append(word)
            }
            text += words.joined(separator: " ") + "\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
