import Foundation
public import SEGYKit
import ToolboxCore

extension Workloads {
    /// Writes (once) an inline-sorted post-stack cube of `inlines` x `crosslines` traces of
    /// `samples` IBM-float samples (about 140 MB at the defaults) and returns its path.
    public static func segyCube(inlines: Int = 250, crosslines: Int = 250, samples: Int = 500,
                                format: SampleFormat = .ibmFloat32, directory: String = NSTemporaryDirectory()) throws -> String {
        let path = (directory as NSString).appendingPathComponent("dstoolbox-cube-\(inlines)x\(crosslines)x\(samples)-f\(format.rawValue).sgy")
        if FileManager.default.fileExists(atPath: path) { return path }
        let writer = try SEGYWriter(path: path, spec: SEGYSpec(sampleCount: samples, format: format, sampleInterval: 4000))
        var rng = SeededGenerator(seed: 11)
        var trace = [Float](repeating: 0, count: samples)
        for il in 0..<inlines {
            for xl in 0..<crosslines {
                var header = TraceHeader()
                try header.setValue(1000 + il, for: .inline)
                try header.setValue(2000 + xl, for: .crossline)
                try header.setValue(500_000 + 25 * xl, for: .cdpX)
                try header.setValue(6_000_000 + 25 * il, for: .cdpY)
                for s in 0..<samples { trace[s] = Float(rng.nextNormal() * 1000) }
                try writer.append(header: header, samples: trace)
            }
        }
        try writer.close()
        return path
    }
}
