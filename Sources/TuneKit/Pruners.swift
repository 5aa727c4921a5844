import Foundation
public import ToolboxCore

/// A pruner's verdict on a trial, and the attributes it records on the trial (a successive
/// halving rung reached).
public struct PruneDecision: Sendable, Hashable {
    /// Whether the trial should stop.
    public var prune: Bool
    /// System attributes to set on the trial.
    public var attributes: [String: JSONValue]

    /// A verdict with the attributes to record.
    public init(_ prune: Bool, attributes: [String: JSONValue] = [:]) {
        self.prune = prune
        self.attributes = attributes
    }
}

/// Stops unpromising trials early from their intermediate values (Optuna's `BasePruner`).
public protocol Pruner: Sendable {
    /// The pruner's name (`median`, `none`, ...).
    var name: String { get }
    /// Whether `trial`, at its last reported step, should stop.
    mutating func prune(_ study: StudySnapshot, studyName: String, trial: FrozenTrial) -> PruneDecision
    /// The pruner's state (Hyperband's brackets), saved with the study.
    var state: JSONValue { get }
    /// Restores a state ``state`` gave.
    mutating func restore(_ state: JSONValue) throws
    /// The trials a sampler should see for `trial` (Hyperband: those of its bracket).
    func samplerView(_ study: StudySnapshot, studyName: String, trial: FrozenTrial) -> StudySnapshot
}

extension Pruner {
    /// No state.
    public var state: JSONValue { .null }
    /// No state to restore.
    public mutating func restore(_ state: JSONValue) throws {}
    /// Every trial.
    public func samplerView(_ study: StudySnapshot, studyName: String, trial: FrozenTrial) -> StudySnapshot { study }
}

/// Never prunes (Optuna's `NopPruner`).
public struct NopPruner: Pruner {
    /// `none`.
    public var name: String { "none" }
    /// A pruner that never prunes.
    public init() {}
    /// Never.
    public func prune(_ study: StudySnapshot, studyName: String, trial: FrozenTrial) -> PruneDecision { PruneDecision(false) }
}

/// NumPy's `percentile` (linear method) of values sorted ascending, NaN left out beforehand.
func numpyPercentile(_ sorted: [Double], _ percentile: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let n = Double(sorted.count), q = percentile / 100
    let virtual = (n * q + (1 - q)) - 1
    let previous = virtual.rounded(.down)
    let gamma = virtual - previous
    let lower = Int(Swift.min(Swift.max(previous, 0), n - 1)), upper = Int(Swift.min(Swift.max(previous + 1, 0), n - 1))
    let a = sorted[lower], b = sorted[upper]
    let difference = b - a
    return gamma >= 0.5 ? b - difference * (1 - gamma) : a + difference * gamma
}

/// Whether `step` is the first report at or after a pruning check (Optuna's
/// `_is_first_in_interval_step`).
func isFirstInIntervalStep(_ step: Int, steps: some Collection<Int>, warmup: Int, interval: Int) -> Bool {
    let difference = step - warmup
    let floorDivision = difference >= 0 ? difference / interval : -((-difference + interval - 1) / interval)
    let nearestLowerPruningStep = floorDivision * interval + warmup
    var secondLast = -1
    for s in steps where s > secondLast && s != step { secondLast = s }
    return secondLast < nearestLowerPruningStep
}

/// Prunes a trial whose best intermediate value so far is worse than the given percentile of
/// the complete trials' values at the same step (Optuna's `PercentilePruner`; the median
/// pruner is its 50th percentile).
public struct PercentilePruner: Pruner {
    /// `median` at the 50th percentile, `percentile` otherwise.
    public var name: String { percentile == 50 ? "median" : "percentile" }
    /// The percentile (0...100) a trial must beat.
    public let percentile: Double
    /// Complete trials needed before any pruning (`n_startup_trials`).
    public let startupTrials: Int
    /// Steps before which no trial is pruned (`n_warmup_steps`).
    public let warmupSteps: Int
    /// Steps between checks (`interval_steps`).
    public let intervalSteps: Int
    /// Values needed at a step to judge (`n_min_trials`).
    public let minTrials: Int

    /// A pruner with Optuna's defaults.
    /// - Throws: `ToolboxError/Code/invalidParameter` naming the argument out of range.
    public init(percentile: Double, startupTrials: Int = 5, warmupSteps: Int = 0, intervalSteps: Int = 1, minTrials: Int = 1) throws {
        func fail(_ name: String, _ message: String) -> ToolboxError {
            ToolboxError(.invalidParameter, "\(name) \(message)", context: ErrorContext(parameter: name))
        }
        guard percentile >= 0, percentile <= 100 else { throw fail("percentile", "must be in 0...100, got \(percentile)") }
        guard startupTrials >= 0 else { throw fail("n_startup_trials", "must not be negative, got \(startupTrials)") }
        guard warmupSteps >= 0 else { throw fail("n_warmup_steps", "must not be negative, got \(warmupSteps)") }
        guard intervalSteps >= 1 else { throw fail("interval_steps", "must be at least 1, got \(intervalSteps)") }
        guard minTrials >= 1 else { throw fail("n_min_trials", "must be at least 1, got \(minTrials)") }
        self.percentile = percentile
        self.startupTrials = startupTrials
        self.warmupSteps = warmupSteps
        self.intervalSteps = intervalSteps
        self.minTrials = minTrials
    }

    private init(unchecked percentile: Double) {
        self.percentile = percentile
        startupTrials = 5
        warmupSteps = 0
        intervalSteps = 1
        minTrials = 1
    }

    /// Optuna's `MedianPruner()` with its defaults (5 startup trials, no warm-up): the default
    /// pruner of a study, as in Optuna.
    public static let defaultMedian = PercentilePruner(unchecked: 50)

    /// Optuna's `MedianPruner` (the default pruner of an Optuna study).
    public static func median(startupTrials: Int = 5, warmupSteps: Int = 0, intervalSteps: Int = 1, minTrials: Int = 1) throws -> PercentilePruner {
        try PercentilePruner(percentile: 50, startupTrials: startupTrials, warmupSteps: warmupSteps, intervalSteps: intervalSteps, minTrials: minTrials)
    }

    /// The verdict at the trial's last reported step.
    public func prune(_ study: StudySnapshot, studyName: String, trial: FrozenTrial) -> PruneDecision {
        let complete = study.trials(in: [.complete])
        guard !complete.isEmpty, complete.count >= startupTrials, let (step, _) = trial.lastIntermediate, step >= warmupSteps,
              isFirstInIntervalStep(step, steps: trial.intermediateValues.keys, warmup: warmupSteps, interval: intervalSteps) else {
            return PruneDecision(false)
        }
        let maximize = study.directions.first == .maximize
        let own = trial.intermediateValues.values.filter { !$0.isNaN }
        guard let best = maximize ? own.max() : own.min() else { return PruneDecision(true) }
        let atStep = complete.compactMap { $0.intermediateValues[step] }
        let present = atStep.filter { !$0.isNaN }.sorted()
        guard atStep.count >= minTrials, !present.isEmpty else { return PruneDecision(false) }
        let p = numpyPercentile(present, maximize ? 100 - percentile : percentile)
        return PruneDecision(maximize ? best < p : best > p)
    }
}

/// Prunes a trial whose latest value leaves `lower...upper` or is NaN (Optuna's `ThresholdPruner`).
public struct ThresholdPruner: Pruner {
    /// `threshold`.
    public var name: String { "threshold" }
    /// The smallest value allowed.
    public let lower: Double
    /// The largest value allowed.
    public let upper: Double
    /// Steps before which no trial is pruned.
    public let warmupSteps: Int
    /// Steps between checks.
    public let intervalSteps: Int

    /// A pruner with at least one bound.
    /// - Throws: `ToolboxError/Code/invalidParameter` for no bound, `lower > upper`, or
    ///   negative steps.
    public init(lower: Double? = nil, upper: Double? = nil, warmupSteps: Int = 0, intervalSteps: Int = 1) throws {
        guard lower != nil || upper != nil else {
            throw ToolboxError(.invalidParameter, "a threshold pruner needs lower or upper", context: ErrorContext(parameter: "lower"))
        }
        let l = lower ?? -.infinity, u = upper ?? .infinity
        guard !l.isNaN, !u.isNaN, l <= u else {
            throw ToolboxError(.invalidParameter, "lower must not exceed upper, got \(l) and \(u)", context: ErrorContext(parameter: "lower"))
        }
        guard warmupSteps >= 0, intervalSteps >= 1 else {
            throw ToolboxError(.invalidParameter, "n_warmup_steps must be >= 0 and interval_steps >= 1", context: ErrorContext(parameter: "interval_steps"))
        }
        self.lower = l
        self.upper = u
        self.warmupSteps = warmupSteps
        self.intervalSteps = intervalSteps
    }

    /// The verdict at the trial's last reported step.
    public func prune(_ study: StudySnapshot, studyName: String, trial: FrozenTrial) -> PruneDecision {
        guard let (step, value) = trial.lastIntermediate, step >= warmupSteps,
              isFirstInIntervalStep(step, steps: trial.intermediateValues.keys, warmup: warmupSteps, interval: intervalSteps) else {
            return PruneDecision(false)
        }
        return PruneDecision(value.isNaN || value < lower || value > upper)
    }
}

/// Asynchronous successive halving (Optuna's `SuccessiveHalvingPruner`): at rung `r` a trial
/// continues only if its value is in the top `1/reduction_factor` of the values trials reached
/// at that rung.
public struct SuccessiveHalvingPruner: Pruner {
    /// `successive_halving`.
    public var name: String { "successive_halving" }
    /// The steps of the first rung; `nil` estimates it from the first complete trial
    /// (its last step / 100, at least 1), as Optuna's `auto`.
    public private(set) var minResource: Int?
    /// The reduction factor between rungs.
    public let reductionFactor: Int
    /// The minimum early-stopping rate (rungs skipped).
    public let minEarlyStoppingRate: Int
    /// Values needed at a rung before anything is promoted.
    public let bootstrapCount: Int

    /// A pruner with Optuna's defaults (`auto` resource, factor 4).
    /// - Throws: `ToolboxError/Code/invalidParameter` for out-of-range arguments.
    public init(minResource: Int? = nil, reductionFactor: Int = 4, minEarlyStoppingRate: Int = 0, bootstrapCount: Int = 0) throws {
        guard minResource.map({ $0 >= 1 }) ?? true else {
            throw ToolboxError(.invalidParameter, "min_resource must be at least 1", context: ErrorContext(parameter: "min_resource"))
        }
        guard reductionFactor >= 2 else {
            throw ToolboxError(.invalidParameter, "reduction_factor must be at least 2, got \(reductionFactor)", context: ErrorContext(parameter: "reduction_factor"))
        }
        guard minEarlyStoppingRate >= 0, bootstrapCount >= 0 else {
            throw ToolboxError(.invalidParameter, "min_early_stopping_rate and bootstrap_count must not be negative", context: ErrorContext(parameter: "bootstrap_count"))
        }
        self.minResource = minResource
        self.reductionFactor = reductionFactor
        self.minEarlyStoppingRate = minEarlyStoppingRate
        self.bootstrapCount = bootstrapCount
    }

    static func rungKey(_ rung: Int) -> String { "completed_rung_\(rung)" }

    /// The verdict at the trial's last reported step.
    public mutating func prune(_ study: StudySnapshot, studyName: String, trial: FrozenTrial) -> PruneDecision {
        guard let (step, value) = trial.lastIntermediate else { return PruneDecision(false) }
        var rung = 0
        while trial.systemAttributes[Self.rungKey(rung)] != nil { rung += 1 }
        var attributes: [String: JSONValue] = [:]
        while true {
            if minResource == nil {
                let steps = study.trials(in: [.complete]).compactMap { $0.lastIntermediate?.step }
                guard let last = steps.max() else { return PruneDecision(false, attributes: attributes) }
                minResource = Swift.max(last / 100, 1)
            }
            let promotionStep = minResource! * Self.power(reductionFactor, minEarlyStoppingRate + rung)
            if step < promotionStep { return PruneDecision(false, attributes: attributes) }
            if value.isNaN { return PruneDecision(true, attributes: attributes) }
            let key = Self.rungKey(rung)
            attributes[key] = .number(value)
            var competing = study.trials.filter { $0.number != trial.number }.compactMap { other -> Double? in
                if case .number(let v)? = other.systemAttributes[key] { return v }
                return nil
            }
            competing.append(value)
            if competing.count <= bootstrapCount { return PruneDecision(true, attributes: attributes) }
            var promotable = competing.count / reductionFactor - 1
            if promotable == -1 { promotable = 0 }
            competing.sort()
            let promoted = study.directions.first == .maximize ? value >= competing[competing.count - 1 - promotable] : value <= competing[promotable]
            if !promoted { return PruneDecision(true, attributes: attributes) }
            rung += 1
        }
    }

    static func power(_ base: Int, _ exponent: Int) -> Int {
        var result = 1
        for _ in 0..<exponent {
            let (next, overflow) = result.multipliedReportingOverflow(by: base)
            if overflow { return Int.max }
            result = next
        }
        return result
    }

    /// The estimated first-rung resource.
    public var state: JSONValue { minResource.map { .object(["min_resource": .number(Double($0))]) } ?? .null }

    /// Restores the first-rung resource.
    public mutating func restore(_ state: JSONValue) throws {
        if case .object(let members) = state, case .number(let value)? = members["min_resource"] { minResource = Int(value) }
    }
}

/// Hyperband (Optuna's `HyperbandPruner`): several successive-halving brackets with different
/// early-stopping rates, each trial in one bracket by a CRC-32 of the study name and trial
/// number, and samplers shown only the trials of the trial's bracket.
public struct HyperbandPruner: Pruner {
    /// `hyperband`.
    public var name: String { "hyperband" }
    /// The steps of the first rung.
    public let minResource: Int
    /// The largest number of steps; `nil` takes the longest complete trial's steps + 1, once.
    public private(set) var maxResource: Int?
    /// The reduction factor between rungs.
    public let reductionFactor: Int
    /// Values needed at a rung before anything is promoted.
    public let bootstrapCount: Int
    private var brackets: [SuccessiveHalvingPruner] = []
    private var budgets: [Int] = []

    /// A pruner with Optuna's defaults (resource 1 to `auto`, factor 3).
    /// - Throws: `ToolboxError/Code/invalidParameter` for out-of-range arguments.
    public init(minResource: Int = 1, maxResource: Int? = nil, reductionFactor: Int = 3, bootstrapCount: Int = 0) throws {
        guard minResource >= 1, maxResource.map({ $0 >= minResource }) ?? true, reductionFactor >= 2, bootstrapCount >= 0 else {
            throw ToolboxError(.invalidParameter, "hyperband needs 1 <= min_resource <= max_resource and reduction_factor >= 2", context: ErrorContext(parameter: "min_resource"))
        }
        guard bootstrapCount == 0 || maxResource != nil else {
            throw ToolboxError(.invalidParameter, "bootstrap_count > 0 needs a max_resource", context: ErrorContext(parameter: "bootstrap_count"))
        }
        self.minResource = minResource
        self.maxResource = maxResource
        self.reductionFactor = reductionFactor
        self.bootstrapCount = bootstrapCount
    }

    private mutating func initialize(_ study: StudySnapshot) {
        guard brackets.isEmpty else { return }
        if maxResource == nil {
            let steps = study.trials(in: [.complete]).compactMap { $0.lastIntermediate?.step }
            guard let last = steps.max() else { return }
            maxResource = last + 1
        }
        guard let maxResource else { return }
        let count = Int((Foundation.log(Double(maxResource) / Double(minResource)) / Foundation.log(Double(reductionFactor))).rounded(.down)) + 1
        for bracket in 0..<count {
            let s = count - 1 - bracket
            budgets.append(Int((Double(count) * Foundation.pow(Double(reductionFactor), Double(s)) / Double(s + 1)).rounded(.up)))
            if let pruner = try? SuccessiveHalvingPruner(minResource: minResource, reductionFactor: reductionFactor, minEarlyStoppingRate: bracket,
                                                         bootstrapCount: bootstrapCount) {
                brackets.append(pruner)
            }
        }
    }

    /// The bracket of trial `number` (0 before the brackets exist).
    func bracket(studyName: String, number: Int) -> Int {
        guard !brackets.isEmpty else { return 0 }
        var n = Int(CRC32.checksum(Array("\(studyName)_\(number)".utf8))) % budgets.reduce(0, +)
        for (index, budget) in budgets.enumerated() {
            n -= budget
            if n < 0 { return index }
        }
        return budgets.count - 1
    }

    private func bracketStudy(_ study: StudySnapshot, studyName: String, bracket: Int) -> StudySnapshot {
        StudySnapshot(directions: study.directions, trials: study.trials.filter { self.bracket(studyName: studyName, number: $0.number) == bracket })
    }

    /// The verdict at the trial's last reported step.
    public mutating func prune(_ study: StudySnapshot, studyName: String, trial: FrozenTrial) -> PruneDecision {
        initialize(study)
        guard !brackets.isEmpty else { return PruneDecision(false) }
        let id = bracket(studyName: studyName, number: trial.number)
        return brackets[id].prune(bracketStudy(study, studyName: studyName, bracket: id), studyName: studyName, trial: trial)
    }

    /// The trials of the trial's bracket (all of them before the brackets exist).
    public func samplerView(_ study: StudySnapshot, studyName: String, trial: FrozenTrial) -> StudySnapshot {
        guard !brackets.isEmpty else { return study }
        return bracketStudy(study, studyName: studyName, bracket: bracket(studyName: studyName, number: trial.number))
    }

    /// The resolved largest resource.
    public var state: JSONValue { maxResource.map { .object(["max_resource": .number(Double($0))]) } ?? .null }

    /// Restores the largest resource (the brackets follow from it).
    public mutating func restore(_ state: JSONValue) throws {
        if case .object(let members) = state, case .number(let value)? = members["max_resource"] { maxResource = Int(value) }
    }
}

/// zlib's CRC-32 (Python's `binascii.crc32`).
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
