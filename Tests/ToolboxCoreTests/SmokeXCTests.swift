import ToolboxCore
import XCTest

/// A few checks under XCTest as well, so both test runners report executed tests.
final class SmokeXCTests: XCTestCase {
    func testSHA256OfABC() {
        // FIPS 180-4 example.
        XCTAssertEqual(ContentSHA256.hash(Array("abc".utf8)).hexString,
                       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testMatrixProduct() throws {
        let a = try Matrix<Double>([[1, 2], [3, 4]])
        XCTAssertEqual(try (a * a).values, [7, 10, 15, 22])
    }

    func testCSVErrorNamesTheLine() {
        XCTAssertThrowsError(try DataTable(csv: "a,b\n1,2\n3\n")) { error in
            XCTAssertEqual((error as? ToolboxError)?.context.line, 3)
        }
    }
}
