package import Foundation

/// Saves fitted models to one file and loads them back, validating everything before use.
///
/// An archive is a small fixed header, a JSON manifest (``ArchiveManifest``: model type, format
/// versions, hyperparameters, feature schema, training-data fingerprint, binary block table), the
/// model's own JSON encoding, and a binary section holding its large arrays (``BinaryArray``).
/// Each section's length and SHA-256 are in the header, so truncation and corruption are caught
/// before anything is decoded. Loading decodes data only: it never runs code from the file.
///
/// ```swift
/// try ModelArchive.save(model, to: "scaler.dstb")
/// let same = try ModelArchive.load(StandardScalerModel.self, from: "scaler.dstb")
/// let any = try ModelArchive.load(from: "scaler.dstb")          // via ModelRegistry
/// ```
///
/// Layout (all integers little-endian):
///
/// | offset | size | field |
/// |---|---|---|
/// | 0 | 8 | magic `DSTBXARC` |
/// | 8 | 4 | container format version (1) |
/// | 12 | 4 | section count (3) |
/// | 16 | 3 × 40 | per section: length (u64) and SHA-256 (32 bytes) |
/// | 136 | … | manifest JSON, model JSON, binary section |
public enum ModelArchive {
    /// The container format version this build writes and reads.
    public static let formatVersion = 1
    /// The first eight bytes of every archive.
    public static let magic: [UInt8] = Array("DSTBXARC".utf8)
    /// The version string written to manifests.
    public static let writer = "DSToolbox \(DSToolboxVersion.current)"

    private static let sectionCount = 3
    private static let headerLength = 16 + sectionCount * 40

    // MARK: Saving

    /// Encodes `model` as archive bytes.
    public static func encode<Model: FittedModel>(_ model: Model, metadata: ArchiveMetadata = ArchiveMetadata()) throws -> [UInt8] {
        let sink = BlobSink()
        let encoder = makeEncoder()
        encoder.userInfo[.archiveBlobSink] = sink
        let modelJSON: Data
        let hyperparameterJSON: Data
        do {
            modelJSON = try encoder.encode(model)
            hyperparameterJSON = try makeEncoder().encode(model.hyperparameters)
        } catch {
            throw ToolboxError(.invalidParameter, "model of type \(Model.modelTypeName) could not be encoded: \(error)")
        }
        let (table, blobBytes) = sink.contents
        let hyperparameters = (try? makeDecoder().decode(JSONValue.self, from: hyperparameterJSON)) ?? .null
        let manifest = ArchiveManifest(
            formatVersion: formatVersion, modelType: Model.modelTypeName,
            modelFormatVersion: Model.modelFormatVersion, writer: writer,
            hyperparameters: hyperparameters, inputFeatureCount: model.inputFeatureCount,
            features: metadata.features ?? model.schema.featureDescriptors, trainingDataFingerprint: metadata.trainingDataFingerprint,
            annotations: metadata.annotations, blobs: table)
        let manifestJSON = try makeEncoder(pretty: true).encode(manifest)
        let sections: [[UInt8]] = [Array(manifestJSON), Array(modelJSON), blobBytes]

        var bytes = magic
        appendLittleEndian(UInt32(formatVersion), to: &bytes)
        appendLittleEndian(UInt32(sectionCount), to: &bytes)
        for section in sections {
            appendLittleEndian(UInt64(section.count), to: &bytes)
            bytes.append(contentsOf: ContentSHA256.hash(section).bytes)
        }
        for section in sections { bytes.append(contentsOf: section) }
        return bytes
    }

    /// Writes `model` to `path` atomically: an existing file is replaced only once the new one
    /// is complete and flushed; a directory or special file at `path` is refused.
    public static func save<Model: FittedModel>(_ model: Model, to path: String, metadata: ArchiveMetadata = ArchiveMetadata()) throws {
        try RegularFile.replace(path, with: try encode(model, metadata: metadata))
    }

    // MARK: Loading

    /// Decodes a model of a known type from archive bytes.
    /// - Throws: ``ToolboxError/Code/corruptArchive`` for a truncated, corrupted or inconsistent
    ///   archive, ``ToolboxError/Code/unsupported`` for another model type or a newer version.
    public static func decode<Model: FittedModel>(_ type: Model.Type, from bytes: [UInt8], path: String? = nil) throws -> Model {
        let opened = try open(bytes, path: path)
        guard opened.manifest.modelType == Model.modelTypeName else {
            throw ToolboxError(.unsupported,
                               "archive holds a \(opened.manifest.modelType), not a \(Model.modelTypeName)",
                               context: ErrorContext(path: path))
        }
        return try decodeModel(Model.self, opened, path: path)
    }

    /// Loads a model of a known type from `path`.
    public static func load<Model: FittedModel>(_ type: Model.Type, from path: String) throws -> Model {
        try decode(Model.self, from: try readFile(path), path: path)
    }

    /// Decodes a model of any type registered in `registry`.
    public static func decode(from bytes: [UInt8], path: String? = nil, registry: ModelRegistry = .shared) throws -> any FittedModel {
        let opened = try open(bytes, path: path)
        guard let type = registry.modelType(named: opened.manifest.modelType) else {
            throw ToolboxError(.unsupported,
                               "model type \(opened.manifest.modelType) is not registered; import its kit and register its models",
                               context: ErrorContext(path: path))
        }
        return try decodeModel(type, opened, path: path, registry: registry)
    }

    /// Loads a model of any type registered in `registry` from `path`.
    public static func load(from path: String, registry: ModelRegistry = .shared) throws -> any FittedModel {
        try decode(from: try readFile(path), path: path, registry: registry)
    }

    /// Reads and validates the manifest of archive bytes.
    public static func manifest(of bytes: [UInt8]) throws -> ArchiveManifest {
        try open(bytes, path: nil).manifest
    }

    /// Reads and validates only the manifest of the archive at `path`.
    public static func manifest(at path: String) throws -> ArchiveManifest {
        try open(try readFile(path), path: path).manifest
    }

    // MARK: Internals

    private struct Opened {
        var manifest: ArchiveManifest
        var modelJSON: ArraySlice<UInt8>
        var blobs: [UInt8]
    }

    private static func open(_ bytes: [UInt8], path: String?) throws -> Opened {
        func corrupt(_ message: String, offset: Int? = nil) -> ToolboxError {
            ToolboxError(.corruptArchive, message, context: ErrorContext(path: path, byteOffset: offset))
        }
        guard bytes.count >= headerLength else {
            throw corrupt("file is \(bytes.count) bytes, shorter than the \(headerLength)-byte archive header", offset: bytes.count)
        }
        guard Array(bytes[0..<8]) == magic else {
            throw corrupt("not a DS Toolbox model archive (bad magic bytes)", offset: 0)
        }
        let version = Int(readLittleEndian(UInt32.self, bytes, at: 8))
        guard version == formatVersion else {
            throw ToolboxError(.unsupported, "archive format version \(version) is not supported (this build reads \(formatVersion))",
                               context: ErrorContext(path: path, byteOffset: 8))
        }
        guard Int(readLittleEndian(UInt32.self, bytes, at: 12)) == sectionCount else {
            throw corrupt("archive declares \(readLittleEndian(UInt32.self, bytes, at: 12)) sections, expected \(sectionCount)", offset: 12)
        }
        var sections: [ArraySlice<UInt8>] = []
        var cursor = headerLength
        for index in 0..<sectionCount {
            let entry = 16 + index * 40
            let declared = readLittleEndian(UInt64.self, bytes, at: entry)
            guard declared <= UInt64(bytes.count - cursor) else {
                throw corrupt("section \(index) declares \(declared) bytes but only \(bytes.count - cursor) remain: the file is truncated",
                              offset: cursor)
            }
            let length = Int(declared)
            let section = bytes[cursor..<cursor + length]
            guard ContentSHA256.hash(section).bytes == Array(bytes[entry + 8..<entry + 40]) else {
                throw corrupt("section \(index) fails its SHA-256 check: the file is corrupted", offset: cursor)
            }
            sections.append(section)
            cursor += length
        }
        guard cursor == bytes.count else {
            throw corrupt("\(bytes.count - cursor) unexpected bytes after the last section", offset: cursor)
        }
        let manifest: ArchiveManifest
        do {
            manifest = try makeDecoder().decode(ArchiveManifest.self, from: Data(sections[0]))
        } catch {
            throw corrupt("manifest is not valid: \(describe(error))", offset: headerLength)
        }
        let blobSection = sections[2]
        for (index, blob) in manifest.blobs.enumerated() {
            let size = elementSize(blob.type)
            guard let size, blob.count >= 0, blob.offset >= 0, blob.length >= 0,
                  blob.count.multipliedReportingOverflow(by: size) == (blob.length, false),
                  blob.offset <= blobSection.count, blob.length <= blobSection.count - blob.offset
            else {
                throw corrupt("binary block \(index) (\(blob.type), \(blob.count) elements at \(blob.offset)+\(blob.length)) does not fit the \(blobSection.count)-byte binary section",
                              offset: blobSection.startIndex + max(0, min(blob.offset, blobSection.count)))
            }
        }
        return Opened(manifest: manifest, modelJSON: sections[1], blobs: Array(blobSection))
    }

    private static func decodeModel<Model: FittedModel>(_ type: Model.Type, _ opened: Opened, path: String?,
                                                        registry: ModelRegistry = .shared) throws -> Model {
        guard opened.manifest.modelFormatVersion <= Model.modelFormatVersion else {
            throw ToolboxError(.unsupported,
                               "\(Model.modelTypeName) format version \(opened.manifest.modelFormatVersion) is newer than this build reads (\(Model.modelFormatVersion))",
                               context: ErrorContext(path: path))
        }
        guard Model.modelFormatVersion < 2 || opened.manifest.modelFormatVersion == Model.modelFormatVersion else {
            // Version 2 changed how hyperparameters are written (scikit-learn's names); older
            // archives are refused clearly rather than misread.
            throw ToolboxError(.unsupported,
                               "\(Model.modelTypeName) format version \(opened.manifest.modelFormatVersion) predates this build's (\(Model.modelFormatVersion)); refit the model",
                               context: ErrorContext(path: path))
        }
        let decoder = makeDecoder()
        decoder.userInfo[.archiveBlobSource] = BlobSource(table: opened.manifest.blobs, bytes: opened.blobs)
        decoder.userInfo[.modelRegistry] = registry
        // Errors in the model's content name the file and where its model section starts.
        let modelOffset = opened.modelJSON.startIndex
        func located(_ error: ToolboxError) -> ToolboxError {
            var error = error
            if error.context.path == nil { error.context.path = path }
            if error.context.byteOffset == nil { error.context.byteOffset = modelOffset }
            return error
        }
        let model: Model
        do {
            model = try decoder.decode(Model.self, from: Data(opened.modelJSON))
        } catch let error as ToolboxError {
            throw located(error)
        } catch {
            throw ToolboxError(.corruptArchive, "\(Model.modelTypeName) could not be decoded: \(describe(error))",
                               context: ErrorContext(path: path, byteOffset: modelOffset))
        }
        guard model.inputFeatureCount == opened.manifest.inputFeatureCount else {
            throw ToolboxError(.corruptArchive,
                               "manifest says \(opened.manifest.inputFeatureCount) input features, the model has \(model.inputFeatureCount)",
                               context: ErrorContext(path: path, byteOffset: headerLength))
        }
        do {
            try model.schema.validate(inputFeatureCount: model.inputFeatureCount)
            try model.validateStructure()
        } catch let error as ToolboxError {
            throw located(error)
        }
        return model
    }

    private static func readFile(_ path: String) throws -> [UInt8] {
        try RegularFile.read(path)
    }

    package static func makeEncoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted] : [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }

    package static func makeDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return decoder
    }

    private static func elementSize(_ code: String) -> Int? {
        switch code {
        case "f64", "i64", "u64": 8
        case "f32", "i32", "u32": 4
        case "u8": 1
        default: nil
        }
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context),
             DecodingError.keyNotFound(_, let context),
             DecodingError.typeMismatch(_, let context),
             DecodingError.valueNotFound(_, let context):
            let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(context.debugDescription) at \(path)"
        default:
            return "\(error)"
        }
    }
}

func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
}

func readLittleEndian<T: FixedWidthInteger>(_ type: T.Type, _ bytes: [UInt8], at offset: Int) -> T {
    var value: T = 0
    for k in 0..<MemoryLayout<T>.size { value |= T(bytes[offset + k]) << (8 * k) }
    return value
}
