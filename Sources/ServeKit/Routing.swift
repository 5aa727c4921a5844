public import Foundation
import Synchronization
public import ToolboxCore

/// How one served name spreads its traffic over arms (each arm a served model, such as two
/// registry versions): weighted A/B, a canary with sticky assignment by a request key, a
/// shadow that gets a copy of every request (compared and logged, never returned), or a
/// multi-armed bandit learning from feedback; with a circuit breaker that moves traffic off an
/// arm whose errors or latency cross a threshold.
///
/// A routes file (YAML or JSON) maps served names to routes:
/// ```yaml
/// churn:
///   strategy: canary            # ab | canary | shadow | bandit
///   arms:
///     - {name: stable, model: churn-v1, weight: 0.9}
///     - {name: canary, model: churn-v2, weight: 0.1}
///   sticky_key: header:X-User   # or field:customer_id (a column of the first row)
///   fallback: stable
///   breaker: {error_rate: 0.5, latency_ms: 250, window: 50, min_requests: 10, cooldown_seconds: 30}
/// ```
public struct RouteSpec: Sendable, Hashable {
    /// How requests pick an arm.
    public enum Strategy: String, Sendable, Hashable, CaseIterable {
        /// Weighted at random, per request.
        case ab
        /// Weighted, but the same request key always gets the same arm.
        case canary
        /// The first arm answers; the others get a copy, compared and logged.
        case shadow
        /// Thompson sampling over the arms' reward posteriors, fed by feedback.
        case bandit
    }

    /// The reward model of a bandit.
    public enum Reward: String, Sendable, Hashable, CaseIterable {
        /// Rewards in [0, 1] (1 for a right label): Beta(1 + successes, 1 + failures) posteriors.
        case beta
        /// Any real reward: Normal posteriors of each arm's mean.
        case normal
    }

    /// One arm: its name, the served model it sends to and its weight.
    public struct Arm: Sendable, Hashable {
        /// The arm's name (in metrics, logs and answers).
        public var name: String
        /// The served model's name.
        public var model: String
        /// Its share of traffic (ab and canary), relative to the other arms' weights.
        public var weight: Double

        /// An arm.
        public init(name: String, model: String, weight: Double = 1) {
            self.name = name
            self.model = model
            self.weight = weight
        }
    }

    /// When an arm stops getting traffic: over its last `window` answers (once it has
    /// `minRequests`), a share of errors at least `errorRate`, or a mean latency at least
    /// `latencyMilliseconds`; it gets traffic again after `cooldownSeconds`.
    public struct Breaker: Sendable, Hashable {
        /// The share of errors (5xx, timeouts) that opens the breaker.
        public var errorRate: Double = 0.5
        /// The mean latency, in milliseconds, that opens it (`nil`: latency never does).
        public var latencyMilliseconds: Double?
        /// The answers looked at.
        public var window: Int = 50
        /// The fewest answers before the breaker may open.
        public var minRequests: Int = 10
        /// How long an open breaker keeps the arm out.
        public var cooldownSeconds: Double = 30

        /// The defaults.
        public init() {}
    }

    /// The strategy.
    public var strategy: Strategy
    /// The arms, in order (the first is the primary of a shadow route).
    public var arms: [Arm]
    /// Where a canary's request key comes from: `header:NAME` or `field:COLUMN`.
    public var stickyKey: String?
    /// The arm that takes traffic when an arm's breaker is open (default: the first arm).
    public var fallback: String?
    /// The circuit breaker (`nil`: none).
    public var breaker: Breaker?
    /// A bandit's reward model.
    public var reward: Reward = .beta
    /// The seed of the route's random choices (`nil`: from the system).
    public var seed: UInt64?

    /// A route.
    public init(strategy: Strategy, arms: [Arm], stickyKey: String? = nil, fallback: String? = nil, breaker: Breaker? = nil, reward: Reward = .beta, seed: UInt64? = nil) {
        self.strategy = strategy
        self.arms = arms
        self.stickyKey = stickyKey
        self.fallback = fallback
        self.breaker = breaker
        self.reward = reward
        self.seed = seed
    }

    // MARK: Reading

    /// The routes of a routes file's text (YAML or JSON), by served name.
    /// - Throws: `ToolboxError/Code/parseError` or `ToolboxError/Code/invalidParameter`
    ///   naming the key (`churn.arms[1].weight`).
    public static func routes(text: String) throws -> [String: RouteSpec] {
        let value = try JSONValue(yamlText: text)
        guard case .object(let members) = value else {
            throw ToolboxError(.invalidParameter, "a routes file maps served names to routes", context: ErrorContext(parameter: "routes"))
        }
        var routes: [String: RouteSpec] = [:]
        for (name, spec) in members { routes[name] = try RouteSpec(json: spec, path: name) }
        return routes
    }

    /// A route from its JSON form; `path` names it in errors.
    public init(json: JSONValue, path: String = "route") throws {
        func fail(_ key: String, _ message: String) -> ToolboxError {
            ToolboxError(.invalidParameter, "\(key): \(message)", context: ErrorContext(parameter: key))
        }
        guard case .object(let members) = json else { throw fail(path, "a route is a mapping with strategy and arms") }
        let known: Set = ["strategy", "arms", "sticky_key", "fallback", "breaker", "reward", "seed"]
        if let unknown = members.keys.sorted().first(where: { !known.contains($0) }) {
            throw fail("\(path).\(unknown)", "unknown key; a route takes \(known.sorted().joined(separator: ", "))")
        }
        guard case .string(let strategyText)? = members["strategy"], let strategy = Strategy(rawValue: strategyText) else {
            throw fail("\(path).strategy", "missing or not one of \(Strategy.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard case .array(let armItems)? = members["arms"], !armItems.isEmpty, armItems.count <= 64 else {
            throw fail("\(path).arms", "a route needs a list of 1 to 64 arms")
        }
        var arms: [Arm] = []
        for (index, item) in armItems.enumerated() {
            let key = "\(path).arms[\(index)]"
            guard case .object(let arm) = item else { throw fail(key, "an arm is {name, model, weight}") }
            if let unknown = arm.keys.sorted().first(where: { !["name", "model", "weight"].contains($0) }) {
                throw fail("\(key).\(unknown)", "unknown key; an arm takes name, model, weight")
            }
            guard case .string(let model)? = arm["model"], !model.isEmpty else { throw fail("\(key).model", "the served model's name is required") }
            var name = model
            if let given = arm["name"] {
                guard case .string(let text) = given, !text.isEmpty else { throw fail("\(key).name", "must be a non-empty string") }
                name = text
            }
            var weight = 1.0
            if let given = arm["weight"] {
                guard case .number(let number) = given, number.isFinite, number >= 0 else { throw fail("\(key).weight", "must be a number ≥ 0") }
                weight = number
            }
            guard !arms.contains(where: { $0.name == name }) else { throw fail("\(key).name", "arm \(name) is named twice") }
            arms.append(Arm(name: name, model: model, weight: weight))
        }
        if strategy == .ab || strategy == .canary, !arms.contains(where: { $0.weight > 0 }) {
            throw fail("\(path).arms", "at least one arm needs a weight above 0")
        }
        self.init(strategy: strategy, arms: arms)
        if let given = members["sticky_key"] {
            guard case .string(let text) = given, text.hasPrefix("header:") || text.hasPrefix("field:"), text.split(separator: ":", maxSplits: 1).count == 2 else {
                throw fail("\(path).sticky_key", "is header:NAME or field:COLUMN")
            }
            stickyKey = text
        }
        if let given = members["fallback"] {
            guard case .string(let text) = given, arms.contains(where: { $0.name == text }) else {
                throw fail("\(path).fallback", "must name one of the arms (\(arms.map(\.name).joined(separator: ", ")))")
            }
            fallback = text
        }
        if let given = members["reward"] {
            guard case .string(let text) = given, let reward = Reward(rawValue: text) else { throw fail("\(path).reward", "is beta or normal") }
            self.reward = reward
        }
        if let given = members["seed"] {
            guard case .number(let number) = given, number >= 0, number == number.rounded(), number < 1.8e19 else { throw fail("\(path).seed", "is a whole number ≥ 0") }
            seed = UInt64(number)
        }
        if let given = members["breaker"] {
            guard case .object(let object) = given else { throw fail("\(path).breaker", "is a mapping") }
            var breaker = Breaker()
            for (key, value) in object {
                let location = "\(path).breaker.\(key)"
                guard case .number(let number) = value, number.isFinite, number >= 0 else { throw fail(location, "must be a number ≥ 0") }
                switch key {
                case "error_rate":
                    guard number > 0, number <= 1 else { throw fail(location, "is a share in (0, 1]") }
                    breaker.errorRate = number
                case "latency_ms": breaker.latencyMilliseconds = number
                case "window":
                    guard number >= 1, number <= 100_000, number == number.rounded() else { throw fail(location, "is a whole number 1...100000") }
                    breaker.window = Int(number)
                case "min_requests": breaker.minRequests = Int(min(number, 100_000))
                case "cooldown_seconds": breaker.cooldownSeconds = number
                default: throw fail(location, "unknown key; a breaker takes error_rate, latency_ms, window, min_requests, cooldown_seconds")
                }
            }
            self.breaker = breaker
        }
    }

    /// The route's JSON form (as `PUT /admin/routes/NAME` takes it).
    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "strategy": .string(strategy.rawValue),
            "arms": .array(arms.map { .object(["name": .string($0.name), "model": .string($0.model), "weight": .number($0.weight)]) }),
            "reward": .string(reward.rawValue),
        ]
        if let stickyKey { members["sticky_key"] = .string(stickyKey) }
        if let fallback { members["fallback"] = .string(fallback) }
        if let seed { members["seed"] = .number(Double(seed)) }
        if let breaker {
            var object: [String: JSONValue] = ["error_rate": .number(breaker.errorRate), "window": .number(Double(breaker.window)),
                                               "min_requests": .number(Double(breaker.minRequests)), "cooldown_seconds": .number(breaker.cooldownSeconds)]
            if let latency = breaker.latencyMilliseconds { object["latency_ms"] = .number(latency) }
            members["breaker"] = .object(object)
        }
        return .object(members)
    }
}

/// A route at run time: its arms' counts, breakers, reward posteriors and shadow comparisons.
public final class Router: Sendable {
    /// The route.
    public let spec: RouteSpec

    /// One arm's running numbers.
    public struct ArmStats: Sendable, Hashable {
        /// Requests sent to the arm.
        public var requests = 0
        /// Of those, answered with an error of the server's (5xx).
        public var errors = 0
        /// Feedback events joined to the arm's predictions.
        public var feedback = 0
        /// The sum of rewards, and of squared rewards.
        public var rewardSum = 0.0, rewardSquares = 0.0
        /// Feedback with a true label for a classifier: how many were right.
        public var correct = 0, labelled = 0
        /// Feedback with a true value for a regressor: absolute and squared errors summed.
        public var absoluteError = 0.0, squaredError = 0.0, valued = 0
        /// Shadow copies compared with the primary: how many, how many agreed (labels), and the
        /// summed absolute difference (values).
        public var shadowCompared = 0, shadowAgreed = 0
        /// The summed absolute difference of a shadow's values from the primary's.
        public var shadowDifference = 0.0
        /// The summed latency in seconds.
        public var latencySum = 0.0
        /// When the breaker closes again (`nil` when closed).
        public var openUntil: Date?
        /// Times the breaker opened.
        public var trips = 0

        /// The mean reward (`nil` without feedback).
        public var meanReward: Double? { feedback > 0 ? rewardSum / Double(feedback) : nil }
    }

    private struct State {
        var random: SeededGenerator
        var stats: [ArmStats]
        /// The last answers per arm: (error, latency seconds), a ring.
        var recent: [[(Bool, Double)]]
        var recentNext: [Int]
    }
    private let state: Mutex<State>

    /// A router for `spec`.
    public init(spec: RouteSpec) {
        self.spec = spec
        state = Mutex(State(random: SeededGenerator(seed: spec.seed ?? UInt64.random(in: 0...UInt64.max)), stats: Array(repeating: ArmStats(), count: spec.arms.count),
                            recent: Array(repeating: [], count: spec.arms.count), recentNext: Array(repeating: 0, count: spec.arms.count)))
    }

    /// Each arm's numbers, in arm order.
    public var stats: [ArmStats] { state.withLock { $0.stats } }

    /// The arms that answer and that get a shadow copy, for a request with sticky `key`.
    public func choose(key: String?, now: Date = Date()) -> (primary: Int, shadows: [Int]) {
        state.withLock { state in
            let open = spec.arms.indices.map { i in state.stats[i].openUntil.map { $0 > now } ?? false }
            for i in spec.arms.indices where state.stats[i].openUntil != nil && !open[i] { state.stats[i].openUntil = nil }
            let fallback = spec.fallback.flatMap { name in spec.arms.firstIndex { $0.name == name } } ?? 0
            var chosen: Int
            switch spec.strategy {
            case .shadow:
                chosen = 0
                let shadows = spec.arms.indices.dropFirst().filter { !open[$0] }
                if open[0] { chosen = fallback }
                state.stats[chosen].requests += 1
                return (chosen, Array(shadows.filter { $0 != chosen }))
            case .ab, .canary:
                let weights = spec.arms.indices.map { open[$0] ? 0 : spec.arms[$0].weight }
                let total = weights.reduce(0, +)
                guard total > 0 else {
                    chosen = fallback
                    break
                }
                let point: Double
                if spec.strategy == .canary, let key {
                    // The key's hash as a point in [0, 1): the same key, the same arm.
                    point = Double(Self.hash(key) >> 11) / Double(UInt64(1) << 53)
                } else {
                    point = state.random.nextUniform()
                }
                var cumulative = 0.0
                chosen = weights.lastIndex { $0 > 0 } ?? fallback
                for (i, weight) in weights.enumerated() where weight > 0 {
                    cumulative += weight / total
                    if point < cumulative {
                        chosen = i
                        break
                    }
                }
            case .bandit:
                var best = -Double.infinity
                chosen = fallback
                for i in spec.arms.indices where !open[i] {
                    let stats = state.stats[i]
                    let draw: Double
                    switch spec.reward {
                    case .beta:
                        let successes = max(0, stats.rewardSum), failures = max(0, Double(stats.feedback) - stats.rewardSum)
                        draw = Self.beta(1 + successes, 1 + failures, using: &state.random)
                    case .normal:
                        // The posterior of the mean under a flat prior: N(mean, s² / n), with a wide
                        // start until an arm has two rewards.
                        let n = Double(stats.feedback)
                        if n < 2 {
                            draw = state.random.nextNormal(mean: n == 1 ? stats.rewardSum : 0, standardDeviation: 1e6)
                        } else {
                            let mean = stats.rewardSum / n
                            let variance = max((stats.rewardSquares - n * mean * mean) / (n - 1), 1e-12)
                            draw = state.random.nextNormal(mean: mean, standardDeviation: (variance / n).squareRoot())
                        }
                    }
                    if draw > best {
                        best = draw
                        chosen = i
                    }
                }
            }
            state.stats[chosen].requests += 1
            return (chosen, [])
        }
    }

    /// Records an arm's answer: a server error or not, and its latency; opens the breaker
    /// when the arm crosses a threshold.
    public func record(arm: Int, error: Bool, seconds: Double, now: Date = Date()) {
        state.withLock { state in
            if error { state.stats[arm].errors += 1 }
            state.stats[arm].latencySum += seconds
            guard let breaker = spec.breaker else { return }
            if state.recent[arm].count < breaker.window {
                state.recent[arm].append((error, seconds))
            } else {
                state.recent[arm][state.recentNext[arm]] = (error, seconds)
                state.recentNext[arm] = (state.recentNext[arm] + 1) % breaker.window
            }
            let recent = state.recent[arm]
            guard recent.count >= max(1, breaker.minRequests), state.stats[arm].openUntil == nil else { return }
            let errorRate = Double(recent.filter(\.0).count) / Double(recent.count)
            let latency = recent.reduce(0) { $0 + $1.1 } / Double(recent.count) * 1000
            if errorRate >= breaker.errorRate || (breaker.latencyMilliseconds.map { latency >= $0 } ?? false) {
                state.stats[arm].openUntil = now.addingTimeInterval(breaker.cooldownSeconds)
                state.stats[arm].trips += 1
                state.recent[arm] = []
                state.recentNext[arm] = 0
            }
        }
    }

    /// Feedback for a prediction the arm made: a reward, and the true label or value when given.
    public func feedback(arm: Int, reward: Double, correct: Bool?, error: Double?) {
        state.withLock { state in
            state.stats[arm].feedback += 1
            state.stats[arm].rewardSum += reward
            state.stats[arm].rewardSquares += reward * reward
            if let correct {
                state.stats[arm].labelled += 1
                if correct { state.stats[arm].correct += 1 }
            }
            if let error {
                state.stats[arm].valued += 1
                state.stats[arm].absoluteError += abs(error)
                state.stats[arm].squaredError += error * error
            }
        }
    }

    /// A shadow arm's answer compared with the primary's.
    public func shadowCompared(arm: Int, agreed: Int, rows: Int, difference: Double) {
        state.withLock { state in
            state.stats[arm].shadowCompared += rows
            state.stats[arm].shadowAgreed += agreed
            state.stats[arm].shadowDifference += difference
        }
    }

    /// FNV-1a of the key's bytes, then SplitMix64's finalizer (so near keys spread evenly).
    static func hash(_ key: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
        h = (h ^ (h >> 30)) &* 0xbf58_476d_1ce4_e5b9
        h = (h ^ (h >> 27)) &* 0x94d0_49bb_1331_11eb
        return h ^ (h >> 31)
    }

    /// A Beta(a, b) draw, from two Gamma draws (Marsaglia and Tsang).
    static func beta(_ a: Double, _ b: Double, using random: inout SeededGenerator) -> Double {
        let x = gamma(a, using: &random), y = gamma(b, using: &random)
        return x / (x + y)
    }

    static func gamma(_ shape: Double, using random: inout SeededGenerator) -> Double {
        if shape < 1 {
            let u = max(random.nextUniform(), .leastNonzeroMagnitude)
            return gamma(shape + 1, using: &random) * pow(u, 1 / shape)
        }
        let d = shape - 1.0 / 3.0, c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double, v: Double
            repeat {
                x = random.nextNormal()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = random.nextUniform()
            if u < 1 - 0.0331 * x * x * x * x { return d * v }
            if log(max(u, .leastNonzeroMagnitude)) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v }
        }
    }
}
