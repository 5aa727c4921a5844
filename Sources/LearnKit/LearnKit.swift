public import ToolboxCore

/// LearnKit's registration with the model registry.
public enum LearnKit {
    /// Every LearnKit estimator: qualified name, short alias (scikit-learn's class name in snake
    /// case) and type.
    public static let estimators: [(name: String, alias: String, type: any Estimator.Type)] = [
        ("LearnKit.LinearRegression", "linear_regression", LinearRegression.self),
        ("LearnKit.Ridge", "ridge", Ridge.self),
        ("LearnKit.Lasso", "lasso", Lasso.self),
        ("LearnKit.ElasticNet", "elastic_net", ElasticNet.self),
        ("LearnKit.LogisticRegression", "logistic_regression", LogisticRegression.self),
        ("LearnKit.DecisionTreeClassifier", "decision_tree_classifier", DecisionTreeClassifier.self),
        ("LearnKit.DecisionTreeRegressor", "decision_tree_regressor", DecisionTreeRegressor.self),
        ("LearnKit.RandomForestClassifier", "random_forest_classifier", RandomForestClassifier.self),
        ("LearnKit.RandomForestRegressor", "random_forest_regressor", RandomForestRegressor.self),
        ("LearnKit.HistGradientBoostingClassifier", "hist_gradient_boosting_classifier", HistGradientBoostingClassifier.self),
        ("LearnKit.HistGradientBoostingRegressor", "hist_gradient_boosting_regressor", HistGradientBoostingRegressor.self),
    ]

    /// Registers every LearnKit estimator (qualified name and alias) and fitted model type.
    /// Calling it again is harmless.
    /// - Throws: `ToolboxError/Code/invalidParameter` when a name is already taken by another type.
    public static func registerModels(in registry: ModelRegistry = .shared) throws {
        for entry in estimators {
            try register(entry.type, name: entry.name, alias: entry.alias, in: registry)
        }
        // Models read from LightGBM and XGBoost files (no estimator of ours fits them).
        try registry.register(model: ImportedBoostedClassifier.self)
        try registry.register(model: ImportedBoostedRegressor.self)
        // ModelFile reads their files by content, wherever a model file is taken.
        registry.register(importer: ModelImporter(name: "a LightGBM text model, an XGBoost JSON or UBJSON model",
                                                  recognizes: { ModelImport.recognizes($0) }, decode: { try ModelImport.decode($0) }))
    }

    private static func register<E: Estimator>(_ type: E.Type, name: String, alias: String, in registry: ModelRegistry) throws {
        try registry.register(estimator: type, name: name, aliases: [alias])
    }
}
