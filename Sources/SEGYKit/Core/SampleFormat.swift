/// The data sample format code of a SEG-Y file (binary header bytes 3225–3226).
public enum SampleFormat: Int, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    case ibmFloat32 = 1
    case int32 = 2
    case int16 = 3
    /// Obsolete 4-byte fixed point with gain (SEG-Y rev 0); passed through as 4-byte IEEE
    /// float, as segyio does.
    case fixedPointWithGain32 = 4
    case ieeeFloat32 = 5
    case ieeeFloat64 = 6
    case int24 = 7
    case int8 = 8
    case int64 = 9
    case uint32 = 10
    case uint16 = 11
    case uint64 = 12
    case uint24 = 15
    case uint8 = 16

    /// Bytes per sample.
    public var byteCount: Int {
        switch self {
        case .int8, .uint8: 1
        case .int16, .uint16: 2
        case .int24, .uint24: 3
        case .ibmFloat32, .int32, .fixedPointWithGain32, .ieeeFloat32, .uint32: 4
        case .ieeeFloat64, .int64, .uint64: 8
        }
    }

    /// A description for people.
    public var description: String {
        switch self {
        case .ibmFloat32: "4-byte IBM float"
        case .int32: "4-byte signed integer"
        case .int16: "2-byte signed integer"
        case .fixedPointWithGain32: "4-byte fixed point with gain"
        case .ieeeFloat32: "4-byte IEEE float"
        case .ieeeFloat64: "8-byte IEEE float"
        case .int24: "3-byte signed integer"
        case .int8: "1-byte signed integer"
        case .int64: "8-byte signed integer"
        case .uint32: "4-byte unsigned integer"
        case .uint16: "2-byte unsigned integer"
        case .uint64: "8-byte unsigned integer"
        case .uint24: "3-byte unsigned integer"
        case .uint8: "1-byte unsigned integer"
        }
    }
}
