import Foundation
import Synchronization
import Testing
@testable import dstoolbox
import ToolboxTesting

@Suite("dstoolbox study")
struct StudyCLITests {
    static let space = #"{"x": {"type": "float", "low": -5, "high": 5}, "n": {"type": "int", "low": 1, "high": 9}, "c": {"type": "categorical", "choices": ["a", "b"]}}"#

    /// Optuna's TPE with seed 3 suggests these first three parameter sets for `space`
    /// (checked with optuna 5.1): separate `ask` processes continue one sampler.
    @Test func askAndTellFromSeparateProcessesContinueOneSampler() throws {
        let store = RunsCLITests.store()
        defer { try? FileManager.default.removeItem(atPath: store) }
        let cli = CLITests()
        let created = try cli.run(["study", "create", "s1", "--seed", "3", "--store", store])
        #expect(created.status == 0 && created.output == "s1\n", "\(created.output)")
        let expected: [(Double, Int, String)] = [(0.5079790257457546, 7, "b"), (3.9294695434765465, 9, "b"), (-4.485327966991701, 4, "b")]
        for (number, (x, n, c)) in expected.enumerated() {
            let asked = try cli.run(["study", "ask", "s1", "--space", Self.space, "--store", store])
            #expect(asked.status == 0, "\(asked.output)")
            #expect(asked.output == "{\"number\": \(number), \"params\": {\"x\": \(x), \"n\": \(n), \"c\": \"\(c)\"}}\n", "\(asked.output)")
            let json = try RunsCLITests.object(asked.output)
            #expect(json["number"] as? Int == number && (json["params"] as? [String: Any])?["c"] as? String == c)
            #expect(asked.output.range(of: "\"x\"")!.lowerBound < asked.output.range(of: "\"c\"")!.lowerBound)
        }
        let told = try cli.run(["study", "tell", "s1", "--trial", "0", "--values", "1.5", "--store", store])
        #expect(told.status == 0 && told.output.contains("\"COMPLETE\""), "\(told.output)")
        #expect(try cli.run(["study", "tell", "s1", "--trial", "1", "--state", "pruned", "--store", store]).status == 0)
        let nan = try cli.run(["study", "tell", "s1", "--trial", "2", "--values", "nan", "--store", store])
        #expect(nan.status == 0 && nan.output.contains("\"FAIL\""), "\(nan.output)")
        let best = try RunsCLITests.object(try cli.run(["study", "best", "s1", "--json", "--store", store]).output)
        #expect(best["number"] as? Int == 0 && best["values"] as? [Double] == [1.5])
        let trials = try #require(try JSONSerialization.jsonObject(with: Data(try cli.run(["study", "trials", "s1", "--json", "--store", store]).output.utf8)) as? [[String: Any]])
        #expect(trials.map { $0["number"] as? Int } == [0, 1, 2] && trials.map { $0["state"] as? String } == ["COMPLETE", "PRUNED", "FAIL"])
        #expect(trials.allSatisfy { $0["params"] is [String: Any] && $0.keys.contains("duration") && $0.keys.contains("values") })
    }

    @Test func mistakesAreTypedErrors() throws {
        let store = RunsCLITests.store()
        defer { try? FileManager.default.removeItem(atPath: store) }
        let cli = CLITests()
        #expect(try cli.run(["study", "create", "s", "--direction", "maximize", "--store", store]).status == 0)
        let cases: [([String], String)] = [
            (["study", "create", "s", "--store", store], "exists already"),
            (["study", "create", "t", "--sampler", "bogus", "--store", store], "unknown sampler"),
            (["study", "create", "t", "--direction", "sideways", "--store", store], "minimize or maximize"),
            (["study", "create", "t", "--seed", "4294967296", "--store", store], "4294967295"),
            (["study", "ask", "nope", "--space", Self.space, "--store", store], "no study named nope"),
            (["study", "ask", "s", "--space", "{}", "--store", store], "empty"),
            (["study", "ask", "s", "--space", #"{"x": {"type": "float", "low": 3, "high": 1}}"#, "--store", store], "parameter x"),
            (["study", "ask", "s", "--space", #"{"x": {"type": "float", "low": 0, "high": 1, "log": true}}"#, "--store", store], "low > 0"),
            (["study", "ask", "s", "--space", "missing.yaml", "--store", store], "missing.yaml"),
            (["study", "tell", "s", "--trial", "7", "--values", "1", "--store", store], "no trial 7"),
            (["study", "tell", "s", "--trial", "0", "--values", "x", "--store", store], "not a number"),
            (["study", "best", "s", "--store", store], "no complete trial"),
            (["study", "create", "t", "--store", "http://127.0.0.1:9"], "store folder"),
        ]
        for (arguments, message) in cases {
            let result = try cli.run(arguments)
            #expect(result.status != 0 && result.status != -1 && result.output.contains(message), "\(arguments): \(result.output)")
        }
        // A trial told twice is refused; reading commands never create a store.
        let asked = try RunsCLITests.object(try cli.run(["study", "ask", "s", "--space", Self.space, "--store", store]).output)
        let number = try #require(asked["number"] as? Int)
        #expect(try cli.run(["study", "tell", "s", "--trial", "\(number)", "--values", "2", "--store", store]).status == 0)
        let twice = try cli.run(["study", "tell", "s", "--trial", "\(number)", "--values", "3", "--store", store])
        #expect(twice.status != 0 && twice.output.contains("told twice"), "\(twice.output)")
        let elsewhere = store + "-none"
        #expect(try cli.run(["study", "trials", "s", "--store", elsewhere]).status != 0 && !FileManager.default.fileExists(atPath: elsewhere))
    }

    /// The median pruner (the default, as Optuna's) answers `study intermediate` after five
    /// complete trials: a trial worse than the median at a step is to stop.
    @Test func intermediateValuesAskThePruner() throws {
        let store = RunsCLITests.store()
        defer { try? FileManager.default.removeItem(atPath: store) }
        let cli = CLITests()
        #expect(try cli.run(["study", "create", "p", "--sampler", "random", "--seed", "2", "--store", store]).status == 0)
        let space = #"{"x": {"type": "float", "low": 0, "high": 1}}"#
        for number in 0..<6 {
            #expect(try RunsCLITests.object(try cli.run(["study", "ask", "p", "--space", space, "--store", store]).output)["number"] as? Int == number)
            for step in 0..<3 {
                let value = number == 5 ? 10.0 : Double(number) + Double(step) / 10
                let answer = try cli.run(["study", "intermediate", "p", "--trial", "\(number)", "--step", "\(step)", "--value", "\(value)", "--store", store])
                #expect(answer.output == "{\"should_prune\": \(number == 5)}\n", "trial \(number) step \(step): \(answer.output)")
            }
            if number < 5 { #expect(try cli.run(["study", "tell", "p", "--trial", "\(number)", "--values", "\(number)", "--store", store]).status == 0) }
        }
        let told = try cli.run(["study", "tell", "p", "--trial", "5", "--state", "pruned", "--store", store])
        #expect(told.output.contains("\"PRUNED\"") && told.output.contains("[10.0]"), "\(told.output)")
        let finished = try cli.run(["study", "intermediate", "p", "--trial", "5", "--step", "3", "--value", "1", "--store", store])
        #expect(finished.status != 0 && finished.output.contains("PRUNED"), "\(finished.output)")
        let negative = try cli.run(["study", "intermediate", "p", "--trial", "5", "--step", "-1", "--value", "1", "--store", store])
        #expect(negative.status != 0)
    }

    /// Four processes asking and telling on one study at once: every trial number once, none lost.
    @Test func concurrentProcessesShareOneStudy() throws {
        let store = RunsCLITests.store()
        defer { try? FileManager.default.removeItem(atPath: store) }
        let cli = CLITests()
        #expect(try cli.run(["study", "create", "shared", "--sampler", "random", "--seed", "1", "--store", store]).status == 0)
        let numbers = Mutex<[Int]>([])
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            for _ in 0..<6 {
                guard let asked = try? cli.run(["study", "ask", "shared", "--space", Self.space, "--store", store]),
                      let json = try? RunsCLITests.object(asked.output), let number = json["number"] as? Int else {
                    failures.withLock { $0.append("ask failed") }
                    continue
                }
                numbers.withLock { $0.append(number) }
                if let told = try? cli.run(["study", "tell", "shared", "--trial", "\(number)", "--values", "\(number)", "--store", store]), told.status != 0 {
                    failures.withLock { $0.append(told.output) }
                }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
        #expect(numbers.withLock { $0 }.sorted() == Array(0..<24))
    }
}

extension StudyCLITests {
    /// Starts the CLI without waiting for it.
    static func spawn(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try BuiltProducts.executable("dstoolbox"))
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    static func script(_ body: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("objective-\(UUID().uuidString).sh").path
        try ("#!/bin/sh\n" + body + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o755)
        return path
    }

    static func trials(_ name: String, _ store: String) throws -> [[String: Any]] {
        let output = try CLITests().run(["study", "trials", name, "--json", "--store", store]).output
        return try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [[String: Any]], "\(output)")
    }

    /// Four `study optimize` processes on one study with `--total-trials 200`: exactly 200
    /// trials, numbered 0..199, none lost or doubled.
    @Test func fourWorkersShareATotal() throws {
        let store = RunsCLITests.store()
        defer { try? FileManager.default.removeItem(atPath: store) }
        let objective = try Self.script(#"echo "$DSTOOLBOX_PARAMS" | sed 's/.*"x": \([-0-9.e]*\).*/\1/'"#)
        defer { try? FileManager.default.removeItem(atPath: objective) }
        #expect(try CLITests().run(["study", "create", "w", "--seed", "4", "--store", store]).status == 0)
        let workers = try (0..<4).map { _ in
            try Self.spawn(["study", "optimize", "w", "--space", #"{"x": {"type": "float", "low": 0, "high": 1}}"#, "--total-trials", "200", "--jobs", "2",
                            "--store", store, "--", objective])
        }
        for worker in workers { worker.waitUntilExit() }
        #expect(workers.allSatisfy { $0.terminationStatus == 0 })
        let trials = try Self.trials("w", store)
        #expect(trials.compactMap { $0["number"] as? Int }.sorted() == Array(0..<200))
        #expect(trials.allSatisfy { $0["state"] as? String == "COMPLETE" }, "\(trials.filter { $0["state"] as? String != "COMPLETE" }.prefix(3))")
        // Each trial's value is its x: what the program printed last.
        #expect(trials.allSatisfy { ($0["values"] as? [Double])?.first == ($0["params"] as? [String: Double])?["x"] })
        // One parameter explains everything.
        let importance = try CLITests().run(["study", "importance", "w", "--json", "--store", store])
        #expect(importance.output == "{\"importances\": {\"x\": 1.0}}\n", "\(importance.output)")
        let badObjective = try CLITests().run(["study", "importance", "w", "--objective", "3", "--store", store])
        #expect(badObjective.status != 0 && badObjective.output.contains("--objective"))
    }

    /// A worker killed with SIGKILL mid-trial: the next worker fails that trial once its
    /// heartbeats stop for the grace period and runs its parameters again; a slow but live
    /// trial is never failed.
    @Test func killedWorkersTrialsFailAndAreRetried() throws {
        let store = RunsCLITests.store()
        defer { try? FileManager.default.removeItem(atPath: store) }
        let slow = try Self.script("sleep 30; echo 1")
        let live = try Self.script("sleep 3; echo 2")
        let fast = try Self.script("echo 3")
        defer { for path in [slow, live, fast] { try? FileManager.default.removeItem(atPath: path) } }
        let space = #"{"x": {"type": "float", "low": 0, "high": 1}}"#
        let beats = ["--heartbeat-interval", "0.2", "--grace-period", "1.5", "--retry-failed", "1", "--store", store]
        #expect(try CLITests().run(["study", "create", "k", "--sampler", "random", "--seed", "9", "--store", store]).status == 0)
        let doomed = try Self.spawn(["study", "optimize", "k", "--space", space, "--trials", "1"] + beats + ["--", slow])
        var started = false
        for _ in 0..<100 where !started {
            Thread.sleep(forTimeInterval: 0.1)
            started = (try? Self.trials("k", store))?.first?["state"] as? String == "RUNNING"
        }
        #expect(started)
        kill(doomed.processIdentifier, SIGKILL)
        doomed.waitUntilExit()
        // A live, slow trial runs beside the recovery and is never failed.
        let patient = try Self.spawn(["study", "optimize", "k", "--space", space, "--trials", "1"] + beats + ["--", live])
        Thread.sleep(forTimeInterval: 2)
        let rescuer = try CLITests().run(["study", "optimize", "k", "--space", space, "--trials", "2"] + beats + ["--", fast])
        let afterRescue = try Self.trials("k", store)
        #expect(rescuer.status == 0 && rescuer.output.contains("failed 1 trials of dead workers"), "\(rescuer.output) \(afterRescue)")
        patient.waitUntilExit()
        let trials = try Self.trials("k", store)
        let byNumber = Dictionary(uniqueKeysWithValues: trials.map { ($0["number"] as! Int, $0) })
        #expect(byNumber[0]?["state"] as? String == "FAIL" && (byNumber[0]?["error"] as? String)?.contains("heartbeats") == true)
        #expect(byNumber[1]?["state"] as? String == "COMPLETE" && byNumber[1]?["values"] as? [Double] == [2], "the live trial: \(String(describing: byNumber[1]))")
        let retried = trials.filter { ($0["params"] as? [String: Double])?["x"] == (byNumber[0]?["params"] as? [String: Double])?["x"] && $0["number"] as? Int != 0 }
        #expect(retried.count == 1 && retried.first?["state"] as? String == "COMPLETE", "\(trials)")
    }

    /// A trial the pruner stops has its program ended at once.
    @Test func prunedProgramsAreEnded() throws {
        let store = RunsCLITests.store()
        defer { try? FileManager.default.removeItem(atPath: store) }
        // Trials 0-4 report 0 at step 0; later ones report 10 and then wait a minute.
        let objective = try Self.script("""
            if [ "$DSTOOLBOX_TRIAL" -lt 5 ]; then echo "report 0 0"; echo 0; else echo "report 0 10"; sleep 60; echo 10; fi
            """)
        defer { try? FileManager.default.removeItem(atPath: objective) }
        #expect(try CLITests().run(["study", "create", "p", "--sampler", "random", "--store", store]).status == 0)
        let start = Date()
        let result = try CLITests().run(["study", "optimize", "p", "--space", #"{"x": {"type": "float", "low": 0, "high": 1}}"#, "--trials", "7",
                                         "--store", store, "--", objective])
        #expect(result.status == 0 && result.output.contains("5 complete, 2 pruned"), "\(result.output)")
        #expect(Date().timeIntervalSince(start) < 30)
        // Every trial is a run under the study's parent run: complete ones FINISHED with their
        // value, pruned ones KILLED with their intermediate values as a history.
        let runs = try RunsCLITests.object(try CLITests().run(["runs", "list", "--experiment", "study:p", "--json", "--store", store]).output)
        let list = try #require(runs["runs"] as? [[String: Any]])
        let statuses = list.compactMap { ($0["info"] as? [String: Any])?["status"] as? String ?? $0["status"] as? String }
        #expect(list.count == 8 && statuses.filter { $0 == "FINISHED" }.count == 5 && statuses.filter { $0 == "KILLED" }.count == 2, "\(list.prefix(2))")
        let bad = try CLITests().run(["study", "optimize", "p", "--space", "{}", "--trials", "1", "--store", store, "--", objective])
        #expect(bad.status != 0 && bad.output.contains("empty"))
        let noProgram = try CLITests().run(["study", "optimize", "p", "--space", #"{"x": {"type": "float", "low": 0, "high": 1}}"#, "--trials", "1",
                                            "--store", store, "--", "no-such-program-xyz"])
        #expect(noProgram.status != 0 && noProgram.output.contains("no-such-program-xyz"))
    }
}

extension StudyCLITests {
    /// `tune --json` prints the contract's fields; the median pruner saves at least 40% of
    /// boosting iterations and the best score stays within 1% of the unpruned run's.
    @Test func tuneSavesIterationsByPruning() throws {
        let dir = RunsCLITests.store()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cli = CLITests()
        #expect(try cli.run(["data", "generate", "--kind", "classification", "--rows", "1500", "--features", "6", "--seed", "5", "-o", dir + "/d.csv"]).status == 0)
        var results: [[String: Any]] = []
        for flags in [[], ["--no-pruning"]] {
            let run = try cli.run(["tune", dir + "/d.csv", "--target", "target", "--model", "hist_gradient_boosting_classifier", "--trials", "16",
                                   "--cv", "3", "--seed", "2", "--json"] + flags, timeout: 600)
            #expect(run.status == 0, "\(run.output)")
            results.append(try RunsCLITests.object(run.output))
        }
        let pruned = results[0], full = results[1]
        #expect(Set(pruned.keys).isSuperset(of: ["best_params", "best_score", "trials", "study"]))
        #expect(pruned["trials"] as? Int == 16 && pruned["study"] as? String == "tune-hist_gradient_boosting_classifier")
        #expect((pruned["best_params"] as? [String: Any])?["learning_rate"] is Double)
        let saved = 1 - Double(pruned["iterations"] as? Int ?? 0) / Double(full["iterations"] as? Int ?? 1)
        let best = pruned["best_score"] as? Double ?? 0, unpruned = full["best_score"] as? Double ?? 1
        #expect(saved >= 0.4, "saved \(saved) of the iterations")
        #expect(best >= unpruned * 0.99, "best \(best) against \(unpruned) unpruned")
        // A space naming no hyperparameter of the model, a missing target: typed errors.
        let bogus = try cli.run(["tune", dir + "/d.csv", "--target", "target", "--model", "ridge", "--space", #"{"bogus": {"type": "float", "low": 0, "high": 1}}"#, "--trials", "2"])
        #expect(bogus.status != 0 && bogus.output.contains("bogus is not a hyperparameter"), "\(bogus.output)")
        let missing = try cli.run(["tune", dir + "/d.csv", "--target", "nope", "--model", "ridge", "--trials", "2"])
        #expect(missing.status != 0 && missing.output.contains("nope"))
        // A kept study resumes: the trials add up.
        let kept = ["tune", dir + "/d.csv", "--target", "target", "--model", "logistic_regression", "--trials", "3", "--cv", "2", "--study", "lr",
                    "--store", dir + "/store", "--json"]
        #expect(try cli.run(kept).status == 0)
        // The best parameters refitted on all rows: written with -o, logged to the study's run.
        let refitted = try RunsCLITests.object(try cli.run(kept + ["-o", dir + "/best.dstbx"]).output)
        #expect(refitted["trials"] as? Int == 6 && refitted["model"] as? String == dir + "/best.dstbx")
        let run = try #require(refitted["run_id"] as? String)
        for model in [dir + "/best.dstbx", "runs:/\(run)/model.dstbx"] {
            let predicted = try cli.run(["learn", "predict", model, dir + "/d.csv", "--store", dir + "/store"])
            #expect(predicted.status == 0 && predicted.output.split(separator: "\n").count == 1501, "\(model): \(predicted.output.prefix(200))")
        }
    }
}

extension StudyCLITests {
    /// The study page in headless Chromium: history (a point per complete trial and the best
    /// line), parallel coordinates (a line per complete trial), importances; for two objectives
    /// the Pareto front; names escaped, no script.
    @Test func reportHTMLRendersInAHeadlessBrowser() throws {
        let store = RunsCLITests.store()
        defer { try? FileManager.default.removeItem(atPath: store) }
        let objective = try Self.script(#"echo "$DSTOOLBOX_PARAMS" | sed 's/.*"x": \([-0-9.e]*\).*/\1/'"#)
        let pair = try Self.script(#"x=$(echo "$DSTOOLBOX_PARAMS" | sed 's/.*"x": \([-0-9.e]*\).*/\1/'); echo "$x, $(echo "1 - $x" | bc -l)""#)
        defer { for path in [objective, pair] { try? FileManager.default.removeItem(atPath: path) } }
        let cli = CLITests()
        let space = #"{"x": {"type": "float", "low": 0, "high": 1}, "k<b>": {"type": "categorical", "choices": ["a", "b"]}}"#
        #expect(try cli.run(["study", "create", "page", "--sampler", "random", "--seed", "3", "--store", store]).status == 0)
        #expect(try cli.run(["study", "optimize", "page", "--space", space, "--trials", "12", "--store", store, "--", objective]).status == 0)
        #expect(try cli.run(["study", "create", "two", "--directions", "minimize,minimize", "--sampler", "nsga2", "--seed", "3", "--store", store]).status == 0)
        #expect(try cli.run(["study", "optimize", "two", "--space", space, "--trials", "10", "--store", store, "--", pair]).status == 0)
        let browser = try #require(["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                   "no headless browser: Scripts/bootstrap installs chromium")
        let profile = store + "-profile"
        defer { try? FileManager.default.removeItem(atPath: profile) }
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--user-data-dir=\(profile)"]
        for (name, svgs) in [("page", 3), ("two", 3)] {
            let html = store + "-\(name).html"
            defer { try? FileManager.default.removeItem(atPath: html) }
            let written = try cli.run(["study", "report-html", name, "-o", html, "--store", store])
            #expect(written.status == 0, "\(written.output)")
            let dom = try DriftCLITests.execute(browser, flags + ["--dump-dom", "file://\(html)"])
            #expect(dom.status == 0)
            #expect(dom.output.components(separatedBy: "<svg").count - 1 == svgs, "\(name): charts")
            #expect(dom.output.contains("k&lt;b&gt;") && !dom.output.contains("<script") && dom.output.contains("</html>"))
            if name == "page" {
                #expect(dom.output.components(separatedBy: "<circle").count - 1 == 12, "a point per trial")
                #expect(dom.output.components(separatedBy: "<polyline").count - 1 == 13, "the best line and a line per trial")
                #expect(dom.output.contains("Optimization history") && dom.output.contains("Parameter importance"))
            } else {
                #expect(dom.output.contains("Pareto front") && dom.output.components(separatedBy: "<circle").count - 1 == 10)
            }
        }
        let missing = try cli.run(["study", "report-html", "nope", "-o", store + "-x.html", "--store", store])
        #expect(missing.status != 0 && missing.output.contains("no study named nope"))
    }
}
