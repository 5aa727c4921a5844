import Foundation

/// XGBoost's float32 arithmetic, so imported models give XGBoost's values bit for bit where the
/// order of sums allows: base margins from `base_score`, the objective's transforms.
enum XGBoostArithmetic {
    /// The margin a logistic objective starts from: `-log(1/p - 1)` in float32, as XGBoost's
    /// `ProbToMargin`; `nil` outside (0, 1).
    static func logisticMargin(_ probability: Double) -> Double? {
        let p = Float(probability)
        guard p > 0, p < 1 else { return nil }
        return Double(-log(1 / p - 1))
    }

    /// The margin of a log-link objective (Poisson, gamma, Tweedie): `log(p)` in float32; `nil` for p ≤ 0.
    static func logMargin(_ value: Double) -> Double? {
        let v = Float(value)
        guard v > 0 else { return nil }
        return Double(log(v))
    }

    /// XGBoost's sigmoid: `1 / (exp(min(-x, 88.7)) + 1 + 1e-16)` in float32.
    static func sigmoid(_ x: Float) -> Float {
        let e = exp(min(-x, 88.7))
        return 1 / (e + 1 + 1e-16)
    }

    /// The objective's transform of float32 margins, row by row.
    static func transform(_ raw: [Double], objective: ImportedObjective, rows: Int) -> [Double] {
        switch objective {
        case .identity: return raw
        case .exponential: return raw.map { Double(exp(Float($0))) }
        case .logistic(let scale), .oneVsAll(_, let scale):
            return raw.map { Double(sigmoid(Float(scale) * Float($0))) }
        case .softmax(let k):
            guard k > 0, raw.count == rows * k else { return raw }
            var out = raw
            for i in 0..<rows {
                // The largest margin first; exps in float32, their sum in double, each divided by
                // the sum rounded to float32 (XGBoost's Softmax).
                var largest = Float(raw[i * k])
                for c in 1..<k { largest = max(largest, Float(raw[i * k + c])) }
                var exps = [Float](repeating: 0, count: k)
                var total = 0.0
                for c in 0..<k {
                    exps[c] = exp(Float(raw[i * k + c]) - largest)
                    total += Double(exps[c])
                }
                let divisor = Float(total)
                for c in 0..<k { out[i * k + c] = Double(exps[c] / divisor) }
            }
            return out
        }
    }
}
