import DSToolbox
import Foundation
import PostgresStore

/// Where a command's store is: `--store`, else `DSTOOLBOX_STORE`, else `./dstoolbox-store`.
///
/// - a folder: the SQLite stores (`tracking.sqlite`, `studies.sqlite`) in it;
/// - `postgresql://USER:PASSWORD@HOST:PORT/DATABASE[?pool=N&retry_seconds=S]`: one PostgreSQL
///   database shared by every machine (runs, registry and studies);
/// - `http://` or `https://`: a tracking server speaking MLflow's REST API (DS Toolbox's
///   `tracking serve` or a stock `mlflow server`), reached with the key in
///   `DSTOOLBOX_TRACKING_TOKEN` or `MLFLOW_TRACKING_TOKEN`; it holds runs and the registry, not studies.
enum StoreLocation {
    case folder(String)
    case postgres(String)
    case server(URL)

    init(_ option: String?) throws {
        let text = option ?? ProcessInfo.processInfo.environment["DSTOOLBOX_STORE"] ?? "dstoolbox-store"
        if text.hasPrefix("http://") || text.hasPrefix("https://") {
            guard let url = URL(string: text) else { throw ToolboxError(.invalidParameter, "not a URL: \(text)", context: ErrorContext(parameter: "store")) }
            self = .server(url)
        } else if PostgresURL.isPostgres(text) {
            self = .postgres(text)
        } else {
            self = .folder(text)
        }
    }

    /// The tracking store and registry.
    func trackingStore(readOnly: Bool = false) async throws -> any TrackingStore {
        switch self {
        case .server(let url): return try RemoteTrackingStore(url: url)
        case .postgres(let url): return try await PostgresTrackingStore(url: url)
        case .folder(let path):
            if readOnly, !FileManager.default.fileExists(atPath: URL(fileURLWithPath: path).appendingPathComponent("tracking.sqlite").path) {
                throw ToolboxError(.notFound, "no tracking store at \(path); give --store or DSTOOLBOX_STORE", context: ErrorContext(path: path))
            }
            return try SQLiteTrackingStore(folder: path)
        }
    }

    /// The studies.
    func studyStorage(readOnly: Bool = false) async throws -> any StudyStorage {
        switch self {
        case .server(let url):
            throw ToolboxError(.invalidParameter, "studies live in a store folder or a PostgreSQL database, not on a tracking server (\(url)); give --store FOLDER or --store postgresql://...",
                               context: ErrorContext(parameter: "store"))
        case .postgres(let url): return try await PostgresStudyStorage(url: url)
        case .folder(let path):
            if readOnly, !FileManager.default.fileExists(atPath: URL(fileURLWithPath: path).appendingPathComponent("studies.sqlite").path) {
                throw ToolboxError(.notFound, "no studies in a store at \(path); give --store or DSTOOLBOX_STORE", context: ErrorContext(path: path))
            }
            return try SQLiteStudyStorage(folder: path)
        }
    }
}
