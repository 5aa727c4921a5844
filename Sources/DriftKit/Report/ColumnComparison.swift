import Foundation
import ToolboxCore

/// One column of a drift report: the current sample read, the test chosen and run, the verdict.
enum ColumnComparison {
    static func compare(_ reference: ReferenceColumn, _ column: DataTable.Column, options: DriftOptions) throws -> ColumnDrift {
        let name = reference.name
        let (numbers, currentCategories, currentMissing) = try currentSample(reference, column)
        var categories = currentCategories
        let currentCount = reference.kind == .numeric ? numbers.count : categories.total
        let test = try chooseTest(reference, numbers: numbers, categories: categories, options: options)
        let threshold = options.threshold[name] ?? test.defaultThreshold
        var result = ColumnDrift(column: name, role: .feature, type: reference.kind.rawValue, test: test.rawValue, statistic: nil, pValue: nil,
                                 adjustedPValue: nil, threshold: threshold, drifted: false, effectSize: nil, effectSizeName: nil,
                                 referenceCount: reference.count, currentCount: currentCount, referenceMissing: reference.missing,
                                 currentMissing: currentMissing, note: nil, histogram: nil)
        switch (reference.count, currentCount) {
        case (0, 0):
            result.note = "no values in either sample"
            return result
        case (0, _):
            result.note = "the reference has no values; the current data has \(currentCount)"
            result.drifted = true
            return result
        case (_, 0):
            result.note = "every current value is missing"
            result.drifted = true
            return result
        default:
            break
        }
        // Numbers with few distinct values are compared as categories by the categorical tests.
        let referenceCategories = reference.kind == .categorical ? reference.counts : (reference.counts ?? nil)
        if reference.kind == .numeric && !test.needsNumbers && !isBinned(test) {
            categories = CategoryCounts(numbers.map(ReferenceColumn.text))
        }
        let referenceSample = reference.kind == .numeric ? reference.sample() : []
        let sortedCurrent = RadixSort.sorted(numbers)
        switch test {
        case .ks:
            let exact = reference.hasExactSample
            let ks = KolmogorovSmirnov.testSorted(referenceSample, sortedCurrent, alternative: .twoSided, method: exact ? .auto : .asymptotic)
            result.statistic = ks.statistic
            result.pValue = exact ? ks.pValue : KolmogorovSmirnov.asymptoticPValue(d: ks.statistic, n1: reference.count, n2: sortedCurrent.count)
        case .anderson:
            let ad = try AndersonDarling.test([referenceSample, sortedCurrent])
            (result.statistic, result.pValue) = (ad.statistic, ad.pValue)
        case .cvm:
            let cvm = try CramerVonMises.test(referenceSample, sortedCurrent, method: .auto)
            (result.statistic, result.pValue) = (cvm.statistic, cvm.pValue)
        case .mmd:
            let mmd = try MaximumMeanDiscrepancy.test(referenceSample, sortedCurrent, seed: options.seed)
            (result.statistic, result.pValue) = (mmd.statistic, mmd.pValue)
        case .wasserstein:
            result.statistic = normedWasserstein(reference, referenceSample, sortedCurrent)
        case .chi2, .z, .fisher:
            guard let referenceCounts = referenceCategories ?? (reference.kind == .numeric ? CategoryCounts(referenceSample.map(ReferenceColumn.text)) : nil) else {
                throw ToolboxError(.invalidParameter, "\(test.rawValue) needs the reference's value counts, which the profile of \(name) does not keep (it has more than \(ReferenceColumn.smallCardinality) distinct values)",
                                   context: ErrorContext(column: name, parameter: "stattest"))
            }
            let outcome: TestResult
            switch test {
            case .chi2: outcome = try ChiSquare.goodnessOfFit(reference: referenceCounts, current: categories)
            case .z: outcome = try ZTest.proportions(reference: referenceCounts, current: categories)
            default: outcome = try fisher(referenceCounts, categories, column: name)
            }
            (result.statistic, result.pValue) = (outcome.statistic, outcome.pValue)
            let unseen = categories.counts.keys.filter { (referenceCounts.counts[$0] ?? 0) == 0 }.sorted()
            if !unseen.isEmpty {
                let shown = unseen.prefix(5).joined(separator: ", ") + (unseen.count > 5 ? ", …" : "")
                result.note = "\(unseen.count) current \(unseen.count == 1 ? "category" : "categories") not in the reference: \(shown)"
            }
        case .psi, .kl, .jensenshannon, .hellinger:
            let (p, q) = try shares(reference, referenceSample, sortedCurrent, categories, binning: options.binning)
            switch test {
            case .psi: result.statistic = Distance.psi(referenceProportions: p, currentProportions: q)
            case .kl: result.statistic = Distance.kullbackLeibler(referenceProportions: p, currentProportions: q)
            case .hellinger: result.statistic = Distance.hellinger(referenceProportions: p, currentProportions: q)
            default: result.statistic = Distance.jensenShannon(referenceProportions: p, currentProportions: q)
            }
        }
        if let p = result.pValue {
            result.drifted = p < threshold
        } else if let statistic = result.statistic {
            result.drifted = statistic >= threshold
        }
        // Effect size and histogram.
        if reference.kind == .numeric {
            result.effectSizeName = "wasserstein_normed"
            result.effectSize = test == .wasserstein ? result.statistic : normedWasserstein(reference, referenceSample, sortedCurrent)
            if options.histograms { result.histogram = numericHistogram(referenceSample, sortedCurrent) }
        } else if let referenceCounts = referenceCategories {
            let (_, p, q) = try Distance.categoryProportions(reference: referenceCounts, current: categories)
            result.effectSizeName = "jensen_shannon"
            result.effectSize = Distance.jensenShannon(referenceProportions: p, currentProportions: q)
            if options.histograms { result.histogram = categoryHistogram(referenceCounts, categories) }
        }
        return result
    }

    /// Only the bin or category shares the HTML report draws (what ``compare(_:_:options:)``
    /// puts in ``ColumnDrift/histogram``), without running the test.
    static func histogram(_ reference: ReferenceColumn, _ column: DataTable.Column) throws -> ColumnDrift.Histogram? {
        let (numbers, categories, _) = try currentSample(reference, column)
        let currentCount = reference.kind == .numeric ? numbers.count : categories.total
        guard reference.count > 0, currentCount > 0 else { return nil }
        if reference.kind == .numeric { return numericHistogram(reference.sample(), RadixSort.sorted(numbers)) }
        return reference.counts.map { categoryHistogram($0, categories) }
    }

    /// The current sample as the reference's kind: present numbers, or category counts, and the
    /// missing values.
    private static func currentSample(_ reference: ReferenceColumn, _ column: DataTable.Column) throws
        -> (numbers: [Double], categories: CategoryCounts, missing: Int) {
        let name = reference.name
        var numbers: [Double] = []
        var categories = CategoryCounts([:])
        let currentMissing: Int
        switch (reference.kind, column) {
        case (.numeric, .numeric(let values)):
            if let index = values.firstIndex(where: \.isInfinite) {
                throw ToolboxError(.invalidData, "column \(name) holds \(values[index]) at row \(index) of the current data",
                                   context: ErrorContext(column: name, row: index))
            }
            numbers = values.filter { !$0.isNaN }
            currentMissing = values.count - numbers.count
        case (.numeric, .categorical(let texts)) where texts.allSatisfy({ $0 == nil }):
            // An empty column reads as text; it is a numeric column with every value missing.
            currentMissing = texts.count
        case (.numeric, .categorical(let texts)):
            let row = texts.firstIndex { $0 != nil } ?? 0
            throw ToolboxError(.invalidData, "column \(name) holds numbers in the reference but text in the current data (row \(row): \(texts[row].map { "\"\($0)\"" } ?? "missing"))",
                               context: ErrorContext(column: name, row: row))
        case (.categorical, .numeric(let values)):
            let present = values.filter { !$0.isNaN }
            categories = CategoryCounts(present.map(ReferenceColumn.text))
            currentMissing = values.count - present.count
        case (.categorical, .categorical(let texts)):
            categories = CategoryCounts(texts)
            currentMissing = texts.count - categories.total
        }
        return (numbers, categories, currentMissing)
    }

    static func isBinned(_ test: StatTest) -> Bool {
        [.psi, .kl, .jensenshannon, .hellinger].contains(test)
    }

    /// The user's test for the column, or Evidently's choice.
    static func chooseTest(_ reference: ReferenceColumn, numbers: [Double], categories: CategoryCounts, options: DriftOptions) throws -> StatTest {
        let numeric = reference.kind == .numeric
        if let chosen = options.stattest[reference.name] ?? (numeric ? options.numericStattest : options.categoricalStattest) {
            if chosen.needsNumbers && !numeric {
                throw ToolboxError(.invalidParameter, "\(chosen.rawValue) compares numbers, but column \(reference.name) holds categories",
                                   context: ErrorContext(column: reference.name, parameter: "stattest"))
            }
            let exact = reference.hasRawValues || (reference.hasExactSample && reference.count <= ReferenceColumn.maximumSample)
            if chosen.needsRawReference && !exact {
                throw ToolboxError(.invalidParameter, "\(chosen.rawValue) needs the reference's values, which a profile keeps only for columns of at most \(ReferenceColumn.sketchIntervals + 1) values or \(ReferenceColumn.smallCardinality) distinct ones; use ks, wasserstein or a binned distance for \(reference.name)",
                                   context: ErrorContext(column: reference.name, parameter: "stattest"))
            }
            return chosen
        }
        // Distinct values of both samples together (for numbers, only whether there are more than 5).
        let distinct: Int
        if numeric {
            var union = Set<Double>()
            if let counts = reference.counts {
                for key in counts.counts.keys { if let value = Double(key) { union.insert(value) } }
            } else {
                union.formUnion(reference.sample().prefix(1_000))
            }
            for value in numbers {
                union.insert(value)
                if union.count > 5 { break }
            }
            distinct = reference.distinct > 5 ? 6 : union.count
        } else {
            distinct = Set(reference.counts?.counts.keys.map { $0 } ?? []).union(categories.counts.keys).count
        }
        if reference.rows <= 1_000 {
            if numeric && distinct > 5 { return .ks }
            return distinct > 2 ? .chi2 : .z
        }
        return numeric && distinct > 5 ? .wasserstein : .jensenshannon
    }

    static func normedWasserstein(_ reference: ReferenceColumn, _ referenceSample: [Double], _ current: [Double]) -> Double {
        let distance = Distance.wassersteinSorted(referenceSample, current)
        return distance / max(reference.standardDeviation ?? 0, 0.001)
    }

    static func fisher(_ reference: CategoryCounts, _ current: CategoryCounts, column: String) throws -> TestResult {
        let keys = CategoryCounts.union(reference, current)
        guard keys.count <= 2 else {
            throw ToolboxError(.invalidParameter, "Fisher's exact test compares two categories; column \(column) has \(keys.count)",
                               context: ErrorContext(column: column, parameter: "stattest"))
        }
        let padded = keys + [String](repeating: "\u{0}", count: 2 - keys.count)
        return try FisherExact.test([padded.map { reference.counts[$0] ?? 0 }, padded.map { current.counts[$0] ?? 0 }])
    }

    /// The reference and current shares per bin (numbers) or category.
    static func shares(_ reference: ReferenceColumn, _ referenceSample: [Double], _ current: [Double], _ categories: CategoryCounts,
                       binning: Binning) throws -> ([Double], [Double]) {
        if reference.kind == .categorical, let counts = reference.counts {
            let (_, p, q) = try Distance.categoryProportions(reference: counts, current: categories)
            return (p, q)
        }
        var (p, q) = try Distance.binnedProportions(reference: referenceSample, current: current, binning: binning)
        // A profile keeps the exact reference shares of its quantile bins (the edges are its
        // quantiles, so the current shares are counted against the same edges).
        if !reference.hasRawValues, let exact = reference.binnedShares, reference.binning == binning, exact.count == p.count {
            p = exact
            if case .quantile(let count) = binning, let quantiles = reference.quantiles {
                let step = (quantiles.count - 1) / count
                if step * count == quantiles.count - 1 {
                    let edges = [-Double.infinity] + (1..<count).map { quantiles[$0 * step] } + [Double.infinity]
                    q = try Distance.binShares(current, edges: edges)
                }
            }
        }
        return (p, q)
    }

    /// Twenty equal-width bins over both samples' range.
    static func numericHistogram(_ reference: [Double], _ current: [Double]) -> ColumnDrift.Histogram? {
        guard let (p, q) = try? Distance.binnedProportions(reference: reference, current: current, binning: .fixed(20)) else { return nil }
        var low = min(reference.first ?? 0, current.first ?? 0), high = max(reference.last ?? 0, current.last ?? 0)
        if low == high { low -= 0.5; high += 0.5 }
        let step = (high - low) / 20
        let labels = (0..<20).map { ReferenceColumn.shortText(Double($0) * step + low) }
        return ColumnDrift.Histogram(labels: labels, reference: p, current: q)
    }

    /// The 20 categories most frequent in the reference (then the current), the rest as "other".
    static func categoryHistogram(_ reference: CategoryCounts, _ current: CategoryCounts) -> ColumnDrift.Histogram {
        let (r, c) = (Double(max(reference.total, 1)), Double(max(current.total, 1)))
        let keys = CategoryCounts.union(reference, current).sorted {
            let (a, b) = ((reference.counts[$0] ?? 0, current.counts[$0] ?? 0), (reference.counts[$1] ?? 0, current.counts[$1] ?? 0))
            return a.0 != b.0 ? a.0 > b.0 : (a.1 != b.1 ? a.1 > b.1 : $0 < $1)
        }
        let shown = Array(keys.prefix(20))
        var labels = shown, p = shown.map { Double(reference.counts[$0] ?? 0) / r }, q = shown.map { Double(current.counts[$0] ?? 0) / c }
        if keys.count > 20 {
            labels.append("other")
            p.append(max(0, 1 - p.reduce(0, +)))
            q.append(max(0, 1 - q.reduce(0, +)))
        }
        return ColumnDrift.Histogram(labels: labels, reference: p, current: q)
    }
}

extension ReferenceColumn {
    /// A bin edge for a label: three significant digits, thousands and millions abbreviated.
    static func shortText(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude >= 1e9 { return String(format: "%.3gG", value / 1e9) }
        if magnitude >= 1e6 { return String(format: "%.3gM", value / 1e6) }
        if magnitude >= 1e4 { return String(format: "%.3gk", value / 1e3) }
        return String(format: "%.3g", value)
    }
}

extension KolmogorovSmirnov {
    /// The two-sided asymptotic p-value for a statistic of samples of n1 and n2 values.
    static func asymptoticPValue(d: Double, n1: Int, n2: Int) -> Double {
        let (m, n) = (Double(max(n1, n2)), Double(min(n1, n2)))
        return KolmogorovDistribution.sf(n: Int((m * n / (m + n)).rounded(.toNearestOrEven)), x: d)
    }
}
