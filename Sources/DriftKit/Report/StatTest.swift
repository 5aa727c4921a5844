import Foundation
import ToolboxCore

/// The tests and distances a drift report can run on a column, by the names Evidently uses
/// (aliases accepted when parsing: `chisquare`, `z_test`, `js`, `kl_div`, `cramer_von_mises`,
/// `fisher_exact`, `wasserstein_normed`).
public enum StatTest: String, Sendable, Hashable, Codable, CaseIterable {
    /// Kolmogorov–Smirnov (numbers).
    case ks
    /// Chi-square goodness of fit over the union of categories.
    case chi2
    /// Z-test for the difference of proportions (two categories).
    case z
    /// Fisher's exact test (two categories).
    case fisher
    /// Anderson–Darling k-sample (numbers).
    case anderson
    /// Cramér–von Mises (numbers).
    case cvm
    /// Maximum mean discrepancy with a permutation p-value (numbers).
    case mmd
    /// Normed Wasserstein-1 distance (numbers).
    case wasserstein
    /// Jensen–Shannon distance of bins or categories.
    case jensenshannon
    /// Population stability index of bins or categories.
    case psi
    /// Kullback–Leibler divergence of bins or categories.
    case kl
    /// Hellinger distance of bins or categories.
    case hellinger

    /// Parses a name or alias.
    public init?(name: String) {
        let aliases: [String: StatTest] = ["chisquare": .chi2, "chi_square": .chi2, "z_test": .z, "ztest": .z, "fisher_exact": .fisher,
                                           "cramer_von_mises": .cvm, "js": .jensenshannon, "jensen_shannon": .jensenshannon,
                                           "kl_div": .kl, "wasserstein_normed": .wasserstein, "anderson_darling": .anderson]
        guard let test = StatTest(rawValue: name.lowercased()) ?? aliases[name.lowercased()] else { return nil }
        self = test
    }

    /// Whether the test gives a p-value (drift when it falls below the threshold) rather than
    /// a distance (drift when it reaches the threshold).
    public var hasPValue: Bool {
        switch self {
        case .ks, .chi2, .z, .fisher, .anderson, .cvm, .mmd: true
        case .wasserstein, .jensenshannon, .psi, .kl, .hellinger: false
        }
    }

    /// The threshold used when none is given: 0.05 for p-values, 0.1 for distances (Evidently's
    /// defaults).
    public var defaultThreshold: Double { hasPValue ? 0.05 : 0.1 }

    /// Whether the test needs numbers (it cannot run on categories).
    public var needsNumbers: Bool {
        switch self {
        case .ks, .anderson, .cvm, .mmd, .wasserstein: true
        default: false
        }
    }

    /// Whether the test needs the raw reference values (a saved profile cannot run it).
    public var needsRawReference: Bool {
        switch self {
        case .anderson, .cvm, .mmd: true
        default: false
        }
    }
}

/// How p-values are corrected for testing many columns at once.
public enum Correction: String, Sendable, Hashable, Codable, CaseIterable {
    /// None: each column at its own threshold.
    case none
    /// Bonferroni: p × (number of p-value tests), at most 1.
    case bonferroni
    /// Benjamini–Hochberg: the false discovery rate's adjusted p-values.
    case benjaminiHochberg = "bh"

    /// The adjusted p-values, in the same order.
    public func adjust(_ pValues: [Double]) -> [Double] {
        let m = Double(pValues.count)
        switch self {
        case .none:
            return pValues
        case .bonferroni:
            return pValues.map { min(1, $0 * m) }
        case .benjaminiHochberg:
            let order = pValues.indices.sorted { pValues[$0] < pValues[$1] }
            var adjusted = [Double](repeating: 0, count: pValues.count)
            var running = 1.0
            for (rank, index) in order.enumerated().reversed() {
                running = min(running, pValues[index] * m / Double(rank + 1))
                adjusted[index] = min(1, running)
            }
            return adjusted
        }
    }
}
