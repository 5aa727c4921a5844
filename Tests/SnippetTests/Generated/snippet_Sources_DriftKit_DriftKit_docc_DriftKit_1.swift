// Generated from Sources/DriftKit/DriftKit.docc/DriftKit.md, snippet 1 by SnippetTests; do not edit (see SnippetTests.swift).
import DriftKit
import ToolboxCore
import Foundation

func snippet_Sources_DriftKit_DriftKit_docc_DriftKit_1() async throws {
    let referenceTable = try DataTable(csvFile: "reference.csv")
    let currentTable = try DataTable(csvFile: "current.csv")
    let reference = try referenceTable.numericColumn(named: "price")
    let current = try currentTable.numericColumn(named: "price")
    let ks = try KolmogorovSmirnov.test(reference, current)            // ks.statistic, ks.pValue
    let psi = try Distance.psi(reference: reference, current: current)  // 10 reference-quantile bins

    var options = DriftOptions()
    options.stattest["price"] = .psi
    options.prediction = "score"
    let report = try DriftReport.compute(reference: referenceTable, current: currentTable, options: options)
    print(report.datasetDrift, ks.pValue, psi)
    let json = try report.json()   // per column: test, statistic, p_value, threshold, drifted
    let page = report.html()       // one self-contained page with a chart per column
    print(json.count, page.count)
}
