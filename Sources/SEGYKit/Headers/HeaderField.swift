/// A header word: where it is (1-based byte offset, as the SEG-Y standard and segyio number
/// them), how wide, and whether it is signed.
public struct HeaderField: Sendable, Hashable, CustomStringConvertible {
    /// The standard's name in camel case, for example `inline` or `cdpX`.
    public let name: String
    /// The 1-based byte offset within its header (trace header: 1–240; binary header: 3201–3600).
    public let byteOffset: Int
    /// Width in bytes: 1, 2, 4 or 8.
    public let width: Int
    /// Two's-complement signed or unsigned.
    public let signed: Bool

    public init(name: String, byteOffset: Int, width: Int, signed: Bool = true) {
        self.name = name
        self.byteOffset = byteOffset
        self.width = width
        self.signed = signed
    }

    /// A description for people.
    public var description: String { "\(name)@\(byteOffset)" }
}

// MARK: - Trace header fields (SEG-Y rev 1 / rev 2, 240 bytes)

extension HeaderField {
    public static let traceSequenceLine = HeaderField(name: "traceSequenceLine", byteOffset: 1, width: 4)
    public static let traceSequenceFile = HeaderField(name: "traceSequenceFile", byteOffset: 5, width: 4)
    public static let fieldRecord = HeaderField(name: "fieldRecord", byteOffset: 9, width: 4)
    public static let traceNumber = HeaderField(name: "traceNumber", byteOffset: 13, width: 4)
    public static let energySourcePoint = HeaderField(name: "energySourcePoint", byteOffset: 17, width: 4)
    public static let cdp = HeaderField(name: "cdp", byteOffset: 21, width: 4)
    public static let cdpTrace = HeaderField(name: "cdpTrace", byteOffset: 25, width: 4)
    public static let traceIdentificationCode = HeaderField(name: "traceIdentificationCode", byteOffset: 29, width: 2)
    public static let summedTraces = HeaderField(name: "summedTraces", byteOffset: 31, width: 2)
    public static let stackedTraces = HeaderField(name: "stackedTraces", byteOffset: 33, width: 2)
    public static let dataUse = HeaderField(name: "dataUse", byteOffset: 35, width: 2)
    public static let offset = HeaderField(name: "offset", byteOffset: 37, width: 4)
    public static let receiverGroupElevation = HeaderField(name: "receiverGroupElevation", byteOffset: 41, width: 4)
    public static let sourceSurfaceElevation = HeaderField(name: "sourceSurfaceElevation", byteOffset: 45, width: 4)
    public static let sourceDepth = HeaderField(name: "sourceDepth", byteOffset: 49, width: 4)
    public static let receiverDatumElevation = HeaderField(name: "receiverDatumElevation", byteOffset: 53, width: 4)
    public static let sourceDatumElevation = HeaderField(name: "sourceDatumElevation", byteOffset: 57, width: 4)
    public static let sourceWaterDepth = HeaderField(name: "sourceWaterDepth", byteOffset: 61, width: 4)
    public static let groupWaterDepth = HeaderField(name: "groupWaterDepth", byteOffset: 65, width: 4)
    public static let elevationScalar = HeaderField(name: "elevationScalar", byteOffset: 69, width: 2)
    public static let coordinateScalar = HeaderField(name: "coordinateScalar", byteOffset: 71, width: 2)
    public static let sourceX = HeaderField(name: "sourceX", byteOffset: 73, width: 4)
    public static let sourceY = HeaderField(name: "sourceY", byteOffset: 77, width: 4)
    public static let groupX = HeaderField(name: "groupX", byteOffset: 81, width: 4)
    public static let groupY = HeaderField(name: "groupY", byteOffset: 85, width: 4)
    public static let coordinateUnits = HeaderField(name: "coordinateUnits", byteOffset: 89, width: 2)
    public static let weatheringVelocity = HeaderField(name: "weatheringVelocity", byteOffset: 91, width: 2)
    public static let subWeatheringVelocity = HeaderField(name: "subWeatheringVelocity", byteOffset: 93, width: 2)
    public static let sourceUpholeTime = HeaderField(name: "sourceUpholeTime", byteOffset: 95, width: 2)
    public static let groupUpholeTime = HeaderField(name: "groupUpholeTime", byteOffset: 97, width: 2)
    public static let sourceStaticCorrection = HeaderField(name: "sourceStaticCorrection", byteOffset: 99, width: 2)
    public static let groupStaticCorrection = HeaderField(name: "groupStaticCorrection", byteOffset: 101, width: 2)
    public static let totalStaticApplied = HeaderField(name: "totalStaticApplied", byteOffset: 103, width: 2)
    public static let lagTimeA = HeaderField(name: "lagTimeA", byteOffset: 105, width: 2)
    public static let lagTimeB = HeaderField(name: "lagTimeB", byteOffset: 107, width: 2)
    public static let delayRecordingTime = HeaderField(name: "delayRecordingTime", byteOffset: 109, width: 2)
    public static let muteTimeStart = HeaderField(name: "muteTimeStart", byteOffset: 111, width: 2)
    public static let muteTimeEnd = HeaderField(name: "muteTimeEnd", byteOffset: 113, width: 2)
    public static let sampleCount = HeaderField(name: "sampleCount", byteOffset: 115, width: 2, signed: false)
    public static let sampleInterval = HeaderField(name: "sampleInterval", byteOffset: 117, width: 2)
    public static let gainType = HeaderField(name: "gainType", byteOffset: 119, width: 2)
    public static let instrumentGainConstant = HeaderField(name: "instrumentGainConstant", byteOffset: 121, width: 2)
    public static let instrumentInitialGain = HeaderField(name: "instrumentInitialGain", byteOffset: 123, width: 2)
    public static let correlated = HeaderField(name: "correlated", byteOffset: 125, width: 2)
    public static let sweepFrequencyStart = HeaderField(name: "sweepFrequencyStart", byteOffset: 127, width: 2)
    public static let sweepFrequencyEnd = HeaderField(name: "sweepFrequencyEnd", byteOffset: 129, width: 2)
    public static let sweepLength = HeaderField(name: "sweepLength", byteOffset: 131, width: 2)
    public static let sweepType = HeaderField(name: "sweepType", byteOffset: 133, width: 2)
    public static let sweepTaperLengthStart = HeaderField(name: "sweepTaperLengthStart", byteOffset: 135, width: 2)
    public static let sweepTaperLengthEnd = HeaderField(name: "sweepTaperLengthEnd", byteOffset: 137, width: 2)
    public static let taperType = HeaderField(name: "taperType", byteOffset: 139, width: 2)
    public static let aliasFilterFrequency = HeaderField(name: "aliasFilterFrequency", byteOffset: 141, width: 2)
    public static let aliasFilterSlope = HeaderField(name: "aliasFilterSlope", byteOffset: 143, width: 2)
    public static let notchFilterFrequency = HeaderField(name: "notchFilterFrequency", byteOffset: 145, width: 2)
    public static let notchFilterSlope = HeaderField(name: "notchFilterSlope", byteOffset: 147, width: 2)
    public static let lowCutFrequency = HeaderField(name: "lowCutFrequency", byteOffset: 149, width: 2)
    public static let highCutFrequency = HeaderField(name: "highCutFrequency", byteOffset: 151, width: 2)
    public static let lowCutSlope = HeaderField(name: "lowCutSlope", byteOffset: 153, width: 2)
    public static let highCutSlope = HeaderField(name: "highCutSlope", byteOffset: 155, width: 2)
    public static let year = HeaderField(name: "year", byteOffset: 157, width: 2)
    public static let dayOfYear = HeaderField(name: "dayOfYear", byteOffset: 159, width: 2)
    public static let hour = HeaderField(name: "hour", byteOffset: 161, width: 2)
    public static let minute = HeaderField(name: "minute", byteOffset: 163, width: 2)
    public static let second = HeaderField(name: "second", byteOffset: 165, width: 2)
    public static let timeBasisCode = HeaderField(name: "timeBasisCode", byteOffset: 167, width: 2)
    public static let traceWeightingFactor = HeaderField(name: "traceWeightingFactor", byteOffset: 169, width: 2)
    public static let geophoneGroupNumberRoll1 = HeaderField(name: "geophoneGroupNumberRoll1", byteOffset: 171, width: 2)
    public static let geophoneGroupNumberFirstTrace = HeaderField(name: "geophoneGroupNumberFirstTrace", byteOffset: 173, width: 2)
    public static let geophoneGroupNumberLastTrace = HeaderField(name: "geophoneGroupNumberLastTrace", byteOffset: 175, width: 2)
    public static let gapSize = HeaderField(name: "gapSize", byteOffset: 177, width: 2)
    public static let overTravel = HeaderField(name: "overTravel", byteOffset: 179, width: 2)
    public static let cdpX = HeaderField(name: "cdpX", byteOffset: 181, width: 4)
    public static let cdpY = HeaderField(name: "cdpY", byteOffset: 185, width: 4)
    public static let inline = HeaderField(name: "inline", byteOffset: 189, width: 4)
    public static let crossline = HeaderField(name: "crossline", byteOffset: 193, width: 4)
    public static let shotPoint = HeaderField(name: "shotPoint", byteOffset: 197, width: 4)
    public static let shotPointScalar = HeaderField(name: "shotPointScalar", byteOffset: 201, width: 2)
    public static let traceValueMeasurementUnit = HeaderField(name: "traceValueMeasurementUnit", byteOffset: 203, width: 2)
    public static let transductionConstantMantissa = HeaderField(name: "transductionConstantMantissa", byteOffset: 205, width: 4)
    public static let transductionConstantPower = HeaderField(name: "transductionConstantPower", byteOffset: 209, width: 2)
    public static let transductionUnit = HeaderField(name: "transductionUnit", byteOffset: 211, width: 2)
    public static let deviceIdentifier = HeaderField(name: "deviceIdentifier", byteOffset: 213, width: 2)
    public static let timeScalar = HeaderField(name: "timeScalar", byteOffset: 215, width: 2)
    public static let sourceType = HeaderField(name: "sourceType", byteOffset: 217, width: 2)
    /// Rev 1 layout of bytes 219–224: a 4-byte mantissa and a 2-byte exponent (as segyio reads them).
    public static let sourceEnergyDirectionMantissa = HeaderField(name: "sourceEnergyDirectionMantissa", byteOffset: 219, width: 4)
    public static let sourceEnergyDirectionExponent = HeaderField(name: "sourceEnergyDirectionExponent", byteOffset: 223, width: 2)
    /// Rev 2 layout of the same bytes: three 2-byte angles in tenths of degrees.
    public static let sourceEnergyDirectionVertical = HeaderField(name: "sourceEnergyDirectionVertical", byteOffset: 219, width: 2)
    public static let sourceEnergyDirectionCrossline = HeaderField(name: "sourceEnergyDirectionCrossline", byteOffset: 221, width: 2)
    public static let sourceEnergyDirectionInline = HeaderField(name: "sourceEnergyDirectionInline", byteOffset: 223, width: 2)
    public static let sourceMeasurementMantissa = HeaderField(name: "sourceMeasurementMantissa", byteOffset: 225, width: 4)
    public static let sourceMeasurementExponent = HeaderField(name: "sourceMeasurementExponent", byteOffset: 229, width: 2)
    public static let sourceMeasurementUnit = HeaderField(name: "sourceMeasurementUnit", byteOffset: 231, width: 2)
    public static let unassigned1 = HeaderField(name: "unassigned1", byteOffset: 233, width: 4)
    public static let unassigned2 = HeaderField(name: "unassigned2", byteOffset: 237, width: 4)

    /// Every standard trace header word, in byte order (rev 1 layout for bytes 219–224).
    public static let traceHeaderFields: [HeaderField] = [
        traceSequenceLine, traceSequenceFile, fieldRecord, traceNumber, energySourcePoint, cdp, cdpTrace,
        traceIdentificationCode, summedTraces, stackedTraces, dataUse, offset, receiverGroupElevation,
        sourceSurfaceElevation, sourceDepth, receiverDatumElevation, sourceDatumElevation, sourceWaterDepth,
        groupWaterDepth, elevationScalar, coordinateScalar, sourceX, sourceY, groupX, groupY, coordinateUnits,
        weatheringVelocity, subWeatheringVelocity, sourceUpholeTime, groupUpholeTime, sourceStaticCorrection,
        groupStaticCorrection, totalStaticApplied, lagTimeA, lagTimeB, delayRecordingTime, muteTimeStart,
        muteTimeEnd, sampleCount, sampleInterval, gainType, instrumentGainConstant, instrumentInitialGain,
        correlated, sweepFrequencyStart, sweepFrequencyEnd, sweepLength, sweepType, sweepTaperLengthStart,
        sweepTaperLengthEnd, taperType, aliasFilterFrequency, aliasFilterSlope, notchFilterFrequency,
        notchFilterSlope, lowCutFrequency, highCutFrequency, lowCutSlope, highCutSlope, year, dayOfYear, hour,
        minute, second, timeBasisCode, traceWeightingFactor, geophoneGroupNumberRoll1,
        geophoneGroupNumberFirstTrace, geophoneGroupNumberLastTrace, gapSize, overTravel, cdpX, cdpY, inline,
        crossline, shotPoint, shotPointScalar, traceValueMeasurementUnit, transductionConstantMantissa,
        transductionConstantPower, transductionUnit, deviceIdentifier, timeScalar, sourceType,
        sourceEnergyDirectionMantissa, sourceEnergyDirectionExponent, sourceMeasurementMantissa, sourceMeasurementExponent, sourceMeasurementUnit, unassigned1, unassigned2,
    ]

    /// The standard trace header word starting at `byteOffset` (1-based), if any.
    public static func traceHeaderField(at byteOffset: Int) -> HeaderField? {
        traceHeaderFields.first { $0.byteOffset == byteOffset }
    }
}

// MARK: - Binary header fields (file bytes 3201–3600)

extension HeaderField {
    public static let jobIdentification = HeaderField(name: "jobIdentification", byteOffset: 3201, width: 4)
    public static let lineNumber = HeaderField(name: "lineNumber", byteOffset: 3205, width: 4)
    public static let reelNumber = HeaderField(name: "reelNumber", byteOffset: 3209, width: 4)
    public static let tracesPerEnsemble = HeaderField(name: "tracesPerEnsemble", byteOffset: 3213, width: 2)
    public static let auxiliaryTracesPerEnsemble = HeaderField(name: "auxiliaryTracesPerEnsemble", byteOffset: 3215, width: 2)
    public static let binarySampleInterval = HeaderField(name: "sampleInterval", byteOffset: 3217, width: 2)
    public static let originalSampleInterval = HeaderField(name: "originalSampleInterval", byteOffset: 3219, width: 2)
    public static let binarySampleCount = HeaderField(name: "sampleCount", byteOffset: 3221, width: 2, signed: false)
    public static let originalSampleCount = HeaderField(name: "originalSampleCount", byteOffset: 3223, width: 2, signed: false)
    public static let formatCode = HeaderField(name: "format", byteOffset: 3225, width: 2)
    public static let ensembleFold = HeaderField(name: "ensembleFold", byteOffset: 3227, width: 2)
    public static let sortingCode = HeaderField(name: "sortingCode", byteOffset: 3229, width: 2)
    public static let verticalSum = HeaderField(name: "verticalSum", byteOffset: 3231, width: 2)
    public static let binarySweepFrequencyStart = HeaderField(name: "sweepFrequencyStart", byteOffset: 3233, width: 2)
    public static let binarySweepFrequencyEnd = HeaderField(name: "sweepFrequencyEnd", byteOffset: 3235, width: 2)
    public static let binarySweepLength = HeaderField(name: "sweepLength", byteOffset: 3237, width: 2)
    public static let sweepTypeCode = HeaderField(name: "sweepType", byteOffset: 3239, width: 2)
    public static let sweepChannel = HeaderField(name: "sweepChannel", byteOffset: 3241, width: 2)
    public static let binarySweepTaperStart = HeaderField(name: "sweepTaperStart", byteOffset: 3243, width: 2)
    public static let binarySweepTaperEnd = HeaderField(name: "sweepTaperEnd", byteOffset: 3245, width: 2)
    public static let binaryTaperType = HeaderField(name: "taperType", byteOffset: 3247, width: 2)
    public static let correlatedTraces = HeaderField(name: "correlatedTraces", byteOffset: 3249, width: 2)
    public static let binaryGainRecovered = HeaderField(name: "binaryGainRecovered", byteOffset: 3251, width: 2)
    public static let amplitudeRecovery = HeaderField(name: "amplitudeRecovery", byteOffset: 3253, width: 2)
    public static let measurementSystem = HeaderField(name: "measurementSystem", byteOffset: 3255, width: 2)
    public static let impulseSignalPolarity = HeaderField(name: "impulseSignalPolarity", byteOffset: 3257, width: 2)
    public static let vibratoryPolarity = HeaderField(name: "vibratoryPolarity", byteOffset: 3259, width: 2)
    public static let extendedTracesPerEnsemble = HeaderField(name: "extendedTracesPerEnsemble", byteOffset: 3261, width: 4)
    public static let extendedAuxiliaryTraces = HeaderField(name: "extendedAuxiliaryTraces", byteOffset: 3265, width: 4)
    public static let extendedSampleCount = HeaderField(name: "extendedSampleCount", byteOffset: 3269, width: 4)
    /// IEEE double; read it with ``BinaryHeader/extendedSampleInterval``.
    public static let extendedSampleInterval = HeaderField(name: "extendedSampleInterval", byteOffset: 3273, width: 8)
    /// IEEE double; read it with ``BinaryHeader/extendedOriginalSampleInterval``.
    public static let extendedOriginalSampleInterval = HeaderField(name: "extendedOriginalSampleInterval", byteOffset: 3281, width: 8)
    public static let extendedOriginalSampleCount = HeaderField(name: "extendedOriginalSampleCount", byteOffset: 3289, width: 4)
    public static let extendedEnsembleFold = HeaderField(name: "extendedEnsembleFold", byteOffset: 3293, width: 4)
    public static let byteOrderConstant = HeaderField(name: "byteOrderConstant", byteOffset: 3297, width: 4, signed: false)
    public static let revisionMajor = HeaderField(name: "revisionMajor", byteOffset: 3501, width: 1, signed: false)
    public static let revisionMinor = HeaderField(name: "revisionMinor", byteOffset: 3502, width: 1, signed: false)
    public static let fixedLengthTraceFlag = HeaderField(name: "fixedLengthTraceFlag", byteOffset: 3503, width: 2)
    public static let extendedTextHeaderCount = HeaderField(name: "extendedTextHeaderCount", byteOffset: 3505, width: 2)
    public static let maximumAdditionalTraceHeaders = HeaderField(name: "maximumAdditionalTraceHeaders", byteOffset: 3507, width: 2)
    public static let surveyType = HeaderField(name: "surveyType", byteOffset: 3509, width: 2)
    public static let timeBasis = HeaderField(name: "timeBasis", byteOffset: 3511, width: 2)
    public static let traceCountInFile = HeaderField(name: "traceCountInFile", byteOffset: 3513, width: 8, signed: false)
    public static let firstTraceOffset = HeaderField(name: "firstTraceOffset", byteOffset: 3521, width: 8, signed: false)
    public static let trailerStanzaCount = HeaderField(name: "trailerStanzaCount", byteOffset: 3529, width: 4)

    /// Every standard binary header word, in byte order.
    public static let binaryHeaderFields: [HeaderField] = [
        jobIdentification, lineNumber, reelNumber, tracesPerEnsemble, auxiliaryTracesPerEnsemble,
        binarySampleInterval, originalSampleInterval, binarySampleCount, originalSampleCount, formatCode,
        ensembleFold, sortingCode, verticalSum, binarySweepFrequencyStart, binarySweepFrequencyEnd,
        binarySweepLength, sweepTypeCode, sweepChannel, binarySweepTaperStart, binarySweepTaperEnd,
        binaryTaperType, correlatedTraces, binaryGainRecovered, amplitudeRecovery, measurementSystem,
        impulseSignalPolarity, vibratoryPolarity, extendedTracesPerEnsemble, extendedAuxiliaryTraces,
        extendedSampleCount, extendedSampleInterval, extendedOriginalSampleInterval, extendedOriginalSampleCount,
        extendedEnsembleFold, byteOrderConstant, revisionMajor, revisionMinor, fixedLengthTraceFlag,
        extendedTextHeaderCount, maximumAdditionalTraceHeaders, surveyType, timeBasis, traceCountInFile,
        firstTraceOffset, trailerStanzaCount,
    ]

    /// The standard binary header word starting at file byte `byteOffset` (1-based), if any.
    public static func binaryHeaderField(at byteOffset: Int) -> HeaderField? {
        binaryHeaderFields.first { $0.byteOffset == byteOffset }
    }
}
