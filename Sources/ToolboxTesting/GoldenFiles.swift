public import Foundation
public import ToolboxCore

/// Reference values stored beside the tests (in `Tests/<Kit>Tests/Golden/`).
///
/// Values computed by the Python reference libraries are written once by a script under
/// `Scripts/` and only read here. Values this package computes itself ("snapshots") can be
/// re-recorded: run the tests with `DSTOOLBOX_RECORD_GOLDEN=1` and review the diff.
public struct GoldenFiles: Sendable {
    /// The folder holding the golden files.
    public let directory: URL

    /// The `Golden` folder beside the calling test file.
    public init(testFile: String = #filePath) {
        directory = URL(fileURLWithPath: testFile).deletingLastPathComponent().appendingPathComponent("Golden")
    }

    /// Whether snapshot files are being re-recorded in this run.
    public static var isRecording: Bool {
        ProcessInfo.processInfo.environment["DSTOOLBOX_RECORD_GOLDEN"] == "1"
    }

    /// The URL of golden file `name`.
    public func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// Decodes golden file `name` (JSON). NaN and infinities are written as `"nan"`, `"inf"`, `"-inf"`.
    public func load<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
        let data = try Data(contentsOf: url(name))
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(T.self, from: data)
    }

    /// Compares `actual` with snapshot file `name`, or writes it when recording.
    /// - Returns: `nil` when equal (or just recorded), otherwise a description of the difference.
    public func snapshot(_ actual: String, _ name: String) throws -> String? {
        let file = url(name)
        if Self.isRecording {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(actual.utf8).write(to: file)
            return nil
        }
        guard let data = FileManager.default.contents(atPath: file.path) else {
            return "snapshot \(name) does not exist; run with DSTOOLBOX_RECORD_GOLDEN=1 to record it"
        }
        let expected = String(decoding: data, as: UTF8.self)
        guard expected != actual else { return nil }
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let line = zip(a, e).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, e.count)
        return "snapshot \(name) differs at line \(line + 1):\n  actual:   \(line < a.count ? String(a[line]) : "<end>")\n  expected: \(line < e.count ? String(e[line]) : "<end>")"
    }
}

/// A matrix as golden files store it: `{"rows": r, "columns": c, "values": [...]}` row-major.
public struct GoldenMatrix: Codable, Sendable {
    public var rows: Int
    public var columns: Int
    public var values: [Double]

    /// The matrix.
    public var matrix: Matrix<Double> {
        get throws { try Matrix(rows: rows, columns: columns, values: values) }
    }
}
