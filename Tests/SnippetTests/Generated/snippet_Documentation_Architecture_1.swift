// Generated from Documentation/Architecture.md, snippet 1 by SnippetTests; do not edit (see SnippetTests.swift).
import ToolboxCore
import Foundation

private protocol Estimator<Model>: Sendable, Codable, Hashable {
    associatedtype Model: FittedModel
    func fit(_ x: Matrix<Double>, _ y: [Double], context: FitContext) throws -> Model
    var nonFiniteInputPolicy: NonFiniteInputPolicy { get }   // .rejected by default
}

func snippet_Documentation_Architecture_1() async throws {

}
