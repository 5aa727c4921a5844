/// Another library's model file format that DS Toolbox reads as a fitted model.
public struct ModelImporter: Sendable {
    /// A short name for messages (`lightgbm-text`).
    public var name: String
    /// Whether a file starting with these bytes (up to 64) is in this format.
    public var recognizes: @Sendable ([UInt8]) -> Bool
    /// The model in the whole file's bytes.
    public var decode: @Sendable ([UInt8]) throws -> any FittedModel

    /// A format named `name`, recognized by a file's first bytes and decoded from all of them.
    public init(name: String, recognizes: @escaping @Sendable ([UInt8]) -> Bool, decode: @escaping @Sendable ([UInt8]) throws -> any FittedModel) {
        self.name = name
        self.recognizes = recognizes
        self.decode = decode
    }
}

/// Loading a fitted model from a file of any format the registry knows, recognised by content:
/// a DS Toolbox archive, or another library's model file that a kit registered an importer for
/// (LearnKit: LightGBM text models, XGBoost JSON and UBJSON).
///
/// ```swift
/// try Toolbox.registerAll()
/// let model = try ModelFile.load("churn.txt")                          // a LightGBM model
/// let forest = try ModelFile.load(ForestClassifierModel.self, from: "forest.dstbx")
/// ```
public enum ModelFile {
    /// The largest model file read: 4 GiB.
    public static let maximumSize = 1 << 32

    /// The model in the file at `path`.
    /// - Throws: ``ToolboxError/Code/unsupported`` for a format nothing registered reads
    ///   (naming the file), and what reading and decoding throw (naming the file and offset).
    public static func load(_ path: String, registry: ModelRegistry = .shared) throws -> any FittedModel {
        try decode(try RegularFile.read(path, limit: maximumSize), path: path, registry: registry)
    }

    /// The model in the file at `path`, which must be of type `Model`.
    /// - Throws: ``ToolboxError/Code/invalidData`` naming both types when it is another model.
    public static func load<Model: FittedModel>(_ type: Model.Type, from path: String, registry: ModelRegistry = .shared) throws -> Model {
        try typed(try load(path, registry: registry), as: type, path: path)
    }

    /// The model in `bytes` (the contents of `path`, when given, for messages).
    public static func decode(_ bytes: [UInt8], path: String? = nil, registry: ModelRegistry = .shared) throws -> any FittedModel {
        if bytes.starts(with: ModelArchive.magic) { return try ModelArchive.decode(from: bytes, path: path, registry: registry) }
        let head = Array(bytes.prefix(64))
        for importer in registry.importers where importer.recognizes(head) {
            do {
                return try importer.decode(bytes)
            } catch var error as ToolboxError {
                error.context.path = error.context.path ?? path
                throw error
            }
        }
        let known = (["a DS Toolbox model archive"] + registry.importers.map(\.name)).joined(separator: ", ")
        throw ToolboxError(.unsupported, "not a model file this build reads (it reads \(known))", context: ErrorContext(path: path, byteOffset: 0))
    }

    /// `model` as `Model`, or an error naming both types.
    public static func typed<Model: FittedModel>(_ model: any FittedModel, as type: Model.Type, path: String? = nil) throws -> Model {
        guard let typed = model as? Model else {
            throw ToolboxError(.invalidData, "the model is a \(Swift.type(of: model).modelTypeName), not a \(Model.modelTypeName)",
                               context: ErrorContext(path: path))
        }
        return typed
    }
}
