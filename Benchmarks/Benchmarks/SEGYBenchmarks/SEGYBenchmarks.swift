import Benchmark
import BenchmarkSupport
import Foundation
import SEGYKit

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .throughput], maxDuration: .seconds(5), maxIterations: 30)

    // IBM float decoding alone: 64 MB of words, in cache-sized blocks.
    Benchmark("IBM float decode 64 MB", configuration: .init(metrics: [.wallClock, .throughput])) { benchmark in
        let count = 1 << 24
        var rng = UInt32(12345)
        let words = (0..<count).map { _ -> UInt32 in rng = rng &* 1_664_525 &+ 1_013_904_223; return 0x4100_0000 | (rng & 0x80FF_FFFF) }
        var out = [Float](repeating: 0, count: count)
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            words.withUnsafeBytes { source in
                out.withUnsafeMutableBufferPointer { target in
                    SampleCodec.decode(.ibmFloat32, .bigEndian, from: source.baseAddress!, count: count, into: target.baseAddress!)
                }
            }
            blackHole(out)
        }
    }

    Benchmark("SEG-Y whole-file read 140 MB", configuration: .init(metrics: [.wallClock, .peakMemoryResident], maxIterations: 10)) { benchmark in
        let file = try SEGYFile(path: try Workloads.segyCube())
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations { blackHole(try file.traces()) }
    }

    Benchmark("SEG-Y header scan inline+crossline") { benchmark in
        let file = try SEGYFile(path: try Workloads.segyCube())
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try file.headerValues(.inline))
            blackHole(try file.headerValues(.crossline))
        }
    }

    Benchmark("SEG-Y inline, crossline and time slice") { benchmark in
        let file = try SEGYFile(path: try Workloads.segyCube())
        let geometry = try file.geometry()
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            blackHole(try file.inline(geometry.inlines[125], geometry: geometry))
            blackHole(try file.crossline(geometry.crosslines[125], geometry: geometry))
            blackHole(try file.depthSlice(250, geometry: geometry))
        }
    }
}
