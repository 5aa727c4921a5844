// Generated from Sources/ServeKit/ServeKit.docc/ServeKit.md, snippet 1 by SnippetTests; do not edit (see SnippetTests.swift).
import DSToolbox
import Hummingbird
import ServeKit
import ToolboxHTTP
import Foundation

func snippet_Sources_ServeKit_ServeKit_docc_ServeKit_1() async throws {
    try Toolbox.registerAll()
    let models = ModelRepository(store: try SQLiteTrackingStore(folder: "runs"))
    try await models.add(name: "churn", source: ModelSource("models:/churn@champion"))
    let server = InferenceServer(models: models, keys: try APIKeyring(path: "keys.json"))
    let app = Application(responder: server, server: HTTPSupport.server(headerTimeout: 10),
                          configuration: .init(address: .hostname("127.0.0.1", port: 8080)))
    try await app.runService()
}
