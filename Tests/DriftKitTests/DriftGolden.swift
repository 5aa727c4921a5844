import DriftKit
import Foundation
import ToolboxCore
import ToolboxTesting

/// The golden file of Scripts/golden/generate_drift.py and the samples it describes, generated
/// here with the same exactly rounded operations.
enum DriftGolden {
    struct KSCase: Decodable {
        let kind: String, n1: Int, n2: Int, shift: Double, seed1: UInt64, seed2: UInt64
        let alternative: String, method: String, statistic: Double, pvalue: Double, location: Double, sign: Int
    }

    struct KolmogorovCase: Decodable {
        let n: Int, x: Double
        let kstwo_sf: Double, smirnov: Double
    }

    struct Distances: Decodable {
        let psi: Double, kl: Double, js: Double, hellinger: Double
    }

    struct CategoricalCase: Decodable {
        let reference: [String: Int], current: [String: Int]
        let gof: [Double], contingency: [Double], z: [Double]
        let distances: Distances
    }

    struct Binned: Decodable {
        let reference: [Double], current: [Double]
        let psi: Double, kl: Double, js: Double, hellinger: Double
    }

    struct NumericDistanceCase: Decodable {
        let kind: String, n1: Int, n2: Int, shift: Double, seed1: UInt64, seed2: UInt64
        let wasserstein: Double, wasserstein_normed: Double
        let fixed10: Binned, quantile10: Binned, fixed30: Binned, quantile4: Binned
    }

    struct FisherCase: Decodable {
        let table: [[Int]], alternative: String, statistic: Double, pvalue: Double
    }

    struct AndersonCase: Decodable {
        let kind: String, sizes: [Int], shifts: [Double], seeds: [UInt64], statistic: Double, pvalue: Double
    }

    struct CvMCase: Decodable {
        let kind: String, n1: Int, n2: Int, shift: Double, seed1: UInt64, seed2: UInt64, method: String
        let statistic: Double, pvalue: Double
    }

    struct MMDCase: Decodable {
        let kind: String, n1: Int, n2: Int, dims: Int, shift: Double, seed1: UInt64, seed2: UInt64, sigma: Double, mmd2: Double
    }

    struct File: Decodable {
        let uniforms: [Double]
        let samples: [String: [Double]]
        let ks: [KSCase]
        let kolmogorov: [KolmogorovCase]
        let categorical: [CategoricalCase]
        let numeric_distances: [NumericDistanceCase]
        let fisher: [FisherCase]
        let anderson: [AndersonCase]
        let cvm: [CvMCase]
        let mmd: [MMDCase]
    }

    static let file: File? = try? GoldenFiles().load(File.self, "drift.json")

    /// SplitMix64's uniforms in [0, 1): the top 53 bits.
    static func uniforms(seed: UInt64, count: Int) -> [Double] { SplitMix.uniforms(seed: seed, count: count) }

    /// The script's samples: Irwin-Hall normals, ties on a grid, or a skewed shape.
    static func sample(_ kind: String, seed: UInt64, count: Int, shift: Double) -> [Double] {
        switch kind {
        case "normal":
            let u = uniforms(seed: seed, count: count * 12)
            return (0..<count).map { i in
                var value = 0.0
                for k in 0..<12 { value = value + u[12 * i + k] }
                return value - 6.0 + shift
            }
        case "ties":
            return uniforms(seed: seed, count: count).map { ($0 * 20.0).rounded(.down) + ($0 * shift * 100.0).rounded(.down) }
        default:
            return uniforms(seed: seed, count: count).map { $0 / (1.0 - $0 + 0.05) + shift }
        }
    }
}

/// |actual − expected| ≤ tolerance·|expected| (or both zero).
func relativelyClose(_ actual: Double, _ expected: Double, _ tolerance: Double) -> Bool {
    if actual == expected { return true }
    return abs(actual - expected) <= tolerance * abs(expected)
}
