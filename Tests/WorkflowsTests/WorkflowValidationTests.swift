import DSToolbox
import Foundation
import Testing
import Workflows

/// Invalid workflow files fail before any work, in well under a second, with an error naming
/// the file, the line and column, and the key.
@Suite("Workflow validation")
struct WorkflowValidationTests {
    /// A folder with a small CSV (`data.csv`: age, plan, note, customer_id, churned).
    static func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("wf-\(UInt64.random(in: 0...UInt64.max))").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        var csv = "age,plan,note,customer_id,churned\n"
        for i in 0..<40 { csv += "\(20 + i % 50),\(["a", "b", "c"][i % 3]),note \(i % 4),id\(i),\(i % 2)\n" }
        try csv.write(toFile: path + "/data.csv", atomically: true, encoding: .utf8)
        return path
    }

    static let valid = """
        name: churn
        data:
          train: data.csv
          target: churned
          drop: [customer_id]
        pipeline:
          steps:
            - name: model
              type: hist_gradient_boosting_classifier
              parameters: {max_iter: 20}
        tune:
          space:
            model__learning_rate: {type: float, low: 0.01, high: 0.3, log: true}
          trials: 2
        register: {model: churn, alias: champion, promote_if: {metric: roc_auc}}

        """

    /// Writes `text` as `workflow.yaml` in `folder` and checks it.
    static func check(_ text: String, in folder: String) throws -> WorkflowPlan {
        let path = folder + "/workflow.yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try WorkflowPlan(try Workflow(contentsOf: path))
    }

    @Test func aValidWorkflowChecks() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let plan = try Self.check(Self.valid, in: folder)
        #expect(plan.workflow.name == "churn" && plan.classifier == true)
        #expect(plan.workflow.data.train == folder + "/data.csv", "relative to the workflow's folder")
        #expect(WorkflowRunner.sections(of: plan.workflow) == ["data", "pipeline", "tune", "train", "register"])
        #expect(plan.workflow.tune?.space?.names == ["model__learning_rate"])
    }

    /// One case per error class: what to change in the valid file, the line and key named.
    @Test(arguments: [
        ("an unknown section", "name: churn\n", "name: churn\ntrainig: {}\n", 2, "trainig", ToolboxError.Code.invalidParameter),
        ("an unknown key", "  drop: [customer_id]\n", "  drop: [customer_id]\n  tagret: x\n", 6, "data.tagret", .invalidParameter),
        ("a wrong type", "  trials: 2\n", "  trials: many\n", 14, "tune.trials", .invalidParameter),
        ("a missing file", "  train: data.csv\n", "  train: nowhere.csv\n", 3, "data.train", .notFound),
        ("a missing column", "  target: churned\n", "  target: churn\n", 4, "data.target", .notFound),
        ("an unknown model name", "type: hist_gradient_boosting_classifier", "type: hist_gradient_boostin_classifier", 9, "pipeline.steps[0].type", .notFound),
        ("an unknown hyperparameter", "parameters: {max_iter: 20}", "parameters: {max_iters: 20}", 10, "pipeline.steps[0].parameters", .invalidParameter),
        ("a space key that is not a hyperparameter", "    model__learning_rate:", "    model__learning_rat:", 13, "tune.space.model__learning_rat", .invalidParameter),
        ("a bad distribution", "low: 0.01, high: 0.3", "low: 0.5, high: 0.3", 13, "tune.space.model__learning_rate", .invalidParameter),
        ("a missing column in the contract", "register:", "validate: {unique: [client_id]}\nregister:", 15, "validate.unique[0]", .notFound),
        ("a metric the workflow does not log", "metric: roc_auc", "metric: auc", 15, "register.promote_if.metric", .invalidParameter),
        ("malformed YAML", "  drop: [customer_id]\n", "  drop: [customer_id\n", 6, "", .parseError),
    ])
    func invalidWorkflowsNameFileLineAndKey(_ what: String, _ original: String, _ replacement: String, _ line: Int, _ key: String, _ code: ToolboxError.Code) throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let text = Self.valid.replacingOccurrences(of: original, with: replacement)
        #expect(text != Self.valid, "\(what): the case changes the file")
        let start = Date()
        do {
            _ = try Self.check(text, in: folder)
            Issue.record("\(what): no error")
        } catch let error as ToolboxError {
            #expect(Date().timeIntervalSince(start) < 1, "\(what): fails fast")
            #expect(error.code == code, "\(what): \(error)")
            #expect(error.context.path == folder + "/workflow.yaml", "\(what): \(error)")
            #expect(error.context.line == line, "\(what): \(error)")
            #expect(error.context.column != nil, "\(what): \(error)")
            #expect(error.message.contains("workflow.yaml:\(line):"), "\(what): \(error.message)")
            if !key.isEmpty {
                #expect(error.context.parameter?.hasPrefix(key) == true, "\(what): \(error)")
                #expect(error.message.contains(key), "\(what): \(error.message)")
            }
        }
    }

    @Test func dataIsRequiredAndSectionsHaveShapes() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let cases: [(String, String)] = [
            ("name: x\n", "no data section"),
            ("data: [a, b]\n", "must be a mapping"),
            ("data: {train: data.csv}\n", "data.target"),
            ("data: {train: data.csv, target: churned, test: data.csv, split: {test_fraction: 0.2}}\n", "test or split"),
            ("data: {train: data.csv, target: churned, split: {test_fraction: 1.5}}\n", "between 0 and 1"),
            ("data: {train: data.csv, target: churned}\nevaluate: {scoring: [r2]}\npipeline: {steps: [{type: logistic_regression}]}\n", "scores a regressor"),
            ("data: {train: data.csv, target: churned}\nmonitor: {retrain: drift}\n", "register"),
            ("data: {train: data.csv, target: churned}\nregister: {model: m, promote_if: {metric: accuracy}}\n", "register.alias"),
            ("data: {train: data.csv, target: churned, embedding: 'pca:4'}\n", "features: traces"),
            ("", "empty"),
            ("data: {train: data.csv, target: churned}\ndata: {train: data.csv, target: churned}\n", "duplicated key(s): 'data'"),
        ]
        for (text, expected) in cases {
            #expect(throws: ToolboxError.self, "\(text)") { _ = try Self.check(text, in: folder) }
            do {
                _ = try Self.check(text, in: folder)
            } catch {
                #expect("\(error)".contains(expected), "\(text): \(error)")
            }
        }
    }

    @Test func jsonWorkflowsAreReadToo() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let json = #"{"name": "j", "data": {"train": "data.csv", "target": "churned"}, "evaluate": {"cv": 3, "scoring": ["accuracy"]}, "report": "out.html"}"#
        let plan = try Self.check(json, in: folder)
        #expect(plan.workflow.evaluate?.scoring == ["accuracy"] && plan.workflow.report == folder + "/out.html")
        do {
            _ = try Self.check(#"{"name": "j", "data": {"train": "data.csv", "target": "churned", "extra": 1}}"#, in: folder)
            Issue.record("no error")
        } catch let error as ToolboxError {
            #expect(error.context.line == 1 && error.context.parameter == "data.extra", "\(error)")
        }
    }

    @Test func everyTemplateParses() throws {
        for name in WorkflowTemplates.names {
            let document = try WorkflowDocument(text: WorkflowTemplates.text(name), path: "\(name).yaml")
            let workflow = try Workflow(document: document)
            #expect(workflow.name == name)
            #expect(workflow.register != nil && workflow.validate != nil, "\(name)")
        }
        #expect(try Workflow(document: WorkflowDocument(text: WorkflowTemplates.text("retrain"), path: "r.yaml")).monitor?.retrain == "drift")
    }
}

@Suite("Data contracts")
struct DataContractTests {
    static func contract(_ yaml: String) throws -> DataContract {
        let document = try WorkflowDocument(text: "data: {train: x.csv, target: y}\nvalidate:\n" + yaml, path: "w.yaml")
        return try #require(try Workflow(document: document).validate)
    }

    @Test func everyRuleCountsItsFailures() throws {
        let contract = try Self.contract("""
              min_rows: 10
              columns:
                age: {type: numeric, min: 0, max: 120, max_missing: 0.1}
                plan: {type: categorical, values: [a, b]}
                count: {type: integer}
                zip: {type: numeric}
                gone: {type: numeric}
                optional: {required: false}
              unique: [id]
            """)
        let table = try DataTable([
            ("age", .numeric([-1, 30, 200, .nan, .nan, .infinity])),
            ("plan", .categorical(["a", "b", "z", "z", nil, "q"])),
            ("count", .numeric([1, 2, 2.5, 3, 4, 5])),
            ("zip", .categorical(["123", "x1", "456", nil, "7", "y"])),
            ("id", .categorical(["1", "2", "2", "3", "1", nil])),
        ])
        let result = contract.check(table, data: "new.csv")
        #expect(!result.passed)
        func failing(_ column: String, _ rule: String) -> Int? { result.checks.first { $0.column == column && $0.rule == rule }.map { $0.passed ? 0 : $0.failing } }
        #expect(failing("", "min_rows") == 4)
        #expect(failing("age", "min") == 1 && failing("age", "max") == 2 && failing("age", "max_missing") == 2 && failing("age", "finite") == 1)
        #expect(failing("plan", "values") == 3)
        #expect(failing("count", "type") == 1)
        #expect(failing("zip", "type") == 2)
        #expect(failing("gone", "present") == 1 && failing("optional", "present") == 0)
        #expect(failing("id", "unique") == 2)
        #expect(result.checks.first { $0.column == "id" }?.rows == [2, 4])
        #expect(result.checks.first { $0.column == "plan" && $0.rule == "values" }?.detail.contains("\"z\" x2") == true)
        #expect(result.failures.allSatisfy { !$0.passed } && result.checks.prefix(result.failures.count).allSatisfy { !$0.passed }, "failures first")
        let json = String(decoding: try JSONEncoder().encode(result), as: UTF8.self)
        #expect(json.contains("\"passed\":false") && json.contains("\"failures\":["))
        #expect(result.summary.contains("age: max: 2 failing"))
    }

    @Test func aCleanTablePasses() throws {
        let contract = try Self.contract("  columns: {x: {type: numeric, min: 0}, c: {values: [1, 2]}}\n  unique: [x]\n")
        let result = contract.check(try DataTable([("x", .numeric([0, 1, 2])), ("c", .numeric([1, 2, .nan]))]), data: "t")
        #expect(result.passed, "\(result.summary)")
    }

    @Test func contractMistakesAreLocated() throws {
        for (yaml, key) in [("  columns: {x: {min: 5, max: 1}}\n", "validate.columns.x.min"), ("  columns: {x: {type: number}}\n", "validate.columns.x.type"),
                            ("  columns: {x: {max_missing: 2}}\n", "validate.columns.x.max_missing"), ("  min_rows: -1\n", "validate.min_rows"),
                            ("  columns: {x: {type: numeric, values: [a]}}\n", "validate.columns.x.values")] {
            do {
                _ = try Self.contract(yaml)
                Issue.record("\(yaml): no error")
            } catch let error as ToolboxError {
                #expect(error.context.parameter == key && error.context.line == 3, "\(yaml): \(error)")
            }
        }
    }
}
