public import Foundation

/// Executables the package builds, found beside the running test bundle.
///
/// SwiftPM writes every product of one build into one folder, the test bundle among them, so the
/// `dstoolbox` and `TrackKitProbe` a test runs are the ones built with it, whatever
/// `--scratch-path` or configuration was used: never a stale binary from another build folder.
public enum BuiltProducts {
    /// The folder holding the running test bundle and the products built with it.
    public static var directory: URL {
        // On Linux the test bundle is an executable (`/proc/self/exe`); on macOS it is an
        // `.xctest` bundle loaded by `xctest`, whose products sit beside the bundle.
        if let bundle = Bundle.allBundles.first(where: { $0.bundlePath.hasSuffix(".xctest") }) {
            return bundle.bundleURL.deletingLastPathComponent()
        }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return executable.deletingLastPathComponent()
    }

    /// The path of executable product `name` built with the running tests.
    /// - Throws: `CocoaError(.fileNoSuchFile)` naming the folder searched when it is not there.
    public static func executable(_ name: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [
                NSFilePathErrorKey: path,
                NSLocalizedDescriptionKey: "\(name) was not built beside the test bundle in \(directory.path)",
            ])
        }
        return path
    }
}
