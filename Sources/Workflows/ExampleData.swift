public import ToolboxCore
import Foundation
import SEGYKit

/// Seeded example data sets for the templates, the examples and the README (`dstoolbox data
/// generate --kind churn|survey|documents|procurement`): the same seed gives the same data.
public enum ExampleData {
    struct Random {
        var generator: SeededGenerator
        init(_ seed: UInt64) { generator = SeededGenerator(seed: seed) }
        mutating func uniform() -> Double { Double(generator.next() >> 11) / Double(1 << 53) }
        mutating func uniform(_ low: Double, _ high: Double) -> Double { low + (high - low) * uniform() }
        mutating func normal() -> Double {
            let u = max(uniform(), 1e-300), v = uniform()
            return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
        }
        mutating func integer(_ count: Int) -> Int { Int(uniform() * Double(count)) % max(count, 1) }
        mutating func pick<T>(_ items: [T]) -> T { items[integer(items.count)] }
        mutating func chance(_ p: Double) -> Bool { uniform() < p }
    }

    // MARK: Churn

    /// Customers of a subscription service: an identifier, numbers with missing values, two
    /// categorical columns, a free-text support note, and whether the customer left (`churned`,
    /// 0 or 1), which depends on all of them. `shift` moves the numbers' distributions (drift).
    public static func churn(rows: Int, seed: UInt64, shift: Double = 0) throws -> DataTable {
        var random = Random(seed)
        let plans = ["basic", "standard", "premium"], regions = ["north", "south", "east", "west"]
        let happy = ["happy with the service", "asked about an upgrade", "praised support", "no issues reported", "renewed early"]
        let unhappy = ["billing complaint", "slow connection again", "considering cancelling", "asked how to cancel", "competitor offer mentioned"]
        let neutral = ["changed address", "updated payment card", "asked about invoice", "no contact", "reset password"]
        var ids: [String?] = [], tenure: [Double] = [], charges: [Double] = [], plan: [String?] = [], region: [String?] = [], note: [String?] = [], churned: [Double] = []
        for row in 0..<rows {
            let chosenPlan = random.pick(plans)
            let chosenRegion = random.pick(regions)
            let months = max(0, min(120, (random.uniform(0, 72) * (1 - 0.4 * shift)).rounded()))
            let base = chosenPlan == "basic" ? 35.0 : chosenPlan == "standard" ? 65 : 95
            let charge = max(10, base * (1 + 0.35 * shift) + 12 * random.normal())
            var logit = -1.2 + 0.045 * (charge - 60) - 0.05 * (months - 30) + (chosenPlan == "premium" ? -0.5 : 0) + (chosenRegion == "south" ? 0.4 : 0)
            let mood = random.uniform()
            let text: String
            if mood < 0.3 {
                text = random.pick(unhappy) + (random.chance(0.5) ? "; " + random.pick(neutral) : "")
                logit += 1.6
            } else if mood < 0.55 {
                text = random.pick(happy)
                logit -= 1.2
            } else {
                text = random.pick(neutral)
            }
            let probability = 1 / (1 + exp(-logit))
            ids.append(String(format: "C%06d", row + 1 + Int(seed % 1000) * 1_000_000))
            tenure.append(random.chance(0.03) ? .nan : months)
            charges.append(random.chance(0.02) ? .nan : (charge * 100).rounded() / 100)
            plan.append(chosenPlan)
            region.append(random.chance(0.02) ? nil : chosenRegion)
            note.append(random.chance(0.04) ? nil : text)
            churned.append(random.chance(probability) ? 1 : 0)
        }
        return try DataTable([("customer_id", .categorical(ids)), ("tenure_months", .numeric(tenure)), ("monthly_charges", .numeric(charges)),
                              ("plan", .categorical(plan)), ("region", .categorical(region)), ("support_note", .categorical(note)), ("churned", .numeric(churned))])
    }

    // MARK: Documents

    /// Short documents on four topics (`geology`, `finance`, `medicine`, `sport`), their words
    /// drawn mostly from the topic's vocabulary: `doc_id`, `text`, `topic`.
    public static func documents(rows: Int, seed: UInt64) throws -> DataTable {
        var random = Random(seed)
        let topics = ExampleData.topics.keys.sorted()
        var ids: [String?] = [], texts: [String?] = [], labels: [String?] = []
        for row in 0..<rows {
            let topic = topics[row % topics.count]
            ids.append("doc-\(row + 1)")
            texts.append(document(topic: topic, words: 18 + random.integer(20), random: &random))
            labels.append(topic)
        }
        return try DataTable([("doc_id", .categorical(ids)), ("text", .categorical(texts)), ("topic", .categorical(labels))])
    }

    static let topics: [String: [String]] = [
        "geology": ["seismic", "reservoir", "sandstone", "shale", "fault", "horizon", "porosity", "well", "basin", "sediment", "facies", "amplitude", "reflection", "core", "stratigraphy"],
        "finance": ["revenue", "margin", "invoice", "budget", "forecast", "supplier", "contract", "price", "cost", "quarter", "cash", "audit", "procurement", "tax", "dividend"],
        "medicine": ["patient", "dose", "clinical", "trial", "symptom", "diagnosis", "therapy", "vaccine", "hospital", "nurse", "chronic", "infection", "surgery", "blood", "pharmacy"],
        "sport": ["match", "league", "goal", "coach", "season", "player", "tournament", "score", "training", "stadium", "referee", "champion", "team", "transfer", "injury"],
    ]
    static let common = ["the", "a", "report", "new", "data", "review", "team", "update", "this", "week", "plan", "study", "result", "level", "change", "group"]

    static func document(topic: String, words: Int, random: inout Random) -> String {
        let vocabulary = topics[topic] ?? []
        let others = topics.filter { $0.key != topic }.flatMap(\.value)
        return (0..<words).map { _ in
            let draw = random.uniform()
            return draw < 0.45 ? random.pick(vocabulary) : draw < 0.9 ? random.pick(common) : random.pick(others)
        }.joined(separator: " ")
    }

    // MARK: Survey

    /// The facies of the example survey, in label order.
    public static let facies = ["carbonate", "sand", "shale"]

    /// A SEG-Y survey on an inline x crossline grid with labelled facies: each facies has its
    /// own wavelet frequency and reflection strength (carbonate: strong, high frequency; sand:
    /// medium, mid frequency; shale: weak, low frequency), facies follow smooth zones of the grid,
    /// and every trace has noise. Writes the survey to `path` and returns the labels
    /// (`trace`, `facies`). `shift` scales amplitudes and frequencies up (drift).
    @discardableResult
    public static func survey(path: String, traces: Int, seed: UInt64, samples: Int = 200, shift: Double = 0) throws -> DataTable {
        var random = Random(seed)
        // A whole grid (so the survey has a geometry): crosslines per line, the largest divisor of the trace count up to its square root.
        let side = max(1, (1...max(1, Int(Double(traces).squareRoot()))).last { traces % $0 == 0 } ?? 1)
        let spec = SEGYSpec(sampleCount: samples, sampleInterval: 4000)
        let writer = try SEGYWriter(path: path, spec: spec)
        var labels: [String?] = []
        let dt = 0.004
        do {
            for trace in 0..<traces {
                let inline = trace / side, crossline = trace % side
                // Smooth zones with a ragged edge.
                let lines = Double(max(1, traces / side))
                let zone = sin(Double(inline) / lines * 3.1) + cos(Double(crossline) / Double(side) * 4.3) + 0.35 * random.normal()
                let facies = zone > 0.8 ? 0 : zone > -0.2 ? 1 : 2
                let frequency = [44.0, 30, 19][facies] * (1 + 0.25 * shift) * (1 + 0.1 * random.normal())
                let strength = [1.35, 1.0, 0.7][facies] * (1 + shift) * (1 + 0.1 * random.normal())
                var values = [Double](repeating: 0, count: samples)
                // Reflections at random times, each a Ricker wavelet of the facies' frequency.
                let reflections = 6 + random.integer(6)
                for _ in 0..<reflections {
                    let center = random.uniform(0.05, Double(samples) * dt - 0.05)
                    let amplitude = strength * random.uniform(0.5, 1.0) * (random.chance(0.5) ? 1 : -1)
                    for k in 0..<samples {
                        let t = Double(k) * dt - center
                        let a = pow(Double.pi * frequency * t, 2)
                        values[k] += amplitude * (1 - 2 * a) * exp(-a)
                    }
                }
                for k in 0..<samples { values[k] += 0.2 * random.normal() }
                var header = TraceHeader()
                try header.setValue(100 + inline, for: .inline)
                try header.setValue(1000 + crossline, for: .crossline)
                try header.setValue(samples, for: .sampleCount)
                try header.setValue(4000, for: .sampleInterval)
                try writer.append(header: header, samples: values.map(Float.init))
                labels.append(Self.facies[facies])
            }
            try writer.close()
        } catch {
            writer.discard()
            throw error
        }
        return try DataTable([("trace", .numeric((0..<traces).map(Double.init))), ("facies", .categorical(labels))])
    }

    // MARK: Procurement

    /// Monthly unit costs of parts bought from suppliers: `date` (ISO month), `part`, `supplier`,
    /// `quantity`, `steel_index` (a commodity price index), `unit_cost`. Costs follow the index
    /// with a lag, quantity discounts, a supplier premium and seasonality.
    public static func procurement(months: Int, parts: Int, seed: UInt64) throws -> DataTable {
        var random = Random(seed)
        let suppliers = ["acme", "bolt", "crown"]
        var index = [Double](repeating: 100, count: months)
        for m in 1..<months { index[m] = index[m - 1] * (1 + 0.01 + 0.03 * random.normal()) }
        var dates: [String?] = [], partNames: [String?] = [], supplierNames: [String?] = [], quantities: [Double] = [], indices: [Double] = [], costs: [Double] = []
        let baseCost = (0..<parts).map { _ in random.uniform(5, 50) }
        for m in 0..<months {
            let year = 2020 + m / 12, month = m % 12 + 1
            for p in 0..<parts {
                let supplier = suppliers[(p + m / 6) % suppliers.count]
                let quantity = (random.uniform(50, 1000)).rounded()
                let lagged = index[max(0, m - 2)]
                let cost = baseCost[p] * (lagged / 100) * (1 - 0.08 * log(quantity / 50) / log(20)) * (supplier == "crown" ? 1.07 : 1)
                    * (1 + 0.03 * sin(2 * .pi * Double(month) / 12)) * (1 + 0.02 * random.normal())
                dates.append(String(format: "%04d-%02d-01", year, month))
                partNames.append("P\(100 + p)")
                supplierNames.append(supplier)
                quantities.append(quantity)
                indices.append((index[m] * 100).rounded() / 100)
                costs.append((cost * 100).rounded() / 100)
            }
        }
        return try DataTable([("date", .categorical(dates)), ("part", .categorical(partNames)), ("supplier", .categorical(supplierNames)),
                              ("quantity", .numeric(quantities)), ("steel_index", .numeric(indices)), ("unit_cost", .numeric(costs))])
    }
}
