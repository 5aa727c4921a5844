import Testing
import ToolboxCore
import ToolboxTesting

@Suite("Matrix")
struct MatrixTests {
    let m = try! Matrix<Double>([[1, 2, 3], [4, 5, 6]])

    @Test func layoutIsRowMajor() throws {
        #expect(m.values == [1, 2, 3, 4, 5, 6])
        #expect(m[1, 0] == 4 && m.shape == (2, 3))
        #expect(m.row(1) == [4, 5, 6] && m.column(2) == [3, 6])
        #expect(m.transposed() == (try Matrix([[1, 4], [2, 5], [3, 6]])))
        #expect(try m.rows(at: [1, 1, 0]) == Matrix([[4, 5, 6], [4, 5, 6], [1, 2, 3]]))
        #expect(try m.columns(at: [2, 0]) == Matrix([[3, 1], [6, 4]]))
        #expect(m.rows(1..<2) == (try Matrix([[4, 5, 6]])))
        #expect(try m.appendingRows(m).rows == 4)
        #expect(try m.appendingColumns(m).row(0) == [1, 2, 3, 1, 2, 3])
    }

    @Test func badIndicesAndShapesThrow() {
        #expect(throws: ToolboxError.self) { try m.rows(at: [2]) }
        #expect(throws: ToolboxError.self) { try m.columns(at: [-1]) }
        #expect(throws: ToolboxError.self) { try m.appendingColumns(Matrix(rows: 3, columns: 1)) }
        #expect(throws: ToolboxError.self) { try m + m.transposed() }
        #expect(throws: ToolboxError.self) { try Matrix<Double>([[1, 2], [3]]) }
        #expect(throws: ToolboxError.self) { try Matrix<Double>(rows: -1, columns: 2, values: []) }
        #expect(throws: ToolboxError.self) { try Matrix<Double>(rows: Int.max, columns: 2, values: []) }
    }

    @Test func statistics() throws {
        #expect(m.columnMeans() == [2.5, 3.5, 4.5])
        #expect(m.columnSums() == [5, 7, 9])
        #expect(m.columnVariances() == [2.25, 2.25, 2.25])
        #expect(m.columnVariances(deltaDegreesOfFreedom: 1) == [4.5, 4.5, 4.5])
        #expect(m.columnMinimums() == [1, 2, 3] && m.columnMaximums() == [4, 5, 6])
        #expect(m.rowSums() == [6, 15])
        let withNaN = try Matrix<Double>([[1, .nan], [3, .nan], [5, 2]])
        #expect(withNaN.columnMeans(missing: .skip) == [3, 2])
        #expect(withNaN.columnMeans()[1].isNaN)
        #expect(withNaN.columnMinimums() == [1, 2])
        #expect(Quantile.linear([1.0, 2, 3, 4], 0.25) == 1.75)
    }

    @Test func validationNamesRowAndColumn() throws {
        var bad = m
        bad[1, 2] = .infinity
        do {
            try bad.validateFinite()
            Issue.record("Inf accepted")
        } catch let error as ToolboxError {
            #expect(error.code == .invalidData && error.context.row == 1 && error.context.column == "2")
        }
        #expect(throws: ToolboxError.self) { try m.validateColumnCount(4) }
        #expect(throws: ToolboxError.self) { try Matrix<Double>(rows: 0, columns: 3).validateNotEmpty() }
        #expect(throws: ToolboxError.self) { try TargetValidation.validate([1, .nan], rows: 2) }
        #expect(throws: ToolboxError.self) { try TargetValidation.validate([1], rows: 2) }
    }
}

@Suite("DataTable")
struct DataTableTests {
    let table = try! DataTable([
        ("size", .numeric([1, 2, 3, 4, .nan])),
        ("colour", .categorical(["red", "blue", nil, "red", "green"])),
    ])

    @Test func selectFilterAndRows() throws {
        #expect(try table.selecting(["colour"]).columnNames == ["colour"])
        #expect(try table.dropping(["colour"]).columnNames == ["size"])
        let big = try table.filter { try table.numericColumn(named: "size")[$0] > 2 }
        #expect(big.rowCount == 2)
        #expect(try big.categoricalColumn(named: "colour") == [nil, "red"])
        #expect(try table.rows(at: [4, 0]).categoricalColumn(named: "colour") == ["green", "red"])
        #expect(throws: ToolboxError.self) { try table.column(named: "weight") }
        #expect(throws: ToolboxError.self) { try table.numericColumn(named: "colour") }
        #expect(throws: ToolboxError.self) { try table.rows(at: [5]) }
        #expect(throws: ToolboxError.self) { try DataTable([("a", .numeric([1])), ("a", .numeric([2]))]) }
        #expect(throws: ToolboxError.self) { try DataTable([("a", .numeric([1])), ("b", .numeric([2, 3]))]) }
    }

    @Test func splitIsSeededAndComplete() throws {
        let (train, test) = try table.split(testFraction: 0.4, seed: 1)
        #expect(train.rowCount == 3 && test.rowCount == 2)
        let (train2, test2) = try table.split(testFraction: 0.4, seed: 1)
        #expect(train == train2 && test == test2)
        let sizes = try train.numericColumn(named: "size") + test.numericColumn(named: "size")
        #expect(sizes.filter { !$0.isNaN }.sorted() == [1, 2, 3, 4])
        #expect(throws: ToolboxError.self) { try table.split(testFraction: 1.5, seed: 1) }
    }

    @Test func toMatrixCodesCategories() throws {
        let features = try table.toMatrix()
        #expect(features.featureNames == ["size", "colour"])
        #expect(features.categoricalColumns == [1])
        #expect(features.categories["colour"] == ["blue", "green", "red"])
        #expect(features.matrix.column(1)[0] == 2 && features.matrix.column(1)[1] == 0 && features.matrix.column(1)[2].isNaN)
        #expect(features.descriptors[1] == FeatureDescriptor(name: "colour", kind: .categorical))
        #expect(throws: ToolboxError.self) { try table.toMatrix(categories: ["colour": ["red"]]) }
        let back = try DataTable(features.matrix, columnNames: ["a", "b"])
        #expect(back.columnNames == ["a", "b"])
    }
}
