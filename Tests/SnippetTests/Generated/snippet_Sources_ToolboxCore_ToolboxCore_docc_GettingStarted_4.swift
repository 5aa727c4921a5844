// Generated from Sources/ToolboxCore/ToolboxCore.docc/GettingStarted.md, snippet 4 by SnippetTests; do not edit (see SnippetTests.swift).
import ToolboxCore
import Foundation

func snippet_Sources_ToolboxCore_ToolboxCore_docc_GettingStarted_4() async throws {
    let table = try DataTable(csvFile: "houses.csv")
    let x = try table.toMatrix(columns: ["area", "rooms"]).matrix
    let y = try table.numericColumn(named: "price")
    let gram = try x.multiplied(by: x, transposeSelf: true)        // XᵀX by dgemm
    let (eigenvalues, eigenvectors) = try LinearAlgebra.symmetricEigen(gram)
    let fit = try LinearAlgebra.leastSquares(x, Matrix.column(y))   // dgelsd, like numpy.linalg.lstsq
}
