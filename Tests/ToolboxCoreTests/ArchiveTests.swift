import Foundation
import Testing
import ToolboxCore
import ToolboxTesting

@Suite("Model archive")
struct ArchiveTests {
    init() throws { try registerFixtures() }

    func fittedScaler(features: Int = 40) throws -> (ReferenceScaler.Model, Matrix<Double>) {
        let data = DataGenerators.regression(samples: 30, features: features, seed: 12)
        return (try ReferenceScaler().fit(data.x), data.x)
    }

    @Test func roundTripWithBinaryBlocksAndManifest() throws {
        let (model, x) = try fittedScaler()
        let metadata = ArchiveMetadata(
            features: (0..<40).map { FeatureDescriptor(name: "f\($0)", kind: .numeric) },
            trainingDataFingerprint: DataFingerprint.of(x), annotations: ["owner": "tests"])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dstb-\(UInt64.random(in: 0...UInt64.max)).dstb").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ModelArchive.save(model, to: path, metadata: metadata)

        let loaded = try ModelArchive.load(ReferenceScaler.Model.self, from: path)
        #expect(try loaded.transform(x) == model.transform(x))
        let manifest = try ModelArchive.manifest(at: path)
        #expect(manifest.modelType == "ToolboxCoreTests.ReferenceScaler")
        #expect(manifest.formatVersion == 1 && manifest.modelFormatVersion == 1)
        #expect(manifest.inputFeatureCount == 40)
        #expect(manifest.features?.count == 40)
        #expect(manifest.trainingDataFingerprint == DataFingerprint.of(x))
        #expect(manifest.trainingDataFingerprint?.hasPrefix("sha256:") == true)
        #expect(manifest.annotations["owner"] == "tests")
        #expect(manifest.hyperparameters == .object(["with_mean": .bool(true), "with_std": .bool(true)]))
        // 40 means and 40 scales exceed the inline limit, so both are binary blocks.
        #expect(manifest.blobs.count == 2 && manifest.blobs.allSatisfy { $0.type == "f64" && $0.count == 40 })

        // Loaded through the registry without naming the type.
        let any = try ModelArchive.load(from: path)
        let transformer = try #require(any as? any Transformer)
        #expect(try transformer.transform(x) == model.transform(x))
    }

    @Test func fingerprintTracksData() throws {
        let (_, x) = try fittedScaler()
        var changed = x
        changed[3, 3] += 1e-12
        #expect(DataFingerprint.of(x) == DataFingerprint.of(x))
        #expect(DataFingerprint.of(x) != DataFingerprint.of(changed))
        #expect(DataFingerprint.of(x, [1]) != DataFingerprint.of(x, [2]))
    }

    @Test func smallArraysStayInline() throws {
        let (model, _) = try fittedScaler(features: 3)
        let bytes = try ModelArchive.encode(model)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(!text.contains("$blob"))
        #expect(try ModelArchive.decode(ReferenceScaler.Model.self, from: bytes).means == model.means)
    }

    @Test func everyTruncationIsATypedError() throws {
        let (model, _) = try fittedScaler()
        let bytes = try ModelArchive.encode(model)
        for length in 0..<bytes.count {
            do {
                _ = try ModelArchive.decode(ReferenceScaler.Model.self, from: Array(bytes[0..<length]))
                Issue.record("a truncation to \(length) bytes loaded")
            } catch let error as ToolboxError {
                #expect(error.code == .corruptArchive, "length \(length): \(error)")
            }
        }
    }

    @Test func everySingleByteCorruptionIsATypedError() throws {
        let (model, _) = try fittedScaler(features: 34)
        let bytes = try ModelArchive.encode(model)
        for position in 0..<bytes.count {
            var damaged = bytes
            damaged[position] ^= 0x20
            do {
                _ = try ModelArchive.decode(ReferenceScaler.Model.self, from: damaged)
                Issue.record("a corruption at byte \(position) loaded")
            } catch let error as ToolboxError {
                #expect(error.code == .corruptArchive || error.code == .unsupported, "byte \(position): \(error)")
            }
        }
        var extra = bytes
        extra.append(0)
        #expect(throws: ToolboxError.self) { try ModelArchive.decode(ReferenceScaler.Model.self, from: extra) }
    }

    /// Builds an archive with valid checksums around hand-made sections, to reach the checks
    /// behind them.
    func craft(manifest: String, model: String, blobs: [UInt8] = []) -> [UInt8] {
        let sections = [Array(manifest.utf8), Array(model.utf8), blobs]
        var bytes = Array("DSTBXARC".utf8)
        func append<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        append(UInt32(1))
        append(UInt32(3))
        for section in sections {
            append(UInt64(section.count))
            bytes.append(contentsOf: ContentSHA256.hash(section).bytes)
        }
        for section in sections { bytes.append(contentsOf: section) }
        return bytes
    }

    func manifestJSON(type: String = "ToolboxCoreTests.ReferenceScaler", version: Int = 1, features: Int = 2, blobs: String = "[]") -> String {
        """
        {"formatVersion":1,"modelType":"\(type)","modelFormatVersion":\(version),"writer":"test","hyperparameters":{},
         "inputFeatureCount":\(features),"annotations":{},"blobs":\(blobs)}
        """
    }

    @Test func inconsistentArchivesAreRejected() throws {
        let good = #"{"hyperparameters":{"with_mean":true,"with_std":true},"means":[0,1],"scales":[1,2]}"#
        #expect(try ModelArchive.decode(ReferenceScaler.Model.self, from: craft(manifest: manifestJSON(), model: good)).inputFeatureCount == 2)

        func expectCode(_ code: ToolboxError.Code, _ bytes: [UInt8], _ note: String) {
            do {
                _ = try ModelArchive.decode(ReferenceScaler.Model.self, from: bytes, path: "model.dstbx")
                Issue.record("accepted: \(note)")
            } catch let error as ToolboxError {
                #expect(error.code == code, "\(note): \(error)")
                // Every content error names the file and a byte offset to look at.
                if code == .corruptArchive {
                    #expect(error.context.path == "model.dstbx" && error.context.byteOffset != nil, "\(note): \(error)")
                }
            } catch {
                Issue.record("untyped error for \(note): \(error)")
            }
        }
        expectCode(.corruptArchive, craft(manifest: manifestJSON(), model: #"{"hyperparameters":{"with_mean":true,"with_std":true},"means":[0,1],"scales":[1]}"#),
                   "means and scales disagree")
        expectCode(.corruptArchive, craft(manifest: manifestJSON(features: 3), model: good), "manifest feature count disagrees")
        expectCode(.unsupported, craft(manifest: manifestJSON(type: "Other.Model"), model: good), "other model type")
        expectCode(.unsupported, craft(manifest: manifestJSON(version: 9), model: good), "newer model format")
        expectCode(.corruptArchive, craft(manifest: "{}", model: good), "manifest missing fields")
        expectCode(.corruptArchive, craft(manifest: manifestJSON(), model: "[1,2"), "model JSON broken")
        let blobModel = #"{"hyperparameters":{"with_mean":true,"with_std":true},"means":{"$blob":0},"scales":{"$blob":1}}"#
        let table = #"[{"type":"f64","count":2,"offset":0,"length":16},{"type":"f64","count":2,"offset":16,"length":16}]"#
        let blobBytes = [0.0, 1, 1, 2].withUnsafeBytes { Array($0) }
        #expect(try ModelArchive.decode(ReferenceScaler.Model.self, from: craft(manifest: manifestJSON(blobs: table), model: blobModel, blobs: blobBytes)).means.elements == [0, 1])
        expectCode(.corruptArchive, craft(manifest: manifestJSON(blobs: #"[{"type":"f64","count":2,"offset":0,"length":16},{"type":"f64","count":2,"offset":24,"length":16}]"#), model: blobModel, blobs: blobBytes),
                   "block past the end of the binary section")
        expectCode(.corruptArchive, craft(manifest: manifestJSON(blobs: #"[{"type":"f64","count":3,"offset":0,"length":16},{"type":"f64","count":2,"offset":16,"length":16}]"#), model: blobModel, blobs: blobBytes),
                   "count disagrees with length")
        expectCode(.corruptArchive, craft(manifest: manifestJSON(blobs: #"[{"type":"f64","count":-1,"offset":0,"length":-8}]"#), model: blobModel, blobs: blobBytes),
                   "negative sizes")
        expectCode(.corruptArchive, craft(manifest: manifestJSON(blobs: #"[{"type":"f64","count":2,"offset":0,"length":16}]"#), model: blobModel, blobs: blobBytes),
                   "reference to a missing block")
        expectCode(.corruptArchive, craft(manifest: manifestJSON(blobs: #"[{"type":"i32","count":4,"offset":0,"length":16},{"type":"f64","count":2,"offset":16,"length":16}]"#), model: blobModel, blobs: blobBytes),
                   "block of the wrong element type")
        expectCode(.corruptArchive, craft(manifest: manifestJSON(blobs: #"[{"type":"zz","count":1,"offset":0,"length":1}]"#), model: good, blobs: blobBytes),
                   "unknown element type")
        expectCode(.corruptArchive, craft(manifest: manifestJSON(blobs: #"[{"type":"f64","count":4611686018427387904,"offset":0,"length":0}]"#), model: good, blobs: blobBytes),
                   "element count overflow")
        var hugeLength = craft(manifest: manifestJSON(), model: good)
        for k in 16..<24 { hugeLength[k] = 0xFF }
        expectCode(.corruptArchive, hugeLength, "absurd section length")
        expectCode(.corruptArchive, Array("NOTANARCHIVE-----".utf8) + [UInt8](repeating: 0, count: 200), "bad magic")
    }

    @Test func matrixDecodingChecksShape() throws {
        struct Holder: Codable { var m: Matrix<Double> }
        let bad = Data(#"{"m":{"rows":2,"columns":3,"values":[1,2,3]}}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Holder.self, from: bad) }
        let overflow = Data(#"{"m":{"rows":4611686018427387904,"columns":4,"values":[]}}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Holder.self, from: overflow) }
        let good = Data(#"{"m":{"rows":1,"columns":2,"values":[1,2]}}"#.utf8)
        #expect(try JSONDecoder().decode(Holder.self, from: good).m == Matrix([[1, 2]]))
    }

    @Test func saveIsAtomicAndReportsPaths() throws {
        let (model, _) = try fittedScaler()
        do {
            try ModelArchive.save(model, to: "/nonexistent-dir/model.dstb")
            Issue.record("saved into a missing folder")
        } catch let error as ToolboxError {
            #expect(error.code == .ioError && error.context.path == "/nonexistent-dir/model.dstb")
        }
        do {
            _ = try ModelArchive.load(from: "/nonexistent-dir/model.dstb")
            Issue.record("loaded a missing file")
        } catch let error as ToolboxError {
            #expect(error.code == .ioError)
        }
    }
}
