import ToolboxCore

/// One train/test split: row indices into the data.
public struct Split: Sendable, Hashable {
    /// The training rows' indices.
    public var train: [Int]
    /// The test rows' indices.
    public var test: [Int]
}

/// A way to cut data into train/test folds (scikit-learn's cross-validation iterators).
public protocol CrossValidator: Sendable {
    /// The splits for `count` samples; `y` and `groups` are needed by the stratified and group splitters.
    func splits(count: Int, y: [Double]?, groups: [Int]?) throws -> [Split]
}

extension CrossValidator {
    static func checkFolds(_ folds: Int, count: Int, parameter: String = "folds") throws {
        guard folds >= 2 else {
            throw ToolboxError(.invalidParameter, "\(parameter) must be at least 2, got \(folds)", context: ErrorContext(parameter: parameter))
        }
        guard folds <= count else {
            throw ToolboxError(.invalidParameter, "cannot make \(folds) folds from \(count) samples", context: ErrorContext(parameter: parameter))
        }
    }

    /// Train indices: everything not in `test`, in order.
    static func complement(_ test: [Int], count: Int) -> [Int] {
        var inTest = [Bool](repeating: false, count: count)
        for i in test { inTest[i] = true }
        return (0..<count).filter { !inTest[$0] }
    }
}

/// Consecutive folds (shuffled first when `shuffle`): the first `count % folds` folds have one
/// extra sample, as scikit-learn's `KFold`.
public struct KFold: CrossValidator, Hashable {
    /// The number of folds (`n_splits`).
    public var folds: Int
    /// Whether rows are shuffled before splitting (`shuffle`).
    public var shuffle: Bool
    /// The seed of the random draws (`random_state`).
    public var seed: UInt64

    /// `folds` contiguous folds, or shuffled ones drawn with `seed` (scikit-learn's defaults: 5, unshuffled).
    public init(folds: Int = 5, shuffle: Bool = false, seed: UInt64 = 0) {
        self.folds = folds
        self.shuffle = shuffle
        self.seed = seed
    }

    /// The train and test row indices of each split, in scikit-learn's order for the same settings.
    public func splits(count: Int, y: [Double]? = nil, groups: [Int]? = nil) throws -> [Split] {
        try Self.checkFolds(folds, count: count)
        var order = Array(0..<count)
        if shuffle {
            var rng = SeededGenerator(seed: seed)
            rng.shuffle(&order)
        }
        var result: [Split] = []
        var start = 0
        for fold in 0..<folds {
            let size = count / folds + (fold < count % folds ? 1 : 0)
            let test = Array(order[start..<start + size])
            result.append(Split(train: Self.complement(test, count: count), test: test.sorted()))
            start += size
        }
        return result
    }
}

/// Folds that keep each class's share, dealing each class's samples to folds in turn, as
/// scikit-learn's `StratifiedKFold` (0.22 and later).
public struct StratifiedKFold: CrossValidator, Hashable {
    /// The number of folds (`n_splits`).
    public var folds: Int
    /// Whether rows are shuffled before splitting (`shuffle`).
    public var shuffle: Bool
    /// The seed of the random draws (`random_state`).
    public var seed: UInt64

    /// `folds` stratified folds, or shuffled ones drawn with `seed` (scikit-learn's defaults: 5, unshuffled).
    public init(folds: Int = 5, shuffle: Bool = false, seed: UInt64 = 0) {
        self.folds = folds
        self.shuffle = shuffle
        self.seed = seed
    }

    /// The train and test row indices of each split, in scikit-learn's order for the same settings.
    public func splits(count: Int, y: [Double]?, groups: [Int]? = nil) throws -> [Split] {
        guard let y, y.count == count else {
            throw ToolboxError(.invalidParameter, "StratifiedKFold needs one label per sample", context: ErrorContext(parameter: "y"))
        }
        try Self.checkFolds(folds, count: count)
        // Classes numbered in order of first appearance.
        var code: [Double: Int] = [:]
        var encoded: [Int] = []
        for label in y {
            if code[label] == nil { code[label] = code.count }
            encoded.append(code[label]!)
        }
        let classCount = code.count
        var counts = [Int](repeating: 0, count: classCount)
        for c in encoded { counts[c] += 1 }
        guard counts.contains(where: { $0 >= folds }) else {
            throw ToolboxError(.invalidData, "no class has \(folds) members; lower the number of folds", context: ErrorContext(parameter: "folds"))
        }
        // Deal the sorted class codes round-robin: allocation[f][c] samples of class c in fold f.
        let ordered = encoded.sorted()
        var allocation = [[Int]](repeating: [Int](repeating: 0, count: classCount), count: folds)
        for (k, c) in ordered.enumerated() { allocation[k % folds][c] += 1 }
        var testFold = [Int](repeating: 0, count: count)
        var rng = SeededGenerator(seed: seed)
        for c in 0..<classCount {
            var assignment: [Int] = []
            for f in 0..<folds { assignment += [Int](repeating: f, count: allocation[f][c]) }
            if shuffle { rng.shuffle(&assignment) }
            var next = 0
            for i in 0..<count where encoded[i] == c {
                testFold[i] = assignment[next]
                next += 1
            }
        }
        return (0..<folds).map { f in
            let test = (0..<count).filter { testFold[$0] == f }
            return Split(train: Self.complement(test, count: count), test: test)
        }
    }
}

/// Folds that never split a group, assigning the largest groups first to the lightest fold,
/// as scikit-learn's `GroupKFold`.
public struct GroupKFold: CrossValidator, Hashable {
    /// The number of folds (`n_splits`).
    public var folds: Int

    /// `folds` folds of whole groups (5 by default).
    public init(folds: Int = 5) { self.folds = folds }

    /// The train and test row indices of each split, in scikit-learn's order for the same settings.
    public func splits(count: Int, y: [Double]? = nil, groups: [Int]?) throws -> [Split] {
        guard let groups, groups.count == count else {
            throw ToolboxError(.invalidParameter, "GroupKFold needs one group per sample", context: ErrorContext(parameter: "groups"))
        }
        let unique = Array(Set(groups)).sorted()
        guard unique.count >= folds else {
            throw ToolboxError(.invalidParameter, "cannot make \(folds) folds from \(unique.count) groups", context: ErrorContext(parameter: "folds"))
        }
        try Self.checkFolds(folds, count: count)
        var position: [Int: Int] = [:]
        for (k, g) in unique.enumerated() { position[g] = k }
        var sizes = [Int](repeating: 0, count: unique.count)
        for g in groups { sizes[position[g]!] += 1 }
        // Largest first; among equal sizes, the later group first (NumPy's argsort reversed).
        let order = unique.indices.sorted { sizes[$0] != sizes[$1] ? sizes[$0] > sizes[$1] : $0 > $1 }
        var foldSizes = [Int](repeating: 0, count: folds)
        var groupFold = [Int](repeating: 0, count: unique.count)
        for g in order {
            let lightest = foldSizes.indices.min { foldSizes[$0] < foldSizes[$1] || (foldSizes[$0] == foldSizes[$1] && $0 < $1) }!
            foldSizes[lightest] += sizes[g]
            groupFold[g] = lightest
        }
        return (0..<folds).map { f in
            let test = (0..<count).filter { groupFold[position[groups[$0]]!] == f }
            return Split(train: Self.complement(test, count: count), test: test)
        }
    }
}

/// Expanding-window splits for time-ordered data, as scikit-learn's `TimeSeriesSplit`.
public struct TimeSeriesSplit: CrossValidator, Hashable {
    /// The number of splits (`n_splits`).
    public var splitCount: Int
    /// The most training rows a split keeps, the latest ones (`max_train_size`).
    public var maxTrainSize: Int?
    /// The rows of each test set (`test_size`); by default the rows divided by splits + 1.
    public var testSize: Int?
    /// Samples left out between each training set and its test set.
    public var gap: Int

    /// Time-series splits with scikit-learn's defaults: 5 splits, every earlier row for training, no gap.
    public init(splits: Int = 5, maxTrainSize: Int? = nil, testSize: Int? = nil, gap: Int = 0) {
        splitCount = splits
        self.maxTrainSize = maxTrainSize
        self.testSize = testSize
        self.gap = gap
    }

    /// The train and test row indices of each split, in scikit-learn's order for the same settings.
    public func splits(count: Int, y: [Double]? = nil, groups: [Int]? = nil) throws -> [Split] {
        guard splitCount >= 1, gap >= 0 else {
            throw ToolboxError(.invalidParameter, "splits must be at least 1 and gap non-negative", context: ErrorContext(parameter: "splits"))
        }
        let size = testSize ?? count / (splitCount + 1)
        guard size > 0, count - gap - size * splitCount > 0 else {
            throw ToolboxError(.invalidParameter, "\(count) samples are too few for \(splitCount) splits of \(size) test samples with gap \(gap)",
                               context: ErrorContext(parameter: "splits"))
        }
        return stride(from: count - splitCount * size, to: count, by: size).map { testStart in
            let trainEnd = testStart - gap
            let trainStart = maxTrainSize.map { max(0, trainEnd - $0) } ?? 0
            return Split(train: Array(trainStart..<trainEnd), test: Array(testStart..<testStart + size))
        }
    }
}

extension CrossValidator {
    /// The seed of repetition `r`: independent streams from one base generator.
    static func streamSeed(_ base: SeededGenerator, _ r: Int) -> UInt64 {
        var stream = base.derived(stream: UInt64(r))
        return stream.next()
    }
}

/// `KFold` repeated with different shuffles (scikit-learn's `RepeatedKFold`).
public struct RepeatedKFold: CrossValidator, Hashable {
    /// The number of folds (`n_splits`).
    public var folds: Int
    /// How many times the folds are drawn again (`n_repeats`).
    public var repeats: Int
    /// The seed of the random draws (`random_state`).
    public var seed: UInt64

    /// `folds` folds drawn `repeats` times, each with its own shuffle from `seed`.
    public init(folds: Int = 5, repeats: Int = 10, seed: UInt64 = 0) {
        self.folds = folds
        self.repeats = repeats
        self.seed = seed
    }

    /// The train and test row indices of each split, in scikit-learn's order for the same settings.
    public func splits(count: Int, y: [Double]? = nil, groups: [Int]? = nil) throws -> [Split] {
        guard repeats >= 1 else { throw ToolboxError(.invalidParameter, "repeats must be positive", context: ErrorContext(parameter: "repeats")) }
        let base = SeededGenerator(seed: seed)
        return try (0..<repeats).flatMap { r in
            try KFold(folds: folds, shuffle: true, seed: Self.streamSeed(base, r)).splits(count: count, y: y, groups: groups)
        }
    }
}

/// `StratifiedKFold` repeated with different shuffles (scikit-learn's `RepeatedStratifiedKFold`).
public struct RepeatedStratifiedKFold: CrossValidator, Hashable {
    /// The number of folds (`n_splits`).
    public var folds: Int
    /// How many times the folds are drawn again (`n_repeats`).
    public var repeats: Int
    /// The seed of the random draws (`random_state`).
    public var seed: UInt64

    /// `folds` stratified folds drawn `repeats` times, each with its own shuffle from `seed`.
    public init(folds: Int = 5, repeats: Int = 10, seed: UInt64 = 0) {
        self.folds = folds
        self.repeats = repeats
        self.seed = seed
    }

    /// The train and test row indices of each split, in scikit-learn's order for the same settings.
    public func splits(count: Int, y: [Double]?, groups: [Int]? = nil) throws -> [Split] {
        guard repeats >= 1 else { throw ToolboxError(.invalidParameter, "repeats must be positive", context: ErrorContext(parameter: "repeats")) }
        let base = SeededGenerator(seed: seed)
        return try (0..<repeats).flatMap { r in
            try StratifiedKFold(folds: folds, shuffle: true, seed: Self.streamSeed(base, r)).splits(count: count, y: y, groups: groups)
        }
    }
}
