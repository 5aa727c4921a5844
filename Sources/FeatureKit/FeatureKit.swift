public import ToolboxCore

/// FeatureKit's registration with the model registry.
public enum FeatureKit {
    /// Every FeatureKit estimator: qualified name, short alias (scikit-learn's class name in snake
    /// case) and type.
    public static let estimators: [(name: String, alias: String, type: any Estimator.Type)] = [
        ("FeatureKit.StandardScaler", "standard_scaler", StandardScaler.self),
        ("FeatureKit.MinMaxScaler", "min_max_scaler", MinMaxScaler.self),
        ("FeatureKit.MaxAbsScaler", "max_abs_scaler", MaxAbsScaler.self),
        ("FeatureKit.RobustScaler", "robust_scaler", RobustScaler.self),
        ("FeatureKit.SimpleImputer", "simple_imputer", SimpleImputer.self),
        ("FeatureKit.KNNImputer", "knn_imputer", KNNImputer.self),
        ("FeatureKit.OneHotEncoder", "one_hot_encoder", OneHotEncoder.self),
        ("FeatureKit.OrdinalEncoder", "ordinal_encoder", OrdinalEncoder.self),
        ("FeatureKit.TargetEncoder", "target_encoder", TargetEncoder.self),
        ("FeatureKit.PCA", "pca", PCA.self),
        ("FeatureKit.ColumnTransformer", "column_transformer", ColumnTransformer.self),
        ("FeatureKit.TraceFeatureExtractor", "trace_feature_extractor", TraceFeatureExtractor.self),
        ("FeatureKit.TraceEmbedding", "trace_embedding", TraceEmbedding.self),
    ]

    /// Every FeatureKit table step (see `TableEstimator`): qualified name, alias and type.
    public static let tableEstimators: [(name: String, alias: String, type: any TableEstimator.Type)] = [
        ("FeatureKit.TfidfVectorizer", "tfidf_vectorizer", TfidfVectorizer.self),
        ("FeatureKit.TimeSeriesFeatures", "time_series_features", TimeSeriesFeatures.self),
    ]

    /// Registers every FeatureKit estimator and table step (qualified name and alias) and
    /// fitted model type. Calling it again is harmless.
    /// - Throws: `ToolboxError/Code/invalidParameter` when a name is already taken by another type.
    public static func registerModels(in registry: ModelRegistry = .shared) throws {
        for entry in estimators {
            try register(entry.type, name: entry.name, alias: entry.alias, in: registry)
        }
        for entry in tableEstimators {
            try registerTableStep(entry.type, name: entry.name, alias: entry.alias, in: registry)
        }
    }

    private static func registerTableStep<E: TableEstimator>(_ type: E.Type, name: String, alias: String, in registry: ModelRegistry) throws {
        try registry.register(tableEstimator: type, name: name, aliases: [alias])
    }

    private static func register<E: Estimator>(_ type: E.Type, name: String, alias: String, in registry: ModelRegistry) throws {
        try registry.register(estimator: type, name: name, aliases: [alias])
    }
}
