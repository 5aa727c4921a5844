
/// A generated data set.
public struct SyntheticData: Sendable {
    /// Features, one row per sample.
    public var x: Matrix<Double>
    /// Targets: values for regression, class labels `0, 1, ...` for classification, cluster
    /// indices for blobs.
    public var y: [Double]
    /// The true coefficients (regression) or cluster centres, row-major (blobs).
    public var truth: [Double]
}

/// Seeded data generators following scikit-learn's `make_regression`, `make_classification`
/// and `make_blobs` procedures. Same seed, same data, on every platform; the streams differ from
/// NumPy's, so values are not those scikit-learn prints for the same seed.
public enum DataGenerators {
    /// A linear regression problem: standard normal features, the first `informative`
    /// coefficients drawn from U(0, 100), `y = X·w + bias + N(0, noise²)`.
    public static func regression(samples: Int, features: Int, informative: Int? = nil, noise: Double = 0,
                                  bias: Double = 0, seed: UInt64 = 0) -> SyntheticData {
        var rng = SeededGenerator(seed: seed)
        let informative = min(informative ?? features, features)
        let x = Matrix<Double>(rows: samples, columns: features) { _, _ in rng.nextNormal() }
        var coefficients = [Double](repeating: 0, count: features)
        for j in 0..<informative { coefficients[j] = 100 * rng.nextUniform() }
        var y = (try? x.multiplied(by: coefficients)) ?? []
        for i in y.indices { y[i] += bias + (noise > 0 ? noise * rng.nextNormal() : 0) }
        return SyntheticData(x: x, y: y, truth: coefficients)
    }

    /// A classification problem: Gaussian clusters at the vertices of a hypercube of side
    /// `2 · classSeparation` in the `informative` dimensions, each stretched by a random linear
    /// map; `redundant` features are random linear combinations of the informative ones, the
    /// rest are noise; a `flip` share of labels is replaced at random.
    ///
    /// Needs `classes · clustersPerClass ≤ 2^informative` (as scikit-learn does).
    public static func classification(samples: Int, features: Int = 20, informative: Int = 2, redundant: Int = 2,
                                      classes: Int = 2, clustersPerClass: Int = 2, classSeparation: Double = 1,
                                      flip: Double = 0.01, seed: UInt64 = 0) throws -> SyntheticData {
        guard informative + redundant <= features, informative > 0, classes >= 2, clustersPerClass > 0,
              informative >= 62 || classes * clustersPerClass <= (1 << informative) else {
            throw ToolboxError(.invalidParameter,
                               "need informative + redundant <= features and classes * clustersPerClass <= 2^informative",
                               context: ErrorContext(parameter: "informative"))
        }
        var rng = SeededGenerator(seed: seed)
        let clusters = classes * clustersPerClass
        let vertices = informative >= 62 ? (0..<clusters).map { _ in Int(rng.next() >> 2) } : try rng.sampleWithoutReplacement(clusters, from: 1 << informative)
        var rowsData = [Double](repeating: 0, count: samples * features)
        var y = [Double](repeating: 0, count: samples)
        var sample = 0
        for cluster in 0..<clusters {
            let count = samples / clusters + (cluster < samples % clusters ? 1 : 0)
            let centroid = (0..<informative).map { bit in ((vertices[cluster] >> bit) & 1 == 1 ? 1.0 : -1.0) * classSeparation }
            let stretch = (0..<informative * informative).map { _ in 2 * rng.nextUniform() - 1 }
            for _ in 0..<count {
                let z = (0..<informative).map { _ in rng.nextNormal() }
                for j in 0..<informative {
                    var value = centroid[j]
                    for k in 0..<informative { value += z[k] * stretch[k * informative + j] }
                    rowsData[sample * features + j] = value
                }
                y[sample] = Double(cluster % classes)
                sample += 1
            }
        }
        let mixing = (0..<informative * redundant).map { _ in 2 * rng.nextUniform() - 1 }
        for i in 0..<samples {
            for r in 0..<redundant {
                var value = 0.0
                for k in 0..<informative { value += rowsData[i * features + k] * mixing[k * redundant + r] }
                rowsData[i * features + informative + r] = value
            }
            for j in (informative + redundant)..<features { rowsData[i * features + j] = rng.nextNormal() }
        }
        for i in 0..<samples where rng.nextUniform() < flip { y[i] = Double(rng.nextInt(below: classes)) }
        let order = rng.permutation(samples)
        let x = try Matrix(rows: samples, columns: features, values: rowsData).rows(at: order)
        return SyntheticData(x: x, y: order.map { y[$0] }, truth: [])
    }

    /// Isotropic Gaussian blobs: `centers` centres drawn uniformly from `centerBox` in every
    /// dimension, samples split evenly between them with standard deviation `clusterStandardDeviation`.
    public static func blobs(samples: Int, features: Int = 2, centers: Int = 3, clusterStandardDeviation: Double = 1,
                             centerBox: ClosedRange<Double> = -10...10, seed: UInt64 = 0) -> SyntheticData {
        var rng = SeededGenerator(seed: seed)
        let centres = (0..<centers * features).map { _ in rng.nextUniform(in: centerBox.lowerBound, centerBox.upperBound) }
        var values: [Double] = []
        values.reserveCapacity(samples * features)
        var y: [Double] = []
        for c in 0..<centers {
            let count = samples / centers + (c < samples % centers ? 1 : 0)
            for _ in 0..<count {
                for j in 0..<features { values.append(centres[c * features + j] + clusterStandardDeviation * rng.nextNormal()) }
                y.append(Double(c))
            }
        }
        let x = Matrix<Double>(rows: y.count, columns: features) { i, j in values[i * features + j] }
        return SyntheticData(x: x, y: y, truth: centres)
    }
}
