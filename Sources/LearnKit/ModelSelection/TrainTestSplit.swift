import ToolboxCore

extension ModelSelection {
    /// Splits row indices at random into train and test sets; the test set has
    /// ⌈count · testFraction⌉ rows, as scikit-learn's `train_test_split`.
    ///
    /// With `stratify`, each class contributes to the test set in proportion to its size
    /// (largest remainders decide the rounding), so both sets keep the class shares.
    public static func trainTestSplit(count: Int, testFraction: Double = 0.25, stratify labels: [Double]? = nil,
                                      seed: UInt64 = 0) throws -> Split {
        guard testFraction > 0, testFraction < 1 else {
            throw ToolboxError(.invalidParameter, "testFraction must be in (0, 1), got \(testFraction)", context: ErrorContext(parameter: "testFraction"))
        }
        let testCount = Int((Double(count) * testFraction).rounded(.up))
        guard testCount >= 1, testCount < count else {
            throw ToolboxError(.invalidData, "\(count) samples are too few to split with testFraction \(testFraction)",
                               context: ErrorContext(parameter: "testFraction"))
        }
        var rng = SeededGenerator(seed: seed)
        guard let labels else {
            let order = rng.permutation(count)
            return Split(train: order[testCount...].sorted(), test: order[..<testCount].sorted())
        }
        guard labels.count == count else {
            throw ToolboxError(.shapeMismatch, "stratify has \(labels.count) labels for \(count) samples", context: ErrorContext(parameter: "stratify"))
        }
        let classes = Array(Set(labels)).sorted()
        let members = classes.map { c in (0..<count).filter { labels[$0] == c } }
        guard members.allSatisfy({ $0.count >= 2 }) else {
            throw ToolboxError(.invalidData, "every class needs at least 2 samples to stratify", context: ErrorContext(parameter: "stratify"))
        }
        // Proportional allocation with largest remainders.
        let exact = members.map { Double($0.count) * Double(testCount) / Double(count) }
        var allocated = exact.map { Int($0.rounded(.down)) }
        let byRemainder = exact.indices.sorted { exact[$0] - Double(allocated[$0]) > exact[$1] - Double(allocated[$1]) }
        for k in byRemainder.prefix(testCount - allocated.reduce(0, +)) { allocated[k] += 1 }
        var test: [Int] = []
        for (k, indices) in members.enumerated() {
            var shuffled = indices
            rng.shuffle(&shuffled)
            test += shuffled.prefix(min(allocated[k], indices.count - 1))
        }
        let inTest = Set(test)
        return Split(train: (0..<count).filter { !inTest.contains($0) }, test: test.sorted())
    }
}
