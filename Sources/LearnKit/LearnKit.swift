public import ToolboxCore

/// LearnKit's registration with the model registry.
public enum LearnKit {
    /// Registers every LearnKit estimator (by its type name, for workflow files) and fitted
    /// model type (for archives). Calling it again is harmless.
    public static func registerModels(in registry: ModelRegistry = .shared) {
        registry.register(estimator: LinearRegression.self, name: "LinearRegression")
        registry.register(estimator: Ridge.self, name: "Ridge")
        registry.register(estimator: Lasso.self, name: "Lasso")
        registry.register(estimator: ElasticNet.self, name: "ElasticNet")
        registry.register(estimator: LogisticRegression.self, name: "LogisticRegression")
        registry.register(estimator: DecisionTreeClassifier.self, name: "DecisionTreeClassifier")
        registry.register(estimator: DecisionTreeRegressor.self, name: "DecisionTreeRegressor")
        registry.register(estimator: RandomForestClassifier.self, name: "RandomForestClassifier")
        registry.register(estimator: RandomForestRegressor.self, name: "RandomForestRegressor")
    }
}
