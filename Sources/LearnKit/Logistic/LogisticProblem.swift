import Foundation
import ToolboxCore

/// The logistic loss, its gradient and the two solvers. Parameters are laid out as the
/// coefficient matrix (outputs × features, row-major) followed by one intercept per output.
struct LogisticProblem {
    let x: Matrix<Double>
    let labels: [Int]
    let classCount: Int
    let weights: [Double]
    let fitIntercept: Bool
    let penalty: LogisticRegression.Penalty
    /// Loss weights normalized to sum 1 and the penalty strengths divided by C·Σw, so the
    /// objective is of order one whatever n (same minimizer as C·Σ wℓ + penalty).
    let normalizedWeights: [Double]
    let l2: Double
    let l1: Double

    var outputs: Int { classCount == 2 ? 1 : classCount }
    var features: Int { x.columns }

    init(x: Matrix<Double>, labels: [Int], classCount: Int, weights: [Double], fitIntercept: Bool, c: Double,
         penalty: LogisticRegression.Penalty, l1Ratio: Double) {
        self.x = x
        self.labels = labels
        self.classCount = classCount
        self.weights = weights
        self.fitIntercept = fitIntercept
        self.penalty = penalty
        let total = weights.reduce(0, +)
        normalizedWeights = weights.map { $0 / total }
        let strength = 1 / (c * total)
        switch penalty {
        case .l2: (l2, l1) = (strength, 0)
        case .l1: (l2, l1) = (0, strength)
        case .elasticNet: (l2, l1) = (strength * (1 - l1Ratio), strength * l1Ratio)
        case .none: (l2, l1) = (0, 0)
        }
    }

    @inline(__always)
    static func sigmoid(_ z: Double) -> Double {
        if z >= 0 { return 1 / (1 + exp(-z)) }
        let e = exp(z)
        return e / (1 + e)
    }

    /// log(1 + e^z) without overflow.
    static func softplus(_ z: Double) -> Double {
        z > 0 ? z + log1p(exp(-z)) : log1p(exp(z))
    }

    static func softmaxRows(_ m: inout Matrix<Double>) {
        let (n, k) = (m.rows, m.columns)
        m.withUnsafeMutableBufferPointer { buffer in
            for i in 0..<n {
                let row = i * k
                var largest = -Double.infinity
                for j in 0..<k { largest = max(largest, buffer[row + j]) }
                var sum = 0.0
                for j in 0..<k {
                    buffer[row + j] = exp(buffer[row + j] - largest)
                    sum += buffer[row + j]
                }
                for j in 0..<k { buffer[row + j] /= sum }
            }
        }
    }

    /// The smooth part of the objective (loss + L2) and its gradient.
    func smoothObjective(_ parameters: [Double], _ gradient: inout [Double]) throws -> Double {
        let (p, k) = (features, outputs)
        var loss: Double
        if k == 1 {
            loss = try binaryLoss(parameters, &gradient)
        } else {
            loss = try multinomialLoss(parameters, &gradient)
        }
        if l2 > 0 {
            var norm = 0.0
            for q in 0..<(k * p) {
                norm += parameters[q] * parameters[q]
                gradient[q] += l2 * parameters[q]
            }
            loss += 0.5 * l2 * norm
        }
        return loss
    }

    /// Rows per parallel chunk of the element-wise loss loop (fixed, so sums do not depend on threads).
    static let chunkRows = 16_384

    private func binaryLoss(_ parameters: [Double], _ gradient: inout [Double]) throws -> Double {
        let (n, p) = (x.rows, features)
        let w = Array(parameters[0..<p])
        let b = fitIntercept ? parameters[p] : 0
        var residual = try x.multiplied(by: w)                 // scores, then weighted residuals
        let partial = try residual.withUnsafeMutableBufferPointer { buffer in
          let shared = UnsafeSendable(buffer.baseAddress!)
          return try Parallel.map(count: n, grain: Self.chunkRows) { range -> (Double, Double) in
            var loss = 0.0, sum = 0.0
            let r = shared.value
            for i in range {
                let z = r[i] + b
                let y = Double(labels[i])
                // One exponential for both the loss and the probability.
                let e = exp(-abs(z))
                let softplus = max(z, 0) + log1p(e)
                let probability = z >= 0 ? 1 / (1 + e) : e / (1 + e)
                loss += normalizedWeights[i] * (softplus - y * z)
                let g = (probability - y) * normalizedWeights[i]
                r[i] = g
                sum += g
            }
            return (loss, sum)
          }
        }
        gradient = try x.multiplied(by: residual, transposeSelf: true)
        gradient.append(fitIntercept ? partial.reduce(0) { $0 + $1.1 } : 0)
        return partial.reduce(0) { $0 + $1.0 }
    }

    private func multinomialLoss(_ parameters: [Double], _ gradient: inout [Double]) throws -> Double {
        let (n, p, k) = (x.rows, features, outputs)
        let w = try Matrix(rows: k, columns: p, values: Array(parameters[0..<k * p]))
        let b = fitIntercept ? Array(parameters[(k * p)...]) : [Double](repeating: 0, count: k)
        var scores = try x.multiplied(by: w, transposeOther: true)     // n × k, then weighted residuals
        let losses = try scores.withUnsafeMutableBufferPointer { buffer in
          let shared = UnsafeSendable(buffer.baseAddress!)
          return try Parallel.map(count: n, grain: Self.chunkRows) { range -> Double in
            var loss = 0.0
            let z = shared.value
            for i in range {
                let row = i * k
                var largest = -Double.infinity
                for j in 0..<k {
                    z[row + j] += b[j]
                    largest = max(largest, z[row + j])
                }
                var sum = 0.0
                for j in 0..<k { sum += exp(z[row + j] - largest) }
                let logSum = largest + log(sum)
                loss += normalizedWeights[i] * (logSum - z[row + labels[i]])
                for j in 0..<k {
                    let probability = exp(z[row + j] - logSum)
                    z[row + j] = (probability - (j == labels[i] ? 1 : 0)) * normalizedWeights[i]
                }
            }
            return loss
          }
        }
        gradient = try scores.multiplied(by: x, transposeSelf: true).values
        gradient += fitIntercept ? scores.columnSums() : [Double](repeating: 0, count: k)
        return losses.reduce(0, +)
    }

    struct Solution {
        var parameters: [Double]
        var iterations: Int
        var converged: Bool
    }

    var parameterCount: Int { outputs * features + outputs }

    /// - Parameter afterIteration: sees each iteration and its objective; `true` stops.
    func solveLBFGS(maxIterations: Int, tolerance: Double, afterIteration: (Int, Double) -> Bool) throws -> Solution {
        let optimizer = LBFGS(maxIterations: maxIterations, gradientTolerance: tolerance)
        let result = try optimizer.minimize(start: [Double](repeating: 0, count: parameterCount),
                                            afterIteration: afterIteration) { parameters, gradient in
            try smoothObjective(parameters, &gradient)
        }
        guard result.x.allSatisfy(\.isFinite) else {
            throw ToolboxError(.notConverged, "L-BFGS diverged; scale the features or lower C")
        }
        return Solution(parameters: result.x, iterations: result.iterations, converged: result.converged)
    }

    /// FISTA with backtracking and adaptive restart for the L1 part; stops when the largest parameter change relative
    /// to the largest parameter is below `tolerance` (scikit-learn's SAGA rule).
    func solveProximal(maxIterations: Int, tolerance: Double, afterIteration: (Int, Double) -> Bool) throws -> Solution {
        let count = parameterCount, penalized = outputs * features
        var current = [Double](repeating: 0, count: count)
        var momentum = current
        var t = 1.0
        var step = 1.0
        var gradient = [Double](repeating: 0, count: count)
        func prox(_ v: [Double], _ step: Double) -> [Double] {
            var out = v
            for q in 0..<penalized {
                let shrink = step * l1
                out[q] = v[q] > shrink ? v[q] - shrink : (v[q] < -shrink ? v[q] + shrink : 0)
            }
            return out
        }
        var converged = false
        var iterations = 0
        for iteration in 0..<maxIterations {
            iterations = iteration + 1
            let value = try smoothObjective(momentum, &gradient)
            var next: [Double]
            // Backtracking: the quadratic model at the momentum point must bound the objective.
            while true {
                next = prox(zip(momentum, gradient).map { $0 - step * $1 }, step)
                var scratch = gradient
                let nextValue = try smoothObjective(next, &scratch)
                let difference = zip(next, momentum).map { $0 - $1 }
                let bound = value + dot(gradient, difference) + dot(difference, difference) / (2 * step)
                if nextValue <= bound + 1e-12 * abs(bound) || step < 1e-20 { break }
                step *= 0.5
            }
            // Adaptive restart (O'Donoghue and Candès, 2015): drop the momentum when it points
            // against the step just taken.
            if dot(zip(momentum, next).map { $0 - $1 }, zip(next, current).map { $0 - $1 }) > 0 { t = 1 }
            let nextT = (1 + (1 + 4 * t * t).squareRoot()) / 2
            let change = maxAbs(zip(next, current).map { $0 - $1 })
            let size = max(maxAbs(next), 1e-300)
            momentum = zip(next, current).map { $0 + (t - 1) / nextT * ($0 - $1) }
            current = next
            t = nextT
            if change / size <= tolerance {
                converged = true
                _ = afterIteration(iterations, value)
                break
            }
            if afterIteration(iterations, value) { break }
        }
        guard current.allSatisfy(\.isFinite) else {
            throw ToolboxError(.notConverged, "the proximal solver diverged; scale the features or lower C")
        }
        return Solution(parameters: current, iterations: iterations, converged: converged)
    }
}
