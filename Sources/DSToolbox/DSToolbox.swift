// The umbrella module: `import DSToolbox` brings in every kit, and `Toolbox.registerAll()`
// registers every kit's estimators and models (the one thing only the umbrella can know).
@_exported import ToolboxCore
@_exported import SEGYKit
@_exported import LearnKit
@_exported import FeatureKit
@_exported import DriftKit
@_exported import VectorKit
@_exported import TrackKit
@_exported import TuneKit

/// The whole toolbox at once.
public enum Toolbox {
    /// Registers every kit's estimators (qualified names and short aliases) and fitted model
    /// types, so workflow files, the CLI, TrackKit and ServeKit build estimators and load any
    /// archive by name alone. Calling it again is harmless.
    /// - Throws: ``ToolboxError/Code/invalidParameter`` when a name is already registered to
    ///   another type (a custom estimator that took a toolbox name).
    public static func registerAll(in registry: ModelRegistry = .shared) throws {
        try LearnKit.registerModels(in: registry)
        try FeatureKit.registerModels(in: registry)
    }
}
