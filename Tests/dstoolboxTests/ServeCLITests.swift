import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
import Testing
import ToolboxCore
import ToolboxTesting
import DSToolbox

/// `dstoolbox serve` live on 127.0.0.1: predictions over both protocols equal `learn predict`,
/// it refuses to run open, drops slow clients, and stops on SIGTERM without failing a request.
@Suite("dstoolbox serve")
struct ServeCLITests {
    static func post(_ base: URL, _ path: String, key: String?, body: String) async throws -> (Int, JSONValue?) {
        var request = URLRequest(url: URL(string: base.absoluteString + path)!)
        request.httpMethod = "POST"
        if let key { request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
        request.httpBody = Data(body.utf8)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, try? StrictJSON.parse(Array(data)))
    }

    /// A new folder holding `c.csv` (a classification data set) and `m.dstbx`, a `model` trained
    /// on it by the CLI.
    static func trainedModel(rows: Int, features: Int, seed: Int, model: String) throws -> String {
        let dir = RunsCLITests.store()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let cli = CLITests()
        let generated = try cli.run(["data", "generate", "--kind", "classification", "--rows", String(rows), "--features", String(features), "--seed", String(seed),
                                     "-o", dir + "/c.csv"])
        let trained = try cli.run(["learn", "train", dir + "/c.csv", "--target", "target", "--model", model, "-o", dir + "/m.dstbx"])
        #expect(generated.status == 0 && trained.status == 0, "\(generated.output)\(trained.output)")
        return dir
    }

    static func numbers(_ value: JSONValue?) -> [Double] {
        guard case .array(let items)? = value else { return [] }
        return items.flatMap { item -> [Double] in
            if case .number(let number) = item { return [number] }
            return numbers(item)
        }
    }

    /// A model trained by the CLI, served, and asked over V1 and V2 for the rows `learn
    /// predict` scored: the same labels, probabilities and values (to 1e-12).
    @Test func predictionsOverHTTPEqualLearnPredict() async throws {
        let dir = RunsCLITests.store()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cli = CLITests()
        #expect(try cli.run(["data", "generate", "--kind", "classification", "--rows", "400", "--features", "50", "--seed", "9", "-o", dir + "/c.csv"]).status == 0)
        #expect(try cli.run(["data", "generate", "--kind", "regression", "--rows", "400", "--features", "8", "--seed", "9", "-o", dir + "/r.csv"]).status == 0)
        #expect(try cli.run(["learn", "train", dir + "/c.csv", "--target", "target", "--model", "logistic_regression", "-o", dir + "/logistic.dstbx"]).status == 0)
        #expect(try cli.run(["learn", "train", dir + "/r.csv", "--target", "target", "--model", "hist_gradient_boosting_regressor", "--set", "max_iter=200",
                             "-o", dir + "/boosting.dstbx"]).status == 0)
        let proba = try DataTable(csv: try cli.run(["learn", "predict", dir + "/logistic.dstbx", dir + "/c.csv", "--proba"]).output)
        let labels = try DataTable(csv: try cli.run(["learn", "predict", dir + "/logistic.dstbx", dir + "/c.csv"]).output)
        let values = try DataTable(csv: try cli.run(["learn", "predict", dir + "/boosting.dstbx", dir + "/r.csv"]).output)
        let added = try cli.run(["serve", "keys", "add", "--file", dir + "/keys.json", "--scope", "predict:*"])
        let key = try #require(added.output.split(separator: "\n").last.map(String.init))
        let (server, url) = try TrackingServeCLITests.serve(["--model", "logistic=\(dir)/logistic.dstbx", "--model", "boosting=\(dir)/boosting.dstbx",
                                                              "--api-keys", dir + "/keys.json"], command: ["serve"])
        defer { if server.isRunning { server.terminate() } }
        let classification = try DataTable(csvFile: dir + "/c.csv").dropping(["target"])
        let regression = try DataTable(csvFile: dir + "/r.csv").dropping(["target"])
        func rows(_ table: DataTable) throws -> [[Double]] {
            let columns = try table.columnNames.map { try table.numericColumn(named: $0) }
            return (0..<table.rowCount).map { i in columns.map { $0[i] } }
        }
        func close(_ a: [Double], _ b: [Double]) -> Bool { a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-12 } }
        let x = try rows(classification), r = try rows(regression)
        // V1: rows as lists, with probabilities.
        let v1 = try await Self.post(url, "/v1/models/logistic:predict", key: key,
                                     body: #"{"instances": \#(x), "parameters": {"probabilities": true}}"#)
        #expect(v1.0 == 200)
        #expect(Self.numbers(v1.1?.objectValue?["predictions"]) == (try labels.numericColumn(named: "prediction")))
        let expectedProba = try (0..<proba.rowCount).flatMap { i in try proba.columnNames.map { try proba.numericColumn(named: $0)[i] } }
        #expect(close(Self.numbers(v1.1?.objectValue?["probabilities"]), expectedProba))
        // V2: one [n, d] tensor.
        let v2 = try await Self.post(url, "/v2/models/logistic/infer", key: key,
                                     body: #"{"inputs": [{"name": "x", "shape": [\#(x.count), 50], "datatype": "FP64", "data": \#(x)}]}"#)
        #expect(v2.0 == 200)
        guard case .array(let outputs)? = v2.1?.objectValue?["outputs"] else { Issue.record("no outputs"); return }
        #expect(Self.numbers(outputs[0].objectValue?["data"]) == (try labels.numericColumn(named: "prediction")))
        #expect(close(Self.numbers(outputs[1].objectValue?["data"]), expectedProba))
        // A 200-tree boosted regressor, over both protocols, one row per request as a client would.
        let expectedValues = try values.numericColumn(named: "prediction")
        var v1Values: [Double] = [], v2Values: [Double] = []
        for row in r.prefix(40) {
            v1Values += Self.numbers(try await Self.post(url, "/v1/models/boosting:predict", key: key, body: #"{"instances": [\#(row)]}"#).1?.objectValue?["predictions"])
            let answer = try await Self.post(url, "/v2/models/boosting/infer", key: key,
                                             body: #"{"inputs": [{"name": "x", "shape": [1, 8], "datatype": "FP64", "data": \#(row)}]}"#)
            if case .array(let items)? = answer.1?.objectValue?["outputs"] { v2Values += Self.numbers(items[0].objectValue?["data"]) }
        }
        #expect(close(v1Values, Array(expectedValues.prefix(40))) && close(v2Values, Array(expectedValues.prefix(40))), "\(v1Values.prefix(3)) \(expectedValues.prefix(3))")
    }

    /// No keys and no --open, or --open on a public address: refused, with the reason.
    @Test func refusesToRunOpenAndNeedsAModel() throws {
        let dir = RunsCLITests.store()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cli = CLITests()
        let noKeys = try cli.run(["serve", "--model", "m=\(dir)/missing.dstbx", "--port", "0"])
        #expect(noKeys.status != 0 && noKeys.output.contains("refusing to serve without API keys"))
        let public_ = try cli.run(["serve", "--model", "m=\(dir)/missing.dstbx", "--open", "--host", "0.0.0.0", "--port", "0"])
        #expect(public_.status != 0 && public_.output.contains("loopback"))
        let missing = try cli.run(["serve", "--model", "m=\(dir)/missing.dstbx", "--open", "--port", "0"])
        #expect(missing.status != 0 && missing.output.contains("missing.dstbx"))
        let noModel = try cli.run(["serve", "--open", "--port", "0"])
        #expect(noModel.status != 0 && noModel.output.contains("--model"))
        let badName = try cli.run(["serve", "--model", "a/b=x.dstbx", "--open", "--port", "0"])
        #expect(badName.status != 0 && badName.output.contains("name"))
    }

    /// A client that trickles its headers is disconnected after --header-timeout; SIGTERM under
    /// load: readiness fails first, every request sent before it is answered 200, the process exits.
    @Test func slowClientsDroppedAndSIGTERMFailsNoRequest() async throws {
        let dir = try Self.trainedModel(rows: 300, features: 5, seed: 1, model: "hist_gradient_boosting_classifier")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cli = CLITests()
        let (server, url) = try TrackingServeCLITests.serve(["--model", "m=\(dir)/m.dstbx", "--open", "--header-timeout", "1", "--drain-seconds", "1.5"], command: ["serve"])
        defer { if server.isRunning { server.terminate() } }
        // The slow client.
        let closedAfter = try Self.trickle(port: url.port!, seconds: 20)
        #expect(closedAfter != nil && closedAfter! < 10, "\(String(describing: closedAfter))")
        // Load from 4 clients until readiness fails.
        final class Flag: Sendable {
            let raised = Atomic<Bool>(false)
            let answered = Atomic<Int>(0)
        }
        let stop = Flag()
        let pid = server.processIdentifier
        let body = #"{"instances": [[0.1, 0.2, 0.3, 0.4, 0.5]]}"#
        let statuses = try await withThrowingTaskGroup(of: [Int].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var seen: [Int] = []
                    while !stop.raised.load(ordering: .relaxed) {
                        seen.append(try await Self.post(url, "/v1/models/m:predict", key: nil, body: body).0)
                        stop.answered.add(1, ordering: .relaxed)
                    }
                    return seen
                }
            }
            group.addTask {
                // Under load first (at least 40 answers, at most 30 s).
                for _ in 0..<3_000 where stop.answered.load(ordering: .relaxed) < 40 { try await Task.sleep(for: .milliseconds(10)) }
                kill(pid, SIGTERM)
                // Readiness fails while requests keep being answered; clients then stop.
                var ready = 200
                while ready == 200 {
                    var request = URLRequest(url: URL(string: url.absoluteString + "/v2/health/ready")!)
                    request.timeoutInterval = 2
                    ready = ((try await URLSession.shared.data(for: request)).1 as? HTTPURLResponse)?.statusCode ?? 0
                }
                stop.raised.store(true, ordering: .relaxed)
                return [-ready]
            }
            return try await group.reduce(into: [Int]()) { $0 += $1 }
        }
        #expect(statuses.contains(-503), "readiness never failed")
        let answered = statuses.filter { $0 > 0 }
        #expect(answered.count > 20 && answered.allSatisfy { $0 == 200 }, "\(answered.count) answers, not all 200: \(Set(answered))")
        server.waitUntilExit()
        #expect(server.terminationReason == .exit && server.terminationStatus == 0)
    }

    /// A chunked body that grows past --max-body is refused with 413 while it is read; the
    /// server goes on answering.
    @Test func chunkedBodiesPastTheLimitAre413() async throws {
        let dir = try Self.trainedModel(rows: 200, features: 3, seed: 1, model: "logistic_regression")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cli = CLITests()
        let (server, url) = try TrackingServeCLITests.serve(["--model", "m=\(dir)/m.dstbx", "--open", "--max-body", "4096"], command: ["serve"])
        defer { if server.isRunning { server.terminate() } }
        let chunk = "{\"instances\": [" + String(repeating: "[1, 2, 3], ", count: 100)
        var request = "POST /v1/models/m:predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        for _ in 0..<8 { request += String(chunk.utf8.count, radix: 16) + "\r\n" + chunk + "\r\n" }
        request += "0\r\n\r\n"
        let answer = try Self.exchange(port: url.port!, Array(request.utf8))
        #expect(answer.hasPrefix("HTTP/1.1 413") && answer.contains("larger than the limit of 4096 bytes"), "\(answer.prefix(300))")
        let fine = try await Self.post(url, "/v1/models/m:predict", key: nil, body: #"{"instances": [[1, 2, 3]]}"#)
        #expect(fine.0 == 200)
    }

    /// A registered version whose run carries `reference_profile.json`: the server watches its
    /// live inputs for drift with no --reference given.
    @Test func aRegisteredModelsReferenceProfileIsWatched() async throws {
        let dir = try Self.trainedModel(rows: 400, features: 3, seed: 2, model: "logistic_regression")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cli = CLITests()
        let table = try DataTable(csvFile: dir + "/c.csv")
        try ReferenceProfile(try table.dropping(["target"])).save(to: dir + "/reference_profile.json")
        let store = try SQLiteTrackingStore(folder: dir + "/store")
        let run = try store.createRun(experimentID: try store.experiment(named: "churn").id, name: nil, parentRunID: nil, source: nil, user: nil)
        try store.logArtifact(runID: run.id, file: dir + "/m.dstbx", path: "model.dstbx")
        try store.logArtifact(runID: run.id, file: dir + "/reference_profile.json", path: "reference_profile.json")
        let version = try store.registerModelVersion(name: "churn", runID: run.id, artifactPath: "model.dstbx", description: nil, actor: nil, reason: nil)
        try store.setAlias(name: "churn", alias: "champion", version: version.version, force: false, actor: nil, reason: nil)
        let (server, url) = try TrackingServeCLITests.serve(["--model", "churn=models:/churn@champion", "--store", dir + "/store", "--open", "--track-every", "0"],
                                                            command: ["serve"])
        defer { if server.isRunning { server.terminate() } }
        let columns = try ["x0", "x1", "x2"].map { try table.numericColumn(named: $0) }
        for i in 0..<1_000 {
            let row = columns.map { $0[i % 400] + 5 }
            #expect(try await Self.post(url, "/v1/models/churn:predict", key: nil, body: #"{"instances": [\#(row)]}"#).0 == 200)
        }
        var drift: JSONValue?
        for _ in 0..<100 {
            var request = URLRequest(url: URL(string: url.absoluteString + "/v1/models/churn/monitor")!)
            request.httpMethod = "GET"
            let data = try await URLSession.shared.data(for: request).0
            guard case .array(let arms)? = (try? StrictJSON.parse(Array(data)))?.objectValue?["arms"] else { continue }
            drift = arms.first?.objectValue?["drift"]
            if drift?.objectValue?["drift"] == .bool(true) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(drift?.objectValue?["drift"] == .bool(true), "\(String(describing: drift))")
    }

    /// A TCP socket connected to 127.0.0.1:`port` (SIGPIPE ignored), or nil.
    static func connectLoopback(port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard connected == 0 else {
            close(fd)
            return nil
        }
        signal(SIGPIPE, SIG_IGN)
        return fd
    }

    /// Sends raw bytes and returns what comes back until the server closes or 2 s pass.
    static func exchange(port: Int, _ bytes: [UInt8]) throws -> String {
        guard let fd = connectLoopback(port: port) else { return "" }
        defer { close(fd) }
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var received: [UInt8] = []
        let start = Date()
        while Date().timeIntervalSince(start) < 2 {
            var poll = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard Glibc.poll(&poll, 1, 100) > 0 else { if !received.isEmpty { break } else { continue } }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(fd, &buffer, 4096, 0)
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// Sends a request's headers a byte every 50 ms; returns the seconds until the server closed
    /// the connection (nil if it never did within `seconds`).
    static func trickle(port: Int, seconds: Double) throws -> Double? {
        guard let fd = connectLoopback(port: port) else { return nil }
        defer { close(fd) }
        let start = Date()
        let bytes = Array("GET /v2/health/live HTTP/1.1\r\nHost: x\r\nX-Slow: ".utf8) + [UInt8](repeating: 0x61, count: 1000)
        for byte in bytes {
            if Date().timeIntervalSince(start) > seconds { return nil }
            var value = byte
            if send(fd, &value, 1, Int32(MSG_NOSIGNAL)) != 1 { return Date().timeIntervalSince(start) }
            // A closed connection reads as end of file.
            var poll = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if Glibc.poll(&poll, 1, 50) > 0 {
                var buffer = [UInt8](repeating: 0, count: 64)
                if recv(fd, &buffer, 64, 0) <= 0 { return Date().timeIntervalSince(start) }
            }
        }
        return nil
    }
}
