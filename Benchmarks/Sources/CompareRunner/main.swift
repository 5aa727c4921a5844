// Runs one DS Toolbox workload and prints a line `name seconds detail`, the best of N runs.
// Benchmarks/Compare/run.sh calls it beside the Python reference on the same data.
import BenchmarkSupport
import Foundation
import ToolboxCore

func best(of runs: Int, _ body: () throws -> Void) rethrows -> Double {
    var fastest = Double.infinity
    for _ in 0..<runs {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        fastest = min(fastest, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return fastest
}

let arguments = CommandLine.arguments.dropFirst()
guard let workload = arguments.first else {
    print("usage: CompareRunner make-csv MB | csv-read PATH [RUNS]")
    exit(2)
}
switch workload {
case "make-csv":
    let megabytes = Int(arguments.dropFirst().first ?? "100") ?? 100
    print(try Workloads.numericCSV(megabytes: megabytes))
case "csv-read":
    let path = String(arguments.dropFirst().first ?? "")
    let runs = Int(arguments.dropFirst(2).first ?? "3") ?? 3
    var rows = 0
    let seconds = try best(of: runs) { rows = try DataTable(csvFile: path).rowCount }
    print("csv-read \(seconds) rows=\(rows)")
default:
    print("unknown workload \(workload)")
    exit(2)
}
