public import Foundation
public import ToolboxCore
import Synchronization

/// Watches incoming rows for drift against a reference: rows are added in batches as they
/// arrive (a model server's requests, a stream's records), kept in a window, and compared with
/// the reference every `checkEvery` rows.
///
/// - ``Window/sliding(_:)``: the last n rows; a check runs every `checkEvery` added rows once
///   the window is full.
/// - ``Window/tumbling(_:)``: consecutive blocks of n rows; a check runs when a block is full,
///   then the block starts over.
///
/// Each check is a full ``DriftReport``; checks that find drift (the dataset's, or any column's)
/// are also passed to `onDrift` — where TrackKit logs them or a server raises an alert. Adding
/// is serialized, so one monitor may be fed from several threads.
///
/// ```swift
/// let monitor = try DriftMonitor(profile: profile, window: .sliding(5_000), checkEvery: 1_000)
/// monitor.onDrift = { check in log(check.report.json()) }
/// try monitor.add(batch)
/// ```
public final class DriftMonitor: Sendable {
    /// How rows are kept between checks.
    public enum Window: Sendable, Hashable, Codable {
        case sliding(Int)
        case tumbling(Int)

        var size: Int {
            switch self {
            case .sliding(let size), .tumbling(let size): size
            }
        }
    }

    /// One check of the window against the reference.
    public struct Check: Sendable, Hashable, Codable {
        /// Rows added to the monitor so far, when the check ran.
        public var rowsSeen: Int
        /// Rows in the window checked.
        public var windowRows: Int
        /// When the check ran.
        public var date: Date
        /// The window's drift report.
        public var report: DriftReport

        /// Whether the dataset or any column drifted.
        public var isDrift: Bool { report.datasetDrift || report.columns.contains(where: \.drifted) }
        /// The columns that drifted.
        public var driftedColumns: [String] { report.columns.filter(\.drifted).map(\.column) }
    }

    private enum Reference: Sendable {
        case table(DataTable)
        case profile(ReferenceProfile)
    }

    private struct State {
        var columns: [[Double]] = []
        var texts: [[String?]] = []
        var rowsSeen = 0
        var sinceCheck = 0
        var onDrift: (@Sendable (Check) -> Void)?
    }

    private let reference: Reference
    private let names: [String]
    private let numeric: [Bool]
    /// Which recent rows are compared with the reference.
    public let window: Window
    /// A check runs after every this many added rows.
    public let checkEvery: Int
    /// The options of every check.
    public let options: DriftOptions
    private let state: Mutex<State>

    /// Called with every check that finds drift (on the thread that added the rows).
    public var onDrift: (@Sendable (Check) -> Void)? {
        get { state.withLock { $0.onDrift } }
        set { state.withLock { $0.onDrift = newValue } }
    }

    /// A monitor against raw reference rows.
    /// - Throws: `ToolboxError/Code/invalidParameter` for a window under 2 rows or a check
    ///   interval under 1.
    public convenience init(reference: DataTable, window: Window, checkEvery: Int? = nil, options: DriftOptions = DriftOptions()) throws {
        let names = options.columns ?? reference.columnNames
        let numeric = try names.map { name -> Bool in
            if case .numeric = try reference.column(named: name) { return true }
            return false
        }
        try self.init(.table(reference), names: names, numeric: numeric, window: window, checkEvery: checkEvery, options: options)
    }

    /// A monitor against a saved profile (no raw reference rows kept).
    public convenience init(profile: ReferenceProfile, window: Window, checkEvery: Int? = nil, options: DriftOptions = DriftOptions()) throws {
        let columns = try (options.columns ?? profile.columns.map(\.name)).map { name in
            guard let column = profile.columns.first(where: { $0.name == name }) else {
                throw ToolboxError(.notFound, "the profile has no column \(name)", context: ErrorContext(column: name))
            }
            return column
        }
        try self.init(.profile(profile), names: columns.map(\.name), numeric: columns.map { $0.kind == .numeric },
                      window: window, checkEvery: checkEvery, options: options)
    }

    private init(_ reference: Reference, names: [String], numeric: [Bool], window: Window, checkEvery: Int?, options: DriftOptions) throws {
        guard window.size >= 2, window.size <= 100_000_000 else {
            throw ToolboxError(.invalidParameter, "the window must hold 2 to 100000000 rows, got \(window.size)", context: ErrorContext(parameter: "window"))
        }
        let every: Int
        switch window {
        case .tumbling(let size): every = size
        case .sliding(let size): every = checkEvery ?? size
        }
        guard every >= 1 else {
            throw ToolboxError(.invalidParameter, "checks must come every 1 row or more, got \(every)", context: ErrorContext(parameter: "checkEvery"))
        }
        self.reference = reference
        self.names = names
        self.numeric = numeric
        self.window = window
        self.checkEvery = every
        self.options = options
        var initial = State()
        initial.columns = numeric.map { _ in [] }
        initial.texts = numeric.map { _ in [] }
        state = Mutex(initial)
    }

    /// Rows added so far.
    public var rowsSeen: Int { state.withLock { $0.rowsSeen } }

    /// Adds rows (the reference's columns, by name; others are ignored) and runs the checks
    /// they complete.
    /// - Returns: every check run, drifted or not, in order.
    /// - Throws: `ToolboxError/Code/notFound` for a missing column,
    ///   `ToolboxError/Code/invalidData` for text where the reference has numbers; nothing is
    ///   added then.
    @discardableResult
    public func add(_ rows: DataTable) throws -> [Check] {
        // Read every column first, so a bad batch adds nothing.
        var numbers: [[Double]] = [], texts: [[String?]] = []
        for (index, name) in names.enumerated() {
            let column = try rows.column(named: name)
            switch (numeric[index], column) {
            case (true, .numeric(let values)):
                numbers.append(values)
                texts.append([])
            case (true, .categorical(let values)) where values.allSatisfy({ $0 == nil }):
                numbers.append([Double](repeating: .nan, count: values.count))
                texts.append([])
            case (true, .categorical(let values)):
                let row = values.firstIndex { $0 != nil } ?? 0
                throw ToolboxError(.invalidData, "column \(name) holds numbers in the reference but text in the added rows (row \(row))",
                                   context: ErrorContext(column: name, row: row))
            case (false, .numeric(let values)):
                numbers.append([])
                texts.append(values.map { $0.isNaN ? nil : ReferenceColumn.text($0) })
            case (false, .categorical(let values)):
                numbers.append([])
                texts.append(values)
            }
        }
        var checks: [Check] = []
        var handler: (@Sendable (Check) -> Void)?
        try state.withLock { state in
            handler = state.onDrift
            var start = 0
            while start < rows.rowCount {
                // Add up to the next check.
                let room: Int
                switch window {
                case .tumbling(let size): room = size - (state.columns.first?.count ?? state.texts.first?.count ?? 0)
                case .sliding: room = checkEvery - state.sinceCheck
                }
                let end = min(rows.rowCount, start + max(room, 1))
                for index in names.indices {
                    if numeric[index] { state.columns[index].append(contentsOf: numbers[index][start..<end]) } else { state.texts[index].append(contentsOf: texts[index][start..<end]) }
                }
                state.rowsSeen += end - start
                state.sinceCheck += end - start
                start = end
                if case .sliding(let size) = window {
                    for index in names.indices {
                        if numeric[index], state.columns[index].count > size { state.columns[index].removeFirst(state.columns[index].count - size) }
                        if !numeric[index], state.texts[index].count > size { state.texts[index].removeFirst(state.texts[index].count - size) }
                    }
                }
                let windowRows = numeric.first == true ? (state.columns.first?.count ?? 0) : (state.texts.first?.count ?? 0)
                // A check is due every `checkEvery` rows, once the window is full.
                guard state.sinceCheck >= checkEvery else { continue }
                state.sinceCheck = 0
                guard windowRows >= window.size else { continue }
                let current = try DataTable(names.indices.map { index in
                    (names[index], numeric[index] ? DataTable.Column.numeric(state.columns[index]) : .categorical(state.texts[index]))
                })
                let report: DriftReport
                switch reference {
                case .table(let table): report = try DriftReport.compute(reference: table, current: current, options: options)
                case .profile(let profile): report = try DriftReport.compute(profile: profile, current: current, options: options)
                }
                checks.append(Check(rowsSeen: state.rowsSeen, windowRows: windowRows, date: Date(), report: report))
                if case .tumbling = window {
                    for index in names.indices { state.columns[index].removeAll(keepingCapacity: true); state.texts[index].removeAll(keepingCapacity: true) }
                }
            }
        }
        if let handler { for check in checks where check.isDrift { handler(check) } }
        return checks
    }
}
