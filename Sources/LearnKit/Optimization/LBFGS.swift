/// Limited-memory BFGS (Nocedal, "Updating Quasi-Newton Matrices with Limited Storage", 1980;
/// Liu and Nocedal 1989) with a line search satisfying the strong Wolfe conditions
/// (Nocedal and Wright, "Numerical Optimization", algorithms 3.5 and 3.6).
///
/// Stops as scipy's L-BFGS-B does for scikit-learn: when the largest gradient component is at
/// most `gradientTolerance`, or the relative decrease of the objective is at most
/// `functionTolerance`, or after `maxIterations`.
struct LBFGS {
    var memory = 10
    var maxIterations = 100
    var gradientTolerance = 1e-4
    var functionTolerance = 64 * Double.ulpOfOne
    var maxLineSearchSteps = 50

    struct Result {
        var x: [Double]
        var value: Double
        var iterations: Int
        var converged: Bool
    }

    /// Minimizes `objective`, which returns the value and fills the gradient. `afterIteration`
    /// sees each iteration's number and objective value and returns `true` to stop there.
    func minimize(start: [Double], afterIteration: (Int, Double) -> Bool = { _, _ in false },
                  _ objective: (_ x: [Double], _ gradient: inout [Double]) throws -> Double) throws -> Result {
        let n = start.count
        var x = start
        var g = [Double](repeating: 0, count: n)
        var f = try objective(x, &g)
        var s: [[Double]] = [], y: [[Double]] = [], rho: [Double] = []
        var iterations = 0
        if maxAbs(g) <= gradientTolerance { return Result(x: x, value: f, iterations: 0, converged: true) }
        while iterations < maxIterations {
            iterations += 1
            // Two-loop recursion: d = −H·g.
            var q = g
            var alphas = [Double](repeating: 0, count: s.count)
            for k in stride(from: s.count - 1, through: 0, by: -1) {
                alphas[k] = rho[k] * dot(s[k], q)
                axpy(-alphas[k], y[k], &q)
            }
            if let lastS = s.last, let lastY = y.last {
                let gamma = dot(lastS, lastY) / dot(lastY, lastY)
                for i in 0..<n { q[i] *= gamma }
            } else {
                // First step: scale so the step has unit length, as L-BFGS-B does.
                let norm = dot(g, g).squareRoot()
                if norm > 0 { for i in 0..<n { q[i] /= norm } }
            }
            for k in 0..<s.count {
                let beta = rho[k] * dot(y[k], q)
                axpy(alphas[k] - beta, s[k], &q)
            }
            var direction = q.map { -$0 }
            var slope = dot(g, direction)
            if slope >= 0 {
                // Not a descent direction (numerical trouble): restart from steepest descent.
                s.removeAll(); y.removeAll(); rho.removeAll()
                direction = g.map { -$0 }
                slope = -dot(g, g)
            }
            guard let step = try lineSearch(x: x, f: f, g: g, direction: direction, slope: slope, objective) else {
                return Result(x: x, value: f, iterations: iterations, converged: false)
            }
            let newX = step.x, newF = step.value, newG = step.gradient
            let sk = zip(newX, x).map { $0 - $1 }, yk = zip(newG, g).map { $0 - $1 }
            let sy = dot(sk, yk)
            if sy > 1e-10 * dot(yk, yk) {
                s.append(sk); y.append(yk); rho.append(1 / sy)
                if s.count > memory { s.removeFirst(); y.removeFirst(); rho.removeFirst() }
            }
            let decrease = (f - newF) / max(abs(f), abs(newF), 1)
            (x, f, g) = (newX, newF, newG)
            if maxAbs(g) <= gradientTolerance || decrease <= functionTolerance {
                _ = afterIteration(iterations, f)
                return Result(x: x, value: f, iterations: iterations, converged: true)
            }
            if afterIteration(iterations, f) {
                return Result(x: x, value: f, iterations: iterations, converged: false)
            }
        }
        return Result(x: x, value: f, iterations: iterations, converged: false)
    }

    private struct Point {
        var x: [Double]
        var value: Double
        var gradient: [Double]
        var slope: Double
    }

    /// Strong Wolfe line search with c1 = 1e-4, c2 = 0.9, bracketing then zooming by cubic
    /// interpolation (safeguarded by bisection).
    private func lineSearch(x: [Double], f: Double, g: [Double], direction: [Double], slope: Double,
                            _ objective: (_ x: [Double], _ gradient: inout [Double]) throws -> Double) throws -> Point? {
        let c1 = 1e-4, c2 = 0.9
        func evaluate(_ t: Double) throws -> Point {
            var point = x
            axpy(t, direction, &point)
            var gradient = [Double](repeating: 0, count: x.count)
            let value = try objective(point, &gradient)
            return Point(x: point, value: value, gradient: gradient, slope: dot(gradient, direction))
        }
        var previous = Point(x: x, value: f, gradient: g, slope: slope)
        var previousT = 0.0
        var t = 1.0
        for attempt in 0..<maxLineSearchSteps {
            let current = try evaluate(t)
            if !current.value.isFinite {
                t *= 0.5
                continue
            }
            if current.value > f + c1 * t * slope || (attempt > 0 && current.value >= previous.value) {
                return try zoom(low: previous, lowT: previousT, high: current, highT: t, f: f, slope: slope, evaluate)
            }
            if abs(current.slope) <= -c2 * slope { return current }
            if current.slope >= 0 {
                return try zoom(low: current, lowT: t, high: previous, highT: previousT, f: f, slope: slope, evaluate)
            }
            previous = current
            previousT = t
            t *= 2
        }
        return nil
    }

    private func zoom(low: Point, lowT: Double, high: Point, highT: Double, f: Double, slope: Double,
                      _ evaluate: (Double) throws -> Point) throws -> Point? {
        let c1 = 1e-4, c2 = 0.9
        var (lo, loT, hi, hiT) = (low, lowT, high, highT)
        for _ in 0..<maxLineSearchSteps {
            // Cubic interpolation between the bracket ends, kept inside the bracket.
            let d1 = lo.slope + hi.slope - 3 * (lo.value - hi.value) / (loT - hiT)
            let radicand = d1 * d1 - lo.slope * hi.slope
            var t = (loT + hiT) / 2
            if radicand >= 0 {
                let d2 = (hiT > loT ? 1.0 : -1.0) * radicand.squareRoot()
                let candidate = hiT - (hiT - loT) * (hi.slope + d2 - d1) / (hi.slope - lo.slope + 2 * d2)
                let (a, b) = (min(loT, hiT), max(loT, hiT))
                if candidate.isFinite && candidate > a + 0.1 * (b - a) && candidate < b - 0.1 * (b - a) { t = candidate }
            }
            let current = try evaluate(t)
            if current.value > f + c1 * t * slope || current.value >= lo.value {
                (hi, hiT) = (current, t)
            } else {
                if abs(current.slope) <= -c2 * slope { return current }
                if current.slope * (hiT - loT) >= 0 { (hi, hiT) = (lo, loT) }
                (lo, loT) = (current, t)
            }
            if abs(hiT - loT) < 1e-16 { break }
        }
        return lo.value < f ? lo : nil
    }
}

@inline(__always) func dot(_ a: [Double], _ b: [Double]) -> Double {
    var s = 0.0
    for i in a.indices { s += a[i] * b[i] }
    return s
}

@inline(__always) func axpy(_ alpha: Double, _ x: [Double], _ y: inout [Double]) {
    for i in x.indices { y[i] += alpha * x[i] }
}

@inline(__always) func maxAbs(_ a: [Double]) -> Double {
    a.reduce(0) { max($0, abs($1)) }
}
