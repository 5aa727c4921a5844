import Foundation
import ToolboxCore

/// How a boosted model turns raw scores into outputs, and the gradients of its loss.
public enum BoostingObjective: String, Sendable, Hashable, Codable, CaseIterable {
    case squaredError = "squared_error"
    case absoluteError = "absolute_error"
    case poisson
    case quantile
    case huber
    case binaryLogLoss = "binary_log_loss"
    case multinomialLogLoss = "multinomial_log_loss"
}

/// What boosting learned: the baseline raw score per output, the trees per iteration and output,
/// the bins, and the loss history.
struct BoostingResult {
    var baseline: [Double]
    var trees: [[BoostedTree]]
    var mapper: BinMapper
    var trainScores: [Double]
    var validationScores: [Double]
    /// The categories of each categorical feature (`nil` for numeric ones; empty: none).
    var categories: [[Double]?] = []
}

/// The boosting loop shared by the classifier and the regressor (scikit-learn's
/// `BaseHistGradientBoosting.fit`): bins the data, starts from the loss's best constant, then
/// each iteration computes gradients and hessians, grows one tree per output on them, and
/// adds its leaves to the raw predictions.
struct BoostingEngine {
    let parameters: BoostingParameters
    let objective: BoostingObjective
    let outputs: Int
    let quantile: Double
    /// The Huber loss's threshold of the current iteration.
    var huberDelta = 1.0
    /// The class values of a classifier (evaluation-set targets are coded by them).
    var classes: [Double]? = nil

    mutating func fit(_ x: Matrix<Double>, targets y: [Double], weights: [Double]?, context: FitContext, stratify: [Int]?) throws -> BoostingResult {
        let threads = parameters.threads ?? Parallel.defaultThreadCount
        let n = x.rows, p = x.columns
        // Early stopping: a validation split (or the context's evaluation set).
        let stopEarly = parameters.earlyStopping == .on || (parameters.earlyStopping == .auto && n > 10_000)
        var trainRows = Array(0..<n), validationRows: [Int] = []
        var validationX: Matrix<Double>?, validationY: [Double] = [], validationWeights: [Double]?
        if stopEarly {
            if let evaluation = context.evaluationSet {
                validationX = evaluation.x
                validationY = try encodeValidationTargets(evaluation.y)
                validationWeights = evaluation.sampleWeights
            } else if let held = parameters.validationFraction {
                (trainRows, validationRows) = try validationSplit(n: n, testCount: held.testCount(of: n), stratify: stratify)
                validationY = validationRows.map { y[$0] }
                validationWeights = weights.map { w in validationRows.map { w[$0] } }
            }
        }
        // validation_fraction null: early stopping watches the training rows (a scorer at most
        // 10,000 of them, drawn as scikit-learn draws them).
        let onTraining = stopEarly && context.evaluationSet == nil && parameters.validationFraction == nil
        let smallTrain = onTraining && parameters.scoring != .loss ? try smallTrainingSet(n: n, stratify: stratify) : nil
        let trainX = validationRows.isEmpty ? x : try x.rows(at: trainRows)
        let trainY = validationRows.isEmpty ? y : trainRows.map { y[$0] }
        let trainWeights = validationRows.isEmpty ? weights : weights.map { w in trainRows.map { w[$0] } }
        if !validationRows.isEmpty { validationX = try x.rows(at: validationRows) }

        // Categorical features (their categories from every row, as scikit-learn's encoder
        // sees them) and monotonic constraints.
        let categorical = try parameters.categoricalFeatures.resolve(columns: p, context: context)
        let categories: [[Double]?] = categorical.contains(true)
            ? (0..<p).map { categorical[$0] ? BinMapper.categories(of: x, feature: $0) : nil } : []
        var monotonic: [Int8] = []
        if let constraints = parameters.monotonicConstraints {
            monotonic = try constraints.resolve(columns: p, featureNames: context.featureNames)
            if monotonic.allSatisfy({ $0 == 0 }) { monotonic = [] }
        }
        if !monotonic.isEmpty {
            guard objective != .multinomialLogLoss else {
                throw ToolboxError(.invalidParameter, "monotonic constraints are not supported for multiclass classification",
                                   context: ErrorContext(parameter: "monotonic_cst"))
            }
            if let feature = (0..<p).first(where: { categorical[$0] && monotonic[$0] != 0 }) {
                throw ToolboxError(.invalidParameter, "feature \(feature) is categorical and cannot have a monotonic constraint",
                                   context: ErrorContext(parameter: "monotonic_cst"))
            }
        }

        let interactionGroups = try parameters.interactionConstraints?.resolve(columns: p) ?? []
        let interactionRoot = TreeGrower.allowedFeatures(interactionGroups, Array(interactionGroups.indices))
        let mapper = try BinMapper(fitting: trainX, maxBins: parameters.maxBins, seed: parameters.seed, threads: threads, categories: categories,
                                   weights: trainWeights)
        let binned = try mapper.transformColumnMajor(trainX, threads: threads)
        let binnedRows = try BinMapper.transpose(binned, rows: trainX.rows, columns: p, threads: threads)
        let missingBin = UInt8(parameters.maxBins)
        let hasMissing = (0..<p).map { f in binned[(f * trainX.rows)..<((f + 1) * trainX.rows)].contains(missingBin) }
        let validationBinned = try validationX.map { try mapper.transform($0, threads: threads) }

        let m = trainX.rows, k = outputs
        let baseline = try self.baseline(trainY, trainWeights)
        var raw = [Double](repeating: 0, count: m * k)          // row-major: raw[i * k + c]
        for i in 0..<m { for c in 0..<k { raw[i * k + c] = baseline[c] } }
        var validationRaw = [Double](repeating: 0, count: validationY.count * k)
        for i in 0..<validationY.count { for c in 0..<k { validationRaw[i * k + c] = baseline[c] } }

        let constantHessian = weights == nil && (objective == .squaredError || objective == .absoluteError || objective == .quantile || objective == .huber)
        let everyRow = (0..<m).map(Int32.init)
        var rowGenerator = SeededGenerator(seed: parameters.seed &+ 0x5851_F42D)
        let sampledRows = parameters.subsample < 1 ? max(1, Int((parameters.subsample * Double(m)).rounded())) : m
        // Gradients and hessians: with one output and varying hessians, interleaved in `pairs`
        // as the grower reads them; otherwise apart, output c's copied out for its tree.
        let interleaved = k == 1 && !constantHessian
        var gradients = [Float](repeating: 0, count: interleaved ? 0 : m * k), hessians = [Float](repeating: 1, count: interleaved ? 0 : m * k)
        var pairs = [Float](repeating: 0, count: constantHessian ? 0 : 2 * m)
        var trees: [[BoostedTree]] = []
        var trainScores: [Double] = [], validationScores: [Double] = []
        // scikit-learn's: RandomState(random_state) gives the binning and split seed, then the
        // feature-draw seed; seeds NumPy refuses take theirs from SeededGenerator.
        var featureDraws: FeatureDraws?
        if parameters.maxFeatures < 1 {
            if let seeds = NumPyRandomState.histGradientBoostingSeeds(randomState: parameters.seed) {
                featureDraws = FeatureDraws(seed: UInt64(seeds.featureSubsample))
            } else {
                var seeded = SeededGenerator(seed: parameters.seed)
                featureDraws = FeatureDraws(seed: seeded.next())
            }
        }
        var best = (score: -Double.infinity, iteration: 0)
        let pool = HistogramPool(size: p * (Int(missingBin) + 1))
        // Trees grown on every row share their root's counts per bin.
        let rootCounts = sampledRows < m ? nil : binned.withUnsafeBufferPointer {
            TreeGrower.rootCounts(binned: $0, rows: m, features: p, stride: Int(missingBin) + 1, threads: threads)
        }

        /// The score early stopping watches: on the validation rows, or on the training rows.
        func stoppingScore() throws -> Double {
            guard onTraining else { return try validationScore(validationY, validationRaw, validationWeights) }
            guard let smallTrain else { return try validationScore(trainY, raw, trainWeights) }
            let rawSmall = smallTrain.flatMap { row in (0..<k).map { raw[row * k + $0] } }
            return try validationScore(smallTrain.map { trainY[$0] }, rawSmall, trainWeights.map { w in smallTrain.map { w[$0] } })
        }
        if stopEarly {
            validationScores.append(try stoppingScore())
        }
        for iteration in 0..<parameters.maxIterations {
            if objective == .huber { huberDelta = huberThreshold(trainY, raw, trainWeights) }
            if interleaved {
                pairs.withUnsafeMutableBufferPointer { computeGradients(trainY, raw, trainWeights, gradients: $0.baseAddress!, hessians: $0.baseAddress! + 1, stride: 2) }
            } else {
                gradients.withUnsafeMutableBufferPointer { g in
                    hessians.withUnsafeMutableBufferPointer { h in computeGradients(trainY, raw, trainWeights, gradients: g.baseAddress!, hessians: h.baseAddress!, stride: 1) }
                }
            }
            // Row subsampling: this iteration's trees grow on a sample of the rows.
            let samples = sampledRows < m ? try rowGenerator.sampleWithoutReplacement(sampledRows, from: m).sorted().map(Int32.init) : everyRow
            var iterationTrees: [BoostedTree] = []
            for c in 0..<k {
                // Output c's gradients; with varying hessians, interleaved with them.
                let g: [Float], h: [Float], stride: Int
                if constantHessian {
                    (g, h, stride) = (k == 1 ? gradients : (0..<m).map { gradients[$0 * k + c] }, hessians, 1)
                } else if interleaved {
                    (g, h, stride) = (pairs, [], 2)
                } else {
                    pairs.withUnsafeMutableBufferPointer { buffer in
                        gradients.withUnsafeBufferPointer { gradient in
                            hessians.withUnsafeBufferPointer { hessian in
                                let out = UnsafeSendable(buffer), g = UnsafeSendable(gradient), h = UnsafeSendable(hessian)
                                WorkerPool.forEach(count: m, grain: 32_768, threads: threads) { range in
                                    for i in range {
                                        out.value[2 * i] = g.value[i * k + c]
                                        out.value[2 * i + 1] = h.value[i * k + c]
                                    }
                                }
                            }
                        }
                    }
                    (g, h, stride) = (pairs, [], 2)
                }
                let settings = GrowerSettings(maxLeafNodes: parameters.maxLeafNodes, maxDepth: parameters.maxDepth, minSamplesLeaf: parameters.minSamplesLeaf,
                                              minHessianToSplit: parameters.minHessianLeaf, l2Regularization: parameters.l2Regularization,
                                              l1Regularization: parameters.l1Regularization, shrinkage: parameters.learningRate, threads: threads,
                                              featureFraction: parameters.maxFeatures, monotonic: monotonic, categorical: categories.isEmpty ? [] : categorical,
                                              interactionGroups: interactionGroups, interactionRoot: interactionRoot)
                var tree = binned.withUnsafeBufferPointer { bins in binnedRows.withUnsafeBufferPointer { rows in
                    g.withUnsafeBufferPointer { gp in
                        (stride == 2 ? g : h).withUnsafeBufferPointer { hessianBase in
                            let hp = stride == 2 ? UnsafeBufferPointer(rebasing: hessianBase[1...]) : hessianBase
                            var grower = TreeGrower(binnedRows: rows, binned: bins, featureCount: p, binCounts: mapper.binCounts, hasMissing: hasMissing,
                                                    missingBin: Int(missingBin), gradients: gp, hessians: hp, gradientStride: stride, constantHessian: constantHessian,
                                                    samples: samples, rowCount: m, rootCounts: rootCounts, settings: settings, featureDraws: featureDraws, pool: pool)
                            var tree = grower.grow()
                            if objective == .absoluteError || objective == .quantile {
                                updateLeavesToQuantile(&tree, grower: grower, targets: trainY, raw: raw, weights: trainWeights)
                            }
                            // Training predictions move by each leaf's value, for the leaf's samples
                            // (every row's leaf found afresh when the tree saw a sample).
                            raw.withUnsafeMutableBufferPointer { r in
                                if samples.count < m {
                                    for i in 0..<m { r[i * k + c] += tree.predict(bins: rows.baseAddress! + i * p, missingBin: missingBin) }
                                    return
                                }
                                // Leaves hold disjoint rows: a leaf per task.
                                let leaves = grower.leafRanges, output = UnsafeSendable(r)
                                grower.partition.withUnsafeBufferPointer { partition in
                                    let order = UnsafeSendable(partition)
                                    WorkerPool.forEach(count: leaves.count, grain: 1, threads: threads) { range in
                                        for leaf in leaves[range] {
                                            let value = tree.value[leaf.node]
                                            for s in leaf.range { output.value[Int(order.value[s]) * k + c] += value }
                                        }
                                    }
                                }
                            }
                            return tree
                        }
                    }
                } }
                tree.setThresholds(mapper)
                if let validationBinned {
                    validationBinned.withUnsafeBufferPointer { bins in
                        for i in 0..<validationY.count { validationRaw[i * k + c] += tree.predict(bins: bins.baseAddress! + i * p, missingBin: missingBin) }
                    }
                }
                iterationTrees.append(tree)
            }
            trees.append(iterationTrees)
            // The training loss is computed when someone reads it (a progress callback).
            let trainLoss: Double? = context.progress == nil ? nil : loss(trainY, raw, trainWeights)
            if let trainLoss { trainScores.append(-trainLoss) }
            var validationLoss: Double?
            if stopEarly {
                let score = try stoppingScore()
                validationScores.append(score)
                if !onTraining { validationLoss = parameters.scoring == .loss ? -score : loss(validationY, validationRaw, validationWeights) }
                if score > best.score { best = (score, iteration + 1) }
            }
            if try context.checkedProgress(FitProgress(iteration: iteration + 1, trainLoss: trainLoss, validationLoss: validationLoss, step: context.stepName)) { break }
            if stopEarly && shouldStop(validationScores) { break }
        }
        return BoostingResult(baseline: baseline, trees: trees, mapper: mapper, trainScores: trainScores, validationScores: validationScores,
                              categories: categories)
    }

    /// The validation score early stopping watches (scikit-learn's `scoring`): minus the loss,
    /// or a scorer on the predictions the raw scores give (classes by the largest score, the
    /// raw score itself as ROC AUC's decision function), weighted by the validation weights.
    func validationScore(_ y: [Double], _ raw: [Double], _ w: [Double]?) throws -> Double {
        let scoring = parameters.scoring
        if scoring == .loss { return -loss(y, raw, w) }
        let k = outputs
        if classes != nil {
            guard scoring.forClassifiers else {
                throw ToolboxError(.invalidParameter, "scoring \(scoring.rawValue) scores regressors; a classifier takes loss, accuracy, balanced_accuracy, f1_macro or roc_auc",
                                   context: ErrorContext(parameter: "scoring"))
            }
            let predicted = (0..<y.count).map { i -> Double in
                if k == 1 { return raw[i] > 0 ? 1 : 0 }
                var best = 0
                for c in 1..<k where raw[i * k + c] > raw[i * k + best] { best = c }
                return Double(best)
            }
            switch scoring {
            case .accuracy: return try Metrics.accuracy(y, predicted, sampleWeights: w)
            case .balancedAccuracy: return try Metrics.balancedAccuracy(y, predicted, sampleWeights: w)
            case .f1Macro: return try Metrics.f1(y, predicted, average: .macro, sampleWeights: w)
            default:
                guard k == 1 else {
                    throw ToolboxError(.invalidParameter, "scoring roc_auc takes two classes, as scikit-learn's; this model has \(k)", context: ErrorContext(parameter: "scoring"))
                }
                return try Metrics.rocAUC(y, scores: raw, positiveLabel: 1, sampleWeights: w)
            }
        }
        guard scoring.forRegressors else {
            throw ToolboxError(.invalidParameter, "scoring \(scoring.rawValue) scores classifiers; a regressor takes loss, r2, neg_mean_squared_error or neg_mean_absolute_error",
                               context: ErrorContext(parameter: "scoring"))
        }
        let predicted = objective == .poisson ? raw.map { exp($0) } : raw
        switch scoring {
        case .r2: return try Metrics.r2(y, predicted, sampleWeights: w)
        case .negativeMeanSquaredError: return -(try Metrics.meanSquaredError(y, predicted, sampleWeights: w))
        default: return -(try Metrics.meanAbsoluteError(y, predicted, sampleWeights: w))
        }
    }

    /// The Huber loss's threshold for an iteration: the `alpha`-quantile of the absolute
    /// residuals (scikit-learn's `GradientBoostingRegressor(loss="huber")`).
    func huberThreshold(_ y: [Double], _ raw: [Double], _ w: [Double]?) -> Double {
        weightedQuantile(zip(y, raw).map { abs($0 - $1) }, w, quantile)
    }

    /// scikit-learn's rule: stop when none of the last `n_iter_no_change` scores beats the one
    /// before them by more than `tol`.
    func shouldStop(_ scores: [Double]) -> Bool {
        let reference = parameters.iterationsWithoutChange + 1
        guard scores.count >= reference else { return false }
        let referenceScore = scores[scores.count - reference] + parameters.tolerance
        return !scores.suffix(reference - 1).contains { $0 > referenceScore }
    }

    func encodeValidationTargets(_ y: [Double]) throws -> [Double] {
        guard let classes else { return y }
        return try y.enumerated().map { row, value in
            guard let code = classes.firstIndex(of: value) else {
                throw ToolboxError(.invalidData, "evaluation set row \(row) has class \(value), not seen in training", context: ErrorContext(row: row))
            }
            return Double(code)
        }
    }

    /// The validation split, stratified by class for classifiers: scikit-learn's
    /// `train_test_split(test_size=validation_fraction, stratify=..., random_state=seed)` with
    /// the seed `HistGradientBoosting` derives from `random_state` (NumPy's `RandomState`), rows
    /// in its order, so early stopping sees the rows scikit-learn's sees. Seeds above 2³² − 1,
    /// which NumPy refuses, split with ``SeededGenerator``.
    func validationSplit(n: Int, testCount: Int, stratify: [Int]?) throws -> (train: [Int], validation: [Int]) {
        guard testCount > 0, testCount < n else {
            throw ToolboxError(.invalidData, "early stopping needs rows on both sides of the validation split; \(n) rows",
                               context: ErrorContext(parameter: "validation_fraction"))
        }
        guard let seeds = NumPyRandomState.histGradientBoostingSeeds(randomState: parameters.seed) else {
            return try seededSplit(n: n, testCount: testCount, stratify: stratify)
        }
        var rng = NumPyRandomState(seed: seeds.random)
        let trainCount = n - testCount
        guard let stratify else {
            // ShuffleSplit: one permutation, the test rows first.
            let permutation = rng.permutation(n)
            return (Array(permutation[testCount...]), Array(permutation[..<testCount]))
        }
        // StratifiedShuffleSplit: per class, a share of each side (_approximate_mode), drawn by
        // a permutation of the class's rows; both sides permuted at the end.
        let present = Self.rowsByClass(stratify)
        let counts = present.map(\.count)
        if let rare = counts.firstIndex(where: { $0 < 2 }) {
            throw ToolboxError(.invalidData, "early stopping's stratified validation split needs two rows of each class; a class has \(counts[rare])",
                               context: ErrorContext(parameter: "validation_fraction"))
        }
        guard trainCount >= present.count, testCount >= present.count else {
            throw ToolboxError(.invalidData, "early stopping's validation split of \(n) rows leaves a side with fewer rows than the \(present.count) classes",
                               context: ErrorContext(parameter: "validation_fraction"))
        }
        let trainShares = rng.approximateMode(counts, draws: trainCount)
        let testShares = rng.approximateMode(zip(counts, trainShares).map { $0 - $1 }, draws: testCount)
        var train: [Int] = [], test: [Int] = []
        for (k, rows) in present.enumerated() {
            let shuffled = rng.permutation(rows.count).map { rows[$0] }
            train += shuffled[..<trainShares[k]]
            test += shuffled[trainShares[k]..<(trainShares[k] + testShares[k])]
        }
        rng.shuffle(&train)
        rng.shuffle(&test)
        return (train, test)
    }

    /// The training rows a scorer watches when early stopping has no validation rows:
    /// scikit-learn's `_get_small_trainset`, all rows (nil) up to 10,000, else
    /// `resample(n_samples=10000, replace=False, stratify=y for classifiers)` from the seed
    /// `random_state` gives (NumPy's `RandomState`).
    func smallTrainingSet(n: Int, stratify: [Int]?) throws -> [Int]? {
        let size = 10_000
        guard n > size else { return nil }
        var rng: NumPyRandomState
        if let seeds = NumPyRandomState.histGradientBoostingSeeds(randomState: parameters.seed) {
            rng = NumPyRandomState(seed: seeds.random)
        } else {
            var seeded = SeededGenerator(seed: parameters.seed)
            rng = NumPyRandomState(seed: UInt32(truncatingIfNeeded: seeded.next()))
        }
        guard let stratify else { return Array(rng.permutation(n).prefix(size)) }
        let present = Self.rowsByClass(stratify)
        let shares = rng.approximateMode(present.map(\.count), draws: size)
        var rows: [Int] = []
        for (k, classRows) in present.enumerated() {
            // choice(rows, share, replace=False): a permutation of the class's rows, cut.
            rows += rng.permutation(classRows.count).prefix(shares[k]).map { classRows[$0] }
        }
        rng.shuffle(&rows)
        return rows
    }

    /// Each class's rows, ascending, classes in code order (absent codes left out): the
    /// `np.split(np.argsort(y, kind="stable"), ...)` scikit-learn's stratified draws start from.
    static func rowsByClass(_ labels: [Int]) -> [[Int]] {
        var members = [[Int]](repeating: [], count: (labels.max() ?? -1) + 1)
        for (row, label) in labels.enumerated() { members[label].append(row) }
        return members.filter { !$0.isEmpty }
    }

    /// The split for seeds NumPy refuses: ``SeededGenerator`` draws the same shares.
    func seededSplit(n: Int, testCount: Int, stratify: [Int]?) throws -> (train: [Int], validation: [Int]) {
        var generator = SeededGenerator(seed: parameters.seed)
        var validation: [Int] = []
        if let stratify {
            for var rows in Self.rowsByClass(stratify) {
                generator.shuffle(&rows)
                validation += rows.prefix(Int((Double(rows.count) * Double(testCount) / Double(n)).rounded(.up)))
            }
        } else {
            validation = Array(generator.permutation(n).prefix(testCount))
        }
        guard !validation.isEmpty, validation.count < n else {
            throw ToolboxError(.invalidData, "early stopping needs rows on both sides of the validation split; \(n) rows",
                               context: ErrorContext(parameter: "validation_fraction"))
        }
        let held = Set(validation)
        return ((0..<n).filter { !held.contains($0) }, validation.sorted())
    }

    /// The loss's best constant raw score per output (scikit-learn's `fit_intercept_only`).
    func baseline(_ y: [Double], _ w: [Double]?) throws -> [Double] {
        let total = w?.reduce(0, +) ?? Double(y.count)
        func mean(_ values: [Double]) -> Double {
            if let w { return zip(values, w).reduce(0) { $0 + $1.0 * $1.1 } / total }
            return values.reduce(0, +) / total
        }
        switch objective {
        case .squaredError: return [mean(y)]
        case .poisson: return [log(max(mean(y), Double.ulpOfOne))]
        case .absoluteError, .huber: return [weightedQuantile(y, w, 0.5)]
        case .quantile: return [weightedQuantile(y, w, quantile)]
        case .binaryLogLoss:
            let p = min(max(mean(y), Double.ulpOfOne), 1 - Double.ulpOfOne)
            return [log(p / (1 - p))]
        case .multinomialLogLoss:
            let logs = (0..<outputs).map { c -> Double in
                let share = mean(y.map { $0 == Double(c) ? 1 : 0 })
                return log(min(max(share, Double.ulpOfOne), 1 - Double.ulpOfOne))
            }
            let average = logs.reduce(0, +) / Double(outputs)
            return logs.map { $0 - average }
        }
    }

    /// Gradients and hessians of the half losses scikit-learn uses, stored as Float (as
    /// scikit-learn's and LightGBM's), times the sample weights: row `i`'s for output `c` at
    /// `gradients[(i * k + c) * stride]` and `hessians[(i * k + c) * stride]`. Constant hessians
    /// are written only with weights (they are 1 otherwise).
    func computeGradients(_ y: [Double], _ raw: [Double], _ w: [Double]?, gradients: UnsafeMutablePointer<Float>, hessians: UnsafeMutablePointer<Float>,
                          stride: Int) {
        let n = y.count, k = outputs, delta = huberDelta, quantile = self.quantile
        let threads = parameters.threads ?? Parallel.defaultThreadCount
        let gOut = UnsafeSendable(gradients), hOut = UnsafeSendable(hessians)
        y.withUnsafeBufferPointer { yBuffer in
          raw.withUnsafeBufferPointer { rawBuffer in
            let targets = UnsafeSendable(yBuffer), scores = UnsafeSendable(rawBuffer)
            WorkerPool.forEach(count: n, grain: 16_384, threads: threads) { range in
                let y = targets.value, raw = scores.value, g = gOut.value, h = hOut.value
                /// One loop per loss, so the loss is not decided per row; `body` gives row i's
                /// weighted gradient and hessian (nil: constant, the weight).
                @inline(__always) func each(_ body: (Int, Double) -> (gradient: Double, hessian: Double?)) {
                    for i in range {
                        let weight = w?[i] ?? 1
                        let (gradient, hessian) = body(i, weight)
                        g[i * stride] = Float(gradient)
                        if let hessian { h[i * stride] = Float(hessian) } else if w != nil { h[i * stride] = Float(weight) }
                    }
                }
                switch objective {
                case .squaredError: each { i, weight in (weight * (raw[i] - y[i]), nil) }
                case .absoluteError: each { i, weight in (weight * (raw[i] > y[i] ? 1 : -1), nil) }
                case .quantile: each { i, weight in (weight * (y[i] > raw[i] ? -quantile : 1 - quantile), nil) }
                case .huber:
                    // Newton steps with a unit hessian, as LightGBM's Huber loss.
                    each { i, weight in
                        let residual = raw[i] - y[i]
                        return (weight * (abs(residual) <= delta ? residual : (residual > 0 ? delta : -delta)), nil)
                    }
                case .poisson:
                    each { i, weight in
                        let e = exp(raw[i])
                        return (weight * (e - y[i]), weight * e)
                    }
                case .binaryLogLoss:
                    each { i, weight in
                        let p = LogisticProblem.sigmoid(raw[i])
                        return (weight * (p - y[i]), weight * p * (1 - p))
                    }
                case .multinomialLogLoss:
                    var probabilities = [Double](repeating: 0, count: k)
                    for i in range {
                        let weight = w?[i] ?? 1
                        var top = -Double.infinity
                        for c in 0..<k { top = max(top, raw[i * k + c]) }
                        var sum = 0.0
                        for c in 0..<k { probabilities[c] = exp(raw[i * k + c] - top); sum += probabilities[c] }
                        for c in 0..<k {
                            let p = probabilities[c] / sum
                            g[(i * k + c) * stride] = Float(weight * (p - (y[i] == Double(c) ? 1 : 0)))
                            h[(i * k + c) * stride] = Float(weight * p * (1 - p))
                        }
                    }
                }
            }
          }
        }
    }

    /// The mean loss (scikit-learn's half losses for squared error and log loss families).
    func loss(_ y: [Double], _ raw: [Double], _ w: [Double]?) -> Double {
        guard !y.isEmpty else { return 0 }
        let k = outputs
        var total = 0.0, weightTotal = 0.0
        for i in y.indices {
            let weight = w?[i] ?? 1
            let value: Double
            switch objective {
            case .squaredError: value = 0.5 * (raw[i] - y[i]) * (raw[i] - y[i])
            case .absoluteError: value = abs(raw[i] - y[i])
            case .quantile: value = y[i] >= raw[i] ? quantile * (y[i] - raw[i]) : (1 - quantile) * (raw[i] - y[i])
            case .huber:
                let residual = abs(raw[i] - y[i])
                value = residual <= huberDelta ? 0.5 * residual * residual : huberDelta * (residual - 0.5 * huberDelta)
            case .poisson: value = exp(raw[i]) - y[i] * raw[i]
            case .binaryLogLoss: value = softplus(raw[i]) - y[i] * raw[i]
            case .multinomialLogLoss:
                var top = -Double.infinity
                for c in 0..<k { top = max(top, raw[i * k + c]) }
                var sum = 0.0
                for c in 0..<k { sum += exp(raw[i * k + c] - top) }
                value = top + log(sum) - raw[i * k + Int(y[i])]
            }
            total += weight * value
            weightTotal += weight
        }
        return total / weightTotal
    }

    /// Absolute and quantile losses: each leaf's value becomes the (weighted) quantile of its
    /// samples' residuals, times the learning rate (scikit-learn's leaf update).
    func updateLeavesToQuantile(_ tree: inout BoostedTree, grower: TreeGrower, targets y: [Double], raw: [Double], weights: [Double]?) {
        let q = objective == .absoluteError ? 0.5 : quantile
        for leaf in grower.leafRanges {
            let rows = leaf.range.map { Int(grower.partition[$0]) }
            let residuals = rows.map { y[$0] - raw[$0] }
            tree.value[leaf.node] = parameters.learningRate * weightedQuantile(residuals, weights.map { w in rows.map { w[$0] } }, q)
        }
    }
}

@inline(__always) func softplus(_ x: Double) -> Double { x > 30 ? x : log1p(exp(x)) }

/// The weighted `q`-quantile (scikit-learn's `_weighted_percentile`: the smallest value whose
/// cumulative weight reaches `q` of the total).
func weightedQuantile(_ values: [Double], _ weights: [Double]?, _ q: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let order = values.indices.sorted { values[$0] < values[$1] }
    let w = weights ?? [Double](repeating: 1, count: values.count)
    let total = w.reduce(0, +)
    var cumulative = 0.0
    for index in order {
        cumulative += w[index]
        if cumulative >= q * total { return values[index] }
    }
    return values[order.last!]
}
