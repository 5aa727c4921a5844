import Foundation
public import ToolboxCore

/// Maps each feature's values to at most 255 bins by quantile thresholds, as scikit-learn's
/// `_BinMapper` and LightGBM's bin construction: a feature with at most `maxBins` distinct values
/// gets a bin per value (thresholds at the midpoints), others get thresholds at the
/// `k/maxBins` percentiles (NumPy's "averaged_inverted_cdf" method, duplicates dropped); missing values (NaN) get their own bin,
/// `maxBins`, after every other. A categorical feature gets a bin per category (its training
/// values, sorted, at most `maxBins` of them); an unseen value is binned as missing.
public struct BinMapper: Sendable, Hashable, Codable {
    /// Per feature, the increasing upper edges of its bins: value `x` is in bin `b` when
    /// `thresholds[b-1] < x <= thresholds[b]`.
    public var thresholds: [[Double]]
    /// The number of bins for non-missing values of each feature (`thresholds.count + 1`, or
    /// the number of categories).
    public var binCounts: [Int] {
        thresholds.indices.map { f in categories.isEmpty || categories[f] == nil ? thresholds[f].count + 1 : categories[f]!.count }
    }
    /// Per feature, its categories (sorted distinct values) when it is categorical; empty when
    /// no feature is.
    public var categories: [[Double]?] = []
    /// Bins available to non-missing values; the missing-value bin is this index.
    public let maxBins: Int

    /// Thresholds for every column of `x` (NaN skipped). At most `subsample` rows are used, chosen with `seed`.
    /// - Parameter categories: per feature, the categories of a categorical feature (all its
    ///   values, as ``categories(of:feature:)`` finds them), `nil` for a numeric one.
    /// - Parameter weights: sample weights, as scikit-learn 1.9 bins with them: rows of weight 0
    ///   are left out, and a feature with more than `maxBins` distinct values gets weighted
    ///   percentiles (its "averaged inverted CDF"); above `subsample` rows, the rows are drawn
    ///   with replacement in proportion to their weights and then binned unweighted.
    /// - Parameter x: the training features, one row per sample.
    /// - Parameter maxBins: bins for non-missing values (at most 255).
    /// - Parameter subsample: the most rows the thresholds are computed from.
    /// - Parameter seed: chooses the subsample.
    /// - Parameter threads: threads used (all cores by default).
    public init(fitting x: Matrix<Double>, maxBins: Int = 255, subsample: Int = 200_000, seed: UInt64 = 0, threads: Int? = nil,
                categories: [[Double]?] = [], weights: [Double]? = nil) throws {
        guard (2...255).contains(maxBins) else {
            throw ToolboxError(.invalidParameter, "max_bins must be in 2...255, got \(maxBins)", context: ErrorContext(parameter: "max_bins"))
        }
        guard categories.isEmpty || categories.count == x.columns else {
            throw ToolboxError(.shapeMismatch, "\(categories.count) category lists for \(x.columns) features", context: ErrorContext(parameter: "categorical_features"))
        }
        for (feature, known) in categories.enumerated() {
            if let known, known.count > maxBins {
                throw ToolboxError(.invalidData, "categorical feature \(feature) has \(known.count) categories; at most max_bins (\(maxBins)) are split natively",
                                   context: ErrorContext(column: "\(feature)", parameter: "categorical_features"))
            }
        }
        self.maxBins = maxBins
        self.categories = categories.contains { $0 != nil } ? categories : []
        guard weights == nil || weights!.count == x.rows else {
            throw ToolboxError(.shapeMismatch, "\(weights!.count) weights for \(x.rows) rows", context: ErrorContext(parameter: "sample_weight"))
        }
        var rows = Array(0..<x.rows)
        var weights = weights
        if x.rows > subsample {
            rows = try Self.subsampleRows(subsample, of: x.rows, weights: weights, seed: seed)
            weights = nil
        }
        let rowWeights = weights
        let columns = x.columns
        let categorical = self.categories
        // Blocks of 8 features: each row's 8 values share a cache line, read once per block.
        let blocks = try Parallel.map(count: columns, grain: 8, threads: threads) { block -> [[Double]] in
            var values = [[Double]](repeating: [], count: block.count)
            for k in values.indices { values[k].reserveCapacity(rows.count) }
            if let rowWeights {
                return block.map { feature in
                    if !categorical.isEmpty, categorical[feature] != nil { return [] }
                    var pairs: [(value: Double, weight: Double)] = []
                    for row in rows where rowWeights[row] != 0 {
                        let value = x.values[row * columns + feature]
                        if !value.isNaN { pairs.append((value, rowWeights[row])) }
                    }
                    return Self.thresholds(weighted: &pairs, maxBins: maxBins)
                }
            }
            x.values.withUnsafeBufferPointer { source in
                for row in rows {
                    let base = source.baseAddress! + row * columns
                    for (k, feature) in block.enumerated() {
                        let value = base[feature]
                        if !value.isNaN { values[k].append(value) }
                    }
                }
            }
            return block.enumerated().map { k, feature in
                if !categorical.isEmpty, categorical[feature] != nil { return [] }
                return Self.thresholds(sorting: &values[k], maxBins: maxBins)
            }
        }
        thresholds = blocks.flatMap { $0 }
    }

    /// The code of category `value` (its index among the sorted `categories`), or `nil` when it
    /// is not one of them.
    static func categoryCode(_ value: Double, in categories: [Double]) -> Int? {
        var low = 0, high = categories.count
        while low < high {
            let middle = (low + high) >> 1
            if categories[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low < categories.count && categories[low] == value ? low : nil
    }

    /// The sorted distinct values of a column (NaN left out): a categorical feature's categories.
    public static func categories(of x: Matrix<Double>, feature: Int) -> [Double] {
        var values = Set<Double>()
        for row in 0..<x.rows {
            let value = x.values[row * x.columns + feature]
            if !value.isNaN { values.insert(value) }
        }
        return values.sorted()
    }

    init(thresholds: [[Double]], maxBins: Int) {
        self.thresholds = thresholds
        self.maxBins = maxBins
    }

    /// The rows the thresholds are found on when there are more than `count`: `count` rows
    /// drawn with replacement (in proportion to their weights, when weighted), as
    /// scikit-learn's `HistGradientBoosting` draws them for `random_state` = `seed`: NumPy's
    /// `RandomState(seed)` gives the bin mapper's seed (`randint(2³² − 1)`), whose own
    /// `RandomState` draws `choice(rows, count)`. On more than 200,000 rows the bins are then
    /// scikit-learn's. Seeds above 2³² − 1, which NumPy refuses, draw from ``SeededGenerator``.
    static func subsampleRows(_ count: Int, of rows: Int, weights: [Double]?, seed: UInt64) throws -> [Int] {
        guard let seeds = NumPyRandomState.histGradientBoostingSeeds(randomState: seed), rows <= Int(UInt32.max) else {
            var generator = SeededGenerator(seed: seed)
            guard let weights else { return try generator.sampleWithoutReplacement(count, from: rows).sorted() }
            return Self.weightedDraw(count, weights: weights) { generator.nextUniform() }
        }
        var mapper = NumPyRandomState(seed: seeds.random)
        guard let weights else { return (0..<count).map { _ in mapper.randint(0, rows) } }
        return Self.weightedDraw(count, weights: weights) { mapper.randomSample() }
    }

    /// `count` rows drawn with replacement, each with probability proportional to its weight:
    /// NumPy's `choice(p=weights / sum)` (the normalized cumulative sum searched, right side,
    /// with `uniform()` in [0, 1)).
    static func weightedDraw(_ count: Int, weights: [Double], uniform: () -> Double) -> [Int] {
        var total = 0.0
        for weight in weights { total += weight }
        var cumulative = [Double](repeating: 0, count: weights.count)
        var running = 0.0
        for (row, weight) in weights.enumerated() { running += weight / total; cumulative[row] = running }
        let last = running
        for row in cumulative.indices { cumulative[row] /= last }
        return (0..<count).map { _ in
            let target = uniform()
            var low = 0, high = cumulative.count
            while low < high {
                let middle = (low + high) >> 1
                if cumulative[middle] > target { high = middle } else { low = middle + 1 }
            }
            return min(low, cumulative.count - 1)
        }
    }

    /// The thresholds of one feature's non-missing values of non-zero weight, as scikit-learn
    /// 1.9 finds them with sample weights: above `maxBins` distinct values,
    /// `_weighted_percentile(..., average=True)` at the `k/maxBins` ranks: the first value
    /// whose cumulative weight reaches the rank, averaged with the next one when it reaches it
    /// exactly (within one ulp of 1).
    static func thresholds(weighted pairs: inout [(value: Double, weight: Double)], maxBins: Int) -> [Double] {
        pairs.sort { $0.value < $1.value }
        let n = pairs.count
        var cumulative = [Double](repeating: 0, count: n)
        var total = 0.0
        for (index, pair) in pairs.enumerated() { total += pair.weight; cumulative[index] = total }
        return edges(sorted: pairs.map(\.value), maxBins: maxBins) { k, step in
            let rank = (Double(k) * step) / 100 * total
            var low = 0, high = n
            while low < high {
                let middle = (low + high) >> 1
                if cumulative[middle] < rank { low = middle + 1 } else { high = middle }
            }
            let index = min(low, n - 1)
            if cumulative[index] - rank > Double.ulpOfOne { return pairs[index].value }
            return (pairs[index].value + pairs[min(index + 1, n - 1)].value) / 2
        }
    }

    /// The thresholds of one feature's non-missing values: above `maxBins` distinct values,
    /// `np.percentile(values, np.linspace(0, 100, maxBins + 1)[1:-1],
    /// method="averaged_inverted_cdf")`, as scikit-learn 1.6+.
    static func thresholds(sorting values: inout [Double], maxBins: Int) -> [Double] {
        values = RadixSort.sorted(values)
        let sorted = values, n = values.count
        return edges(sorted: sorted, maxBins: maxBins) { k, step in
            let position = Double(n) * ((Double(k) * step) / 100) - 1
            if position < 0 { return sorted[0] }
            if position >= Double(n - 1) { return sorted[n - 1] }
            let lower = position.rounded(.down)
            let a = sorted[Int(lower)], b = sorted[Int(lower) + 1]
            // gamma is 1 (the next value) unless the position is whole (the average).
            return position - lower == 0 ? b - (b - a) * 0.5 : b
        }
    }

    /// The edges of `sorted` values: the midpoints of their distinct values when there are at
    /// most `maxBins`, else `quantile(k, 100 / maxBins)` for k in 1..<maxBins with duplicates
    /// dropped; edges above the largest finite number become it (a +∞ threshold is left to the
    /// split that sends only missing values right).
    private static func edges(sorted: [Double], maxBins: Int, quantile: (Int, Double) -> Double) -> [Double] {
        var distinct: [Double] = []
        for value in sorted where distinct.last != value { distinct.append(value) }
        var edges: [Double]
        if distinct.count <= maxBins {
            edges = (0..<max(0, distinct.count - 1)).map { (distinct[$0] + distinct[$0 + 1]) * 0.5 }
        } else {
            let step = 100.0 / Double(maxBins)
            edges = []
            for edge in (1..<maxBins).map({ quantile($0, step) }).sorted() where edges.last != edge { edges.append(edge) }
        }
        let almostInfinite = Double.greatestFiniteMagnitude
        for index in edges.indices where edges[index] > almostInfinite { edges[index] = almostInfinite }
        return edges
    }

    /// The bin of `value` for `feature`.
    @inline(__always)
    func bin(_ value: Double, feature: Int) -> UInt8 {
        if value.isNaN { return UInt8(maxBins) }
        if !categories.isEmpty, let known = categories[feature] {
            return Self.categoryCode(value, in: known).map(UInt8.init) ?? UInt8(maxBins)
        }
        return thresholds[feature].withUnsafeBufferPointer { Self.lowerBound($0, value) }
    }

    /// The number of edges below `value` (the index of the first edge `>= value`): the bin of a
    /// non-missing value.
    @inline(__always)
    static func lowerBound(_ edges: UnsafeBufferPointer<Double>, _ value: Double) -> UInt8 {
        var low = 0, high = edges.count
        while low < high {
            let middle = (low + high) >> 1
            if edges[middle] < value { low = middle + 1 } else { high = middle }
        }
        return UInt8(truncatingIfNeeded: low)
    }

    /// `x` binned, column-major: feature `f`'s bins at `[f * rows ..< (f + 1) * rows]`.
    func transformColumnMajor(_ x: Matrix<Double>, threads: Int? = nil) throws -> [UInt8] {
        let columns = x.columns, rows = x.rows
        var binned = [UInt8](repeating: 0, count: rows * columns)
        let guides = thresholds.map { Guide($0) }
        try binned.withUnsafeMutableBufferPointer { output in
            let out = UnsafeSendable(output)
            try x.values.withUnsafeBufferPointer { values in
                let input = UnsafeSendable(values)
                // Blocks of 1,024 rows (their values stay in cache while each feature is binned).
                try Parallel.forEach(count: rows, grain: 8_192, threads: threads) { range in
                    for blockStart in stride(from: range.lowerBound, to: range.upperBound, by: 1_024) {
                        let block = blockStart..<min(range.upperBound, blockStart + 1_024)
                        for feature in 0..<columns {
                            let destination = out.value.baseAddress! + feature * rows, source = input.value.baseAddress! + feature
                            if !categories.isEmpty, categories[feature] != nil {
                                for row in block { destination[row] = bin(source[row * columns], feature: feature) }
                                continue
                            }
                            let missing = UInt8(maxBins)
                            let guide = guides[feature]
                            thresholds[feature].withUnsafeBufferPointer { edges in
                                for row in block {
                                    let value = source[row * columns]
                                    destination[row] = value.isNaN ? missing : guide.bin(value, edges)
                                }
                            }
                        }
                    }
                }
            }
        }
        return binned
    }

    /// Where to start looking for a value's bin: the values between the first and last edge
    /// cut into equal cells, each knowing how many edges lie below it. A value's bin is then a
    /// step or two from its cell's (quantile edges are about evenly spread where values are),
    /// instead of eight unpredictable halvings.
    struct Guide {
        var low = 0.0, scale = 0.0
        var start: [UInt16] = []

        init(_ edges: [Double], cells: Int = 1_024) {
            guard edges.count > 1, let first = edges.first, let last = edges.last, last > first, (last - first).isFinite else { return }
            low = first
            scale = Double(cells) / (last - first)
            var counts = [UInt16](repeating: 0, count: cells)
            var below = 0
            for cell in 0..<cells {
                let cellStart = low + Double(cell) / scale
                while below < edges.count && edges[below] < cellStart { below += 1 }
                counts[cell] = UInt16(below)
            }
            start = counts
        }

        /// The bin of a non-missing `value`: the number of edges below it.
        @inline(__always)
        func bin(_ value: Double, _ edges: UnsafeBufferPointer<Double>) -> UInt8 {
            guard !start.isEmpty else { return BinMapper.lowerBound(edges, value) }
            let position = (value - low) * scale
            let cell = position < 0 ? 0 : (position >= Double(start.count) ? start.count - 1 : Int(position))
            var index = Int(start[cell])
            // The cell's count is exact up to rounding: walk to the value's place either way.
            while index < edges.count && edges[index] < value { index += 1 }
            while index > 0 && edges[index - 1] >= value { index -= 1 }
            return UInt8(truncatingIfNeeded: index)
        }
    }

    /// Column-major bins (as ``transformColumnMajor(_:threads:)`` gives them) laid out row-major.
    static func transpose(_ binned: [UInt8], rows: Int, columns: Int, threads: Int? = nil) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: rows * columns)
        try out.withUnsafeMutableBufferPointer { output in
            let target = UnsafeSendable(output)
            try binned.withUnsafeBufferPointer { input in
                let source = UnsafeSendable(input)
                try Parallel.forEach(count: rows, grain: 16_384, threads: threads) { range in
                    // Blocks of 64 rows keep each column's bytes and the rows being written in cache.
                    for blockStart in stride(from: range.lowerBound, to: range.upperBound, by: 64) {
                        let blockEnd = min(range.upperBound, blockStart + 64)
                        for feature in 0..<columns {
                            let column = source.value.baseAddress! + feature * rows
                            for row in blockStart..<blockEnd { target.value[row * columns + feature] = column[row] }
                        }
                    }
                }
            }
        }
        return out
    }

    /// `x` binned, row-major (`rows x columns` bytes).
    func transform(_ x: Matrix<Double>, threads: Int? = nil) throws -> [UInt8] {
        let columns = x.columns
        var binned = [UInt8](repeating: 0, count: x.rows * columns)
        try binned.withUnsafeMutableBufferPointer { output in
            let out = UnsafeSendable(output)
            try Parallel.forEach(count: x.rows, grain: 4_096, threads: threads) { range in
                for row in range {
                    for feature in 0..<columns { out.value[row * columns + feature] = bin(x.values[row * columns + feature], feature: feature) }
                }
            }
        }
        return binned
    }
}
