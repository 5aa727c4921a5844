/// The kind of a feature column, as recorded in a model archive.
public enum FeatureKind: String, Codable, Sendable, Hashable {
    case numeric
    case categorical
}

/// A named, typed input feature.
public struct FeatureDescriptor: Codable, Sendable, Hashable {
    /// The column name.
    public var name: String
    /// Numeric or categorical.
    public var kind: FeatureKind

    /// A column named `name` of the given kind.
    public init(name: String, kind: FeatureKind) {
        self.name = name
        self.kind = kind
    }
}

/// What a caller may record beside a model in its archive.
public struct ArchiveMetadata: Sendable, Hashable {
    /// The input features, by name and kind, in column order.
    public var features: [FeatureDescriptor]?
    /// A fingerprint of the training data (see ``DataFingerprint``).
    public var trainingDataFingerprint: String?
    /// Free-form string annotations.
    public var annotations: [String: String]

    /// Metadata with the given features, training-data fingerprint and annotations (all optional).
    public init(features: [FeatureDescriptor]? = nil, trainingDataFingerprint: String? = nil,
                annotations: [String: String] = [:]) {
        self.features = features
        self.trainingDataFingerprint = trainingDataFingerprint
        self.annotations = annotations
    }
}

/// The JSON manifest at the start of every model archive: readable without knowing the model type.
public struct ArchiveManifest: Codable, Sendable, Hashable {
    /// The archive container's format version.
    public var formatVersion: Int
    /// ``FittedModel/modelTypeName`` of the stored model.
    public var modelType: String
    /// ``FittedModel/modelFormatVersion`` of the stored model.
    public var modelFormatVersion: Int
    /// The library version that wrote the archive.
    public var writer: String
    /// The hyperparameters, as JSON.
    public var hyperparameters: JSONValue
    /// The number of input features the model expects.
    public var inputFeatureCount: Int
    /// The input features, when known.
    public var features: [FeatureDescriptor]?
    /// A fingerprint of the training data, when given.
    public var trainingDataFingerprint: String?
    /// Free-form annotations.
    public var annotations: [String: String]
    /// The binary blocks in the archive's binary section.
    public var blobs: [ArchiveBlob]
}

/// A fingerprint of training data: the SHA-256 of its shape and bytes.
public enum DataFingerprint {
    /// `sha256:<hex>` over the shape of `x`, its values and `y` (native little-endian doubles).
    public static func of(_ x: Matrix<Double>, _ y: [Double] = []) -> String {
        var hasher = ContentSHA256()
        hasher.update(elements: [Int64(x.rows), Int64(x.columns), Int64(y.count)])
        x.withUnsafeBufferPointer { hasher.update(UnsafeRawBufferPointer($0)) }
        hasher.update(elements: y)
        return "sha256:" + hasher.finalize().hexString
    }
}
