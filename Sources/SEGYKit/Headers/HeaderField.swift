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

    /// A field of `width` bytes at the 1-based `byteOffset` within its header.
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
    /// The trace header word at bytes 1–4 (32-bit, signed): trace sequence line.
    public static let traceSequenceLine = HeaderField(name: "traceSequenceLine", byteOffset: 1, width: 4)
    /// The trace header word at bytes 5–8 (32-bit, signed): trace sequence file.
    public static let traceSequenceFile = HeaderField(name: "traceSequenceFile", byteOffset: 5, width: 4)
    /// The trace header word at bytes 9–12 (32-bit, signed): field record.
    public static let fieldRecord = HeaderField(name: "fieldRecord", byteOffset: 9, width: 4)
    /// The trace header word at bytes 13–16 (32-bit, signed): trace number.
    public static let traceNumber = HeaderField(name: "traceNumber", byteOffset: 13, width: 4)
    /// The trace header word at bytes 17–20 (32-bit, signed): energy source point.
    public static let energySourcePoint = HeaderField(name: "energySourcePoint", byteOffset: 17, width: 4)
    /// The trace header word at bytes 21–24 (32-bit, signed): CDP.
    public static let cdp = HeaderField(name: "cdp", byteOffset: 21, width: 4)
    /// The trace header word at bytes 25–28 (32-bit, signed): CDP trace.
    public static let cdpTrace = HeaderField(name: "cdpTrace", byteOffset: 25, width: 4)
    /// The trace header word at bytes 29–30 (16-bit, signed): trace identification code.
    public static let traceIdentificationCode = HeaderField(name: "traceIdentificationCode", byteOffset: 29, width: 2)
    /// The trace header word at bytes 31–32 (16-bit, signed): summed traces.
    public static let summedTraces = HeaderField(name: "summedTraces", byteOffset: 31, width: 2)
    /// The trace header word at bytes 33–34 (16-bit, signed): stacked traces.
    public static let stackedTraces = HeaderField(name: "stackedTraces", byteOffset: 33, width: 2)
    /// The trace header word at bytes 35–36 (16-bit, signed): data use.
    public static let dataUse = HeaderField(name: "dataUse", byteOffset: 35, width: 2)
    /// The trace header word at bytes 37–40 (32-bit, signed): offset.
    public static let offset = HeaderField(name: "offset", byteOffset: 37, width: 4)
    /// The trace header word at bytes 41–44 (32-bit, signed): receiver group elevation.
    public static let receiverGroupElevation = HeaderField(name: "receiverGroupElevation", byteOffset: 41, width: 4)
    /// The trace header word at bytes 45–48 (32-bit, signed): source surface elevation.
    public static let sourceSurfaceElevation = HeaderField(name: "sourceSurfaceElevation", byteOffset: 45, width: 4)
    /// The trace header word at bytes 49–52 (32-bit, signed): source depth.
    public static let sourceDepth = HeaderField(name: "sourceDepth", byteOffset: 49, width: 4)
    /// The trace header word at bytes 53–56 (32-bit, signed): receiver datum elevation.
    public static let receiverDatumElevation = HeaderField(name: "receiverDatumElevation", byteOffset: 53, width: 4)
    /// The trace header word at bytes 57–60 (32-bit, signed): source datum elevation.
    public static let sourceDatumElevation = HeaderField(name: "sourceDatumElevation", byteOffset: 57, width: 4)
    /// The trace header word at bytes 61–64 (32-bit, signed): source water depth.
    public static let sourceWaterDepth = HeaderField(name: "sourceWaterDepth", byteOffset: 61, width: 4)
    /// The trace header word at bytes 65–68 (32-bit, signed): group water depth.
    public static let groupWaterDepth = HeaderField(name: "groupWaterDepth", byteOffset: 65, width: 4)
    /// The trace header word at bytes 69–70 (16-bit, signed): elevation scalar.
    public static let elevationScalar = HeaderField(name: "elevationScalar", byteOffset: 69, width: 2)
    /// The trace header word at bytes 71–72 (16-bit, signed): coordinate scalar.
    public static let coordinateScalar = HeaderField(name: "coordinateScalar", byteOffset: 71, width: 2)
    /// The trace header word at bytes 73–76 (32-bit, signed): source X.
    public static let sourceX = HeaderField(name: "sourceX", byteOffset: 73, width: 4)
    /// The trace header word at bytes 77–80 (32-bit, signed): source Y.
    public static let sourceY = HeaderField(name: "sourceY", byteOffset: 77, width: 4)
    /// The trace header word at bytes 81–84 (32-bit, signed): group X.
    public static let groupX = HeaderField(name: "groupX", byteOffset: 81, width: 4)
    /// The trace header word at bytes 85–88 (32-bit, signed): group Y.
    public static let groupY = HeaderField(name: "groupY", byteOffset: 85, width: 4)
    /// The trace header word at bytes 89–90 (16-bit, signed): coordinate units.
    public static let coordinateUnits = HeaderField(name: "coordinateUnits", byteOffset: 89, width: 2)
    /// The trace header word at bytes 91–92 (16-bit, signed): weathering velocity.
    public static let weatheringVelocity = HeaderField(name: "weatheringVelocity", byteOffset: 91, width: 2)
    /// The trace header word at bytes 93–94 (16-bit, signed): sub weathering velocity.
    public static let subWeatheringVelocity = HeaderField(name: "subWeatheringVelocity", byteOffset: 93, width: 2)
    /// The trace header word at bytes 95–96 (16-bit, signed): source uphole time.
    public static let sourceUpholeTime = HeaderField(name: "sourceUpholeTime", byteOffset: 95, width: 2)
    /// The trace header word at bytes 97–98 (16-bit, signed): group uphole time.
    public static let groupUpholeTime = HeaderField(name: "groupUpholeTime", byteOffset: 97, width: 2)
    /// The trace header word at bytes 99–100 (16-bit, signed): source static correction.
    public static let sourceStaticCorrection = HeaderField(name: "sourceStaticCorrection", byteOffset: 99, width: 2)
    /// The trace header word at bytes 101–102 (16-bit, signed): group static correction.
    public static let groupStaticCorrection = HeaderField(name: "groupStaticCorrection", byteOffset: 101, width: 2)
    /// The trace header word at bytes 103–104 (16-bit, signed): total static applied.
    public static let totalStaticApplied = HeaderField(name: "totalStaticApplied", byteOffset: 103, width: 2)
    /// The trace header word at bytes 105–106 (16-bit, signed): lag time a.
    public static let lagTimeA = HeaderField(name: "lagTimeA", byteOffset: 105, width: 2)
    /// The trace header word at bytes 107–108 (16-bit, signed): lag time b.
    public static let lagTimeB = HeaderField(name: "lagTimeB", byteOffset: 107, width: 2)
    /// The trace header word at bytes 109–110 (16-bit, signed): delay recording time.
    public static let delayRecordingTime = HeaderField(name: "delayRecordingTime", byteOffset: 109, width: 2)
    /// The trace header word at bytes 111–112 (16-bit, signed): mute time start.
    public static let muteTimeStart = HeaderField(name: "muteTimeStart", byteOffset: 111, width: 2)
    /// The trace header word at bytes 113–114 (16-bit, signed): mute time end.
    public static let muteTimeEnd = HeaderField(name: "muteTimeEnd", byteOffset: 113, width: 2)
    /// The trace header word at bytes 115–116 (16-bit, unsigned): sample count.
    public static let sampleCount = HeaderField(name: "sampleCount", byteOffset: 115, width: 2, signed: false)
    /// The trace header word at bytes 117–118 (16-bit, signed): sample interval.
    public static let sampleInterval = HeaderField(name: "sampleInterval", byteOffset: 117, width: 2)
    /// The trace header word at bytes 119–120 (16-bit, signed): gain type.
    public static let gainType = HeaderField(name: "gainType", byteOffset: 119, width: 2)
    /// The trace header word at bytes 121–122 (16-bit, signed): instrument gain constant.
    public static let instrumentGainConstant = HeaderField(name: "instrumentGainConstant", byteOffset: 121, width: 2)
    /// The trace header word at bytes 123–124 (16-bit, signed): instrument initial gain.
    public static let instrumentInitialGain = HeaderField(name: "instrumentInitialGain", byteOffset: 123, width: 2)
    /// The trace header word at bytes 125–126 (16-bit, signed): correlated.
    public static let correlated = HeaderField(name: "correlated", byteOffset: 125, width: 2)
    /// The trace header word at bytes 127–128 (16-bit, signed): sweep frequency start.
    public static let sweepFrequencyStart = HeaderField(name: "sweepFrequencyStart", byteOffset: 127, width: 2)
    /// The trace header word at bytes 129–130 (16-bit, signed): sweep frequency end.
    public static let sweepFrequencyEnd = HeaderField(name: "sweepFrequencyEnd", byteOffset: 129, width: 2)
    /// The trace header word at bytes 131–132 (16-bit, signed): sweep length.
    public static let sweepLength = HeaderField(name: "sweepLength", byteOffset: 131, width: 2)
    /// The trace header word at bytes 133–134 (16-bit, signed): sweep type.
    public static let sweepType = HeaderField(name: "sweepType", byteOffset: 133, width: 2)
    /// The trace header word at bytes 135–136 (16-bit, signed): sweep taper length start.
    public static let sweepTaperLengthStart = HeaderField(name: "sweepTaperLengthStart", byteOffset: 135, width: 2)
    /// The trace header word at bytes 137–138 (16-bit, signed): sweep taper length end.
    public static let sweepTaperLengthEnd = HeaderField(name: "sweepTaperLengthEnd", byteOffset: 137, width: 2)
    /// The trace header word at bytes 139–140 (16-bit, signed): taper type.
    public static let taperType = HeaderField(name: "taperType", byteOffset: 139, width: 2)
    /// The trace header word at bytes 141–142 (16-bit, signed): alias filter frequency.
    public static let aliasFilterFrequency = HeaderField(name: "aliasFilterFrequency", byteOffset: 141, width: 2)
    /// The trace header word at bytes 143–144 (16-bit, signed): alias filter slope.
    public static let aliasFilterSlope = HeaderField(name: "aliasFilterSlope", byteOffset: 143, width: 2)
    /// The trace header word at bytes 145–146 (16-bit, signed): notch filter frequency.
    public static let notchFilterFrequency = HeaderField(name: "notchFilterFrequency", byteOffset: 145, width: 2)
    /// The trace header word at bytes 147–148 (16-bit, signed): notch filter slope.
    public static let notchFilterSlope = HeaderField(name: "notchFilterSlope", byteOffset: 147, width: 2)
    /// The trace header word at bytes 149–150 (16-bit, signed): low cut frequency.
    public static let lowCutFrequency = HeaderField(name: "lowCutFrequency", byteOffset: 149, width: 2)
    /// The trace header word at bytes 151–152 (16-bit, signed): high cut frequency.
    public static let highCutFrequency = HeaderField(name: "highCutFrequency", byteOffset: 151, width: 2)
    /// The trace header word at bytes 153–154 (16-bit, signed): low cut slope.
    public static let lowCutSlope = HeaderField(name: "lowCutSlope", byteOffset: 153, width: 2)
    /// The trace header word at bytes 155–156 (16-bit, signed): high cut slope.
    public static let highCutSlope = HeaderField(name: "highCutSlope", byteOffset: 155, width: 2)
    /// The trace header word at bytes 157–158 (16-bit, signed): year.
    public static let year = HeaderField(name: "year", byteOffset: 157, width: 2)
    /// The trace header word at bytes 159–160 (16-bit, signed): day of Year.
    public static let dayOfYear = HeaderField(name: "dayOfYear", byteOffset: 159, width: 2)
    /// The trace header word at bytes 161–162 (16-bit, signed): hour.
    public static let hour = HeaderField(name: "hour", byteOffset: 161, width: 2)
    /// The trace header word at bytes 163–164 (16-bit, signed): minute.
    public static let minute = HeaderField(name: "minute", byteOffset: 163, width: 2)
    /// The trace header word at bytes 165–166 (16-bit, signed): second.
    public static let second = HeaderField(name: "second", byteOffset: 165, width: 2)
    /// The trace header word at bytes 167–168 (16-bit, signed): time basis code.
    public static let timeBasisCode = HeaderField(name: "timeBasisCode", byteOffset: 167, width: 2)
    /// The trace header word at bytes 169–170 (16-bit, signed): trace weighting factor.
    public static let traceWeightingFactor = HeaderField(name: "traceWeightingFactor", byteOffset: 169, width: 2)
    /// The trace header word at bytes 171–172 (16-bit, signed): geophone group number roll1.
    public static let geophoneGroupNumberRoll1 = HeaderField(name: "geophoneGroupNumberRoll1", byteOffset: 171, width: 2)
    /// The trace header word at bytes 173–174 (16-bit, signed): geophone group number first trace.
    public static let geophoneGroupNumberFirstTrace = HeaderField(name: "geophoneGroupNumberFirstTrace", byteOffset: 173, width: 2)
    /// The trace header word at bytes 175–176 (16-bit, signed): geophone group number last trace.
    public static let geophoneGroupNumberLastTrace = HeaderField(name: "geophoneGroupNumberLastTrace", byteOffset: 175, width: 2)
    /// The trace header word at bytes 177–178 (16-bit, signed): gap size.
    public static let gapSize = HeaderField(name: "gapSize", byteOffset: 177, width: 2)
    /// The trace header word at bytes 179–180 (16-bit, signed): over travel.
    public static let overTravel = HeaderField(name: "overTravel", byteOffset: 179, width: 2)
    /// The trace header word at bytes 181–184 (32-bit, signed): CDP X.
    public static let cdpX = HeaderField(name: "cdpX", byteOffset: 181, width: 4)
    /// The trace header word at bytes 185–188 (32-bit, signed): CDP Y.
    public static let cdpY = HeaderField(name: "cdpY", byteOffset: 185, width: 4)
    /// The trace header word at bytes 189–192 (32-bit, signed): inline.
    public static let inline = HeaderField(name: "inline", byteOffset: 189, width: 4)
    /// The trace header word at bytes 193–196 (32-bit, signed): crossline.
    public static let crossline = HeaderField(name: "crossline", byteOffset: 193, width: 4)
    /// The trace header word at bytes 197–200 (32-bit, signed): shot point.
    public static let shotPoint = HeaderField(name: "shotPoint", byteOffset: 197, width: 4)
    /// The trace header word at bytes 201–202 (16-bit, signed): shot point scalar.
    public static let shotPointScalar = HeaderField(name: "shotPointScalar", byteOffset: 201, width: 2)
    /// The trace header word at bytes 203–204 (16-bit, signed): trace value measurement unit.
    public static let traceValueMeasurementUnit = HeaderField(name: "traceValueMeasurementUnit", byteOffset: 203, width: 2)
    /// The trace header word at bytes 205–208 (32-bit, signed): transduction constant mantissa.
    public static let transductionConstantMantissa = HeaderField(name: "transductionConstantMantissa", byteOffset: 205, width: 4)
    /// The trace header word at bytes 209–210 (16-bit, signed): transduction constant power.
    public static let transductionConstantPower = HeaderField(name: "transductionConstantPower", byteOffset: 209, width: 2)
    /// The trace header word at bytes 211–212 (16-bit, signed): transduction unit.
    public static let transductionUnit = HeaderField(name: "transductionUnit", byteOffset: 211, width: 2)
    /// The trace header word at bytes 213–214 (16-bit, signed): device identifier.
    public static let deviceIdentifier = HeaderField(name: "deviceIdentifier", byteOffset: 213, width: 2)
    /// The trace header word at bytes 215–216 (16-bit, signed): time scalar.
    public static let timeScalar = HeaderField(name: "timeScalar", byteOffset: 215, width: 2)
    /// The trace header word at bytes 217–218 (16-bit, signed): source type.
    public static let sourceType = HeaderField(name: "sourceType", byteOffset: 217, width: 2)
    /// Rev 1 layout of bytes 219–224: a 4-byte mantissa and a 2-byte exponent (as segyio reads them).
    public static let sourceEnergyDirectionMantissa = HeaderField(name: "sourceEnergyDirectionMantissa", byteOffset: 219, width: 4)
    /// The trace header word at bytes 223–224 (16-bit, signed): source energy direction exponent.
    public static let sourceEnergyDirectionExponent = HeaderField(name: "sourceEnergyDirectionExponent", byteOffset: 223, width: 2)
    /// Rev 2 layout of the same bytes: three 2-byte angles in tenths of degrees.
    public static let sourceEnergyDirectionVertical = HeaderField(name: "sourceEnergyDirectionVertical", byteOffset: 219, width: 2)
    /// The trace header word at bytes 221–222 (16-bit, signed): source energy direction crossline.
    public static let sourceEnergyDirectionCrossline = HeaderField(name: "sourceEnergyDirectionCrossline", byteOffset: 221, width: 2)
    /// The trace header word at bytes 223–224 (16-bit, signed): source energy direction inline.
    public static let sourceEnergyDirectionInline = HeaderField(name: "sourceEnergyDirectionInline", byteOffset: 223, width: 2)
    /// The trace header word at bytes 225–228 (32-bit, signed): source measurement mantissa.
    public static let sourceMeasurementMantissa = HeaderField(name: "sourceMeasurementMantissa", byteOffset: 225, width: 4)
    /// The trace header word at bytes 229–230 (16-bit, signed): source measurement exponent.
    public static let sourceMeasurementExponent = HeaderField(name: "sourceMeasurementExponent", byteOffset: 229, width: 2)
    /// The trace header word at bytes 231–232 (16-bit, signed): source measurement unit.
    public static let sourceMeasurementUnit = HeaderField(name: "sourceMeasurementUnit", byteOffset: 231, width: 2)
    /// The trace header word at bytes 233–236 (32-bit, signed): unassigned1.
    public static let unassigned1 = HeaderField(name: "unassigned1", byteOffset: 233, width: 4)
    /// The trace header word at bytes 237–240 (32-bit, signed): unassigned2.
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
    /// The binary header word at bytes 3201–3204 (32-bit, signed): job identification.
    public static let jobIdentification = HeaderField(name: "jobIdentification", byteOffset: 3201, width: 4)
    /// The binary header word at bytes 3205–3208 (32-bit, signed): line number.
    public static let lineNumber = HeaderField(name: "lineNumber", byteOffset: 3205, width: 4)
    /// The binary header word at bytes 3209–3212 (32-bit, signed): reel number.
    public static let reelNumber = HeaderField(name: "reelNumber", byteOffset: 3209, width: 4)
    /// The binary header word at bytes 3213–3214 (16-bit, signed): traces per ensemble.
    public static let tracesPerEnsemble = HeaderField(name: "tracesPerEnsemble", byteOffset: 3213, width: 2)
    /// The binary header word at bytes 3215–3216 (16-bit, signed): auxiliary traces per ensemble.
    public static let auxiliaryTracesPerEnsemble = HeaderField(name: "auxiliaryTracesPerEnsemble", byteOffset: 3215, width: 2)
    /// The binary header word at bytes 3217–3218 (16-bit, signed): sample interval.
    public static let binarySampleInterval = HeaderField(name: "sampleInterval", byteOffset: 3217, width: 2)
    /// The binary header word at bytes 3219–3220 (16-bit, signed): original sample interval.
    public static let originalSampleInterval = HeaderField(name: "originalSampleInterval", byteOffset: 3219, width: 2)
    /// The binary header word at bytes 3221–3222 (16-bit, unsigned): sample count.
    public static let binarySampleCount = HeaderField(name: "sampleCount", byteOffset: 3221, width: 2, signed: false)
    /// The binary header word at bytes 3223–3224 (16-bit, unsigned): original sample count.
    public static let originalSampleCount = HeaderField(name: "originalSampleCount", byteOffset: 3223, width: 2, signed: false)
    /// The binary header word at bytes 3225–3226 (16-bit, signed): format.
    public static let formatCode = HeaderField(name: "format", byteOffset: 3225, width: 2)
    /// The binary header word at bytes 3227–3228 (16-bit, signed): ensemble fold.
    public static let ensembleFold = HeaderField(name: "ensembleFold", byteOffset: 3227, width: 2)
    /// The binary header word at bytes 3229–3230 (16-bit, signed): sorting code.
    public static let sortingCode = HeaderField(name: "sortingCode", byteOffset: 3229, width: 2)
    /// The binary header word at bytes 3231–3232 (16-bit, signed): vertical sum.
    public static let verticalSum = HeaderField(name: "verticalSum", byteOffset: 3231, width: 2)
    /// The binary header word at bytes 3233–3234 (16-bit, signed): sweep frequency start.
    public static let binarySweepFrequencyStart = HeaderField(name: "sweepFrequencyStart", byteOffset: 3233, width: 2)
    /// The binary header word at bytes 3235–3236 (16-bit, signed): sweep frequency end.
    public static let binarySweepFrequencyEnd = HeaderField(name: "sweepFrequencyEnd", byteOffset: 3235, width: 2)
    /// The binary header word at bytes 3237–3238 (16-bit, signed): sweep length.
    public static let binarySweepLength = HeaderField(name: "sweepLength", byteOffset: 3237, width: 2)
    /// The binary header word at bytes 3239–3240 (16-bit, signed): sweep type.
    public static let sweepTypeCode = HeaderField(name: "sweepType", byteOffset: 3239, width: 2)
    /// The binary header word at bytes 3241–3242 (16-bit, signed): sweep channel.
    public static let sweepChannel = HeaderField(name: "sweepChannel", byteOffset: 3241, width: 2)
    /// The binary header word at bytes 3243–3244 (16-bit, signed): sweep taper start.
    public static let binarySweepTaperStart = HeaderField(name: "sweepTaperStart", byteOffset: 3243, width: 2)
    /// The binary header word at bytes 3245–3246 (16-bit, signed): sweep taper end.
    public static let binarySweepTaperEnd = HeaderField(name: "sweepTaperEnd", byteOffset: 3245, width: 2)
    /// The binary header word at bytes 3247–3248 (16-bit, signed): taper type.
    public static let binaryTaperType = HeaderField(name: "taperType", byteOffset: 3247, width: 2)
    /// The binary header word at bytes 3249–3250 (16-bit, signed): correlated traces.
    public static let correlatedTraces = HeaderField(name: "correlatedTraces", byteOffset: 3249, width: 2)
    /// The binary header word at bytes 3251–3252 (16-bit, signed): binary gain recovered.
    public static let binaryGainRecovered = HeaderField(name: "binaryGainRecovered", byteOffset: 3251, width: 2)
    /// The binary header word at bytes 3253–3254 (16-bit, signed): amplitude recovery.
    public static let amplitudeRecovery = HeaderField(name: "amplitudeRecovery", byteOffset: 3253, width: 2)
    /// The binary header word at bytes 3255–3256 (16-bit, signed): measurement system.
    public static let measurementSystem = HeaderField(name: "measurementSystem", byteOffset: 3255, width: 2)
    /// The binary header word at bytes 3257–3258 (16-bit, signed): impulse signal polarity.
    public static let impulseSignalPolarity = HeaderField(name: "impulseSignalPolarity", byteOffset: 3257, width: 2)
    /// The binary header word at bytes 3259–3260 (16-bit, signed): vibratory polarity.
    public static let vibratoryPolarity = HeaderField(name: "vibratoryPolarity", byteOffset: 3259, width: 2)
    /// The binary header word at bytes 3261–3264 (32-bit, signed): extended traces per ensemble.
    public static let extendedTracesPerEnsemble = HeaderField(name: "extendedTracesPerEnsemble", byteOffset: 3261, width: 4)
    /// The binary header word at bytes 3265–3268 (32-bit, signed): extended auxiliary traces.
    public static let extendedAuxiliaryTraces = HeaderField(name: "extendedAuxiliaryTraces", byteOffset: 3265, width: 4)
    /// The binary header word at bytes 3269–3272 (32-bit, signed): extended sample count.
    public static let extendedSampleCount = HeaderField(name: "extendedSampleCount", byteOffset: 3269, width: 4)
    /// IEEE double; read it with ``BinaryHeader/extendedSampleInterval``.
    public static let extendedSampleInterval = HeaderField(name: "extendedSampleInterval", byteOffset: 3273, width: 8)
    /// IEEE double; read it with ``BinaryHeader/extendedOriginalSampleInterval``.
    public static let extendedOriginalSampleInterval = HeaderField(name: "extendedOriginalSampleInterval", byteOffset: 3281, width: 8)
    /// The binary header word at bytes 3289–3292 (32-bit, signed): extended original sample count.
    public static let extendedOriginalSampleCount = HeaderField(name: "extendedOriginalSampleCount", byteOffset: 3289, width: 4)
    /// The binary header word at bytes 3293–3296 (32-bit, signed): extended ensemble fold.
    public static let extendedEnsembleFold = HeaderField(name: "extendedEnsembleFold", byteOffset: 3293, width: 4)
    /// The binary header word at bytes 3297–3300 (32-bit, unsigned): byte order constant.
    public static let byteOrderConstant = HeaderField(name: "byteOrderConstant", byteOffset: 3297, width: 4, signed: false)
    /// The binary header word at bytes 3501–3501 (8-bit, unsigned): revision major.
    public static let revisionMajor = HeaderField(name: "revisionMajor", byteOffset: 3501, width: 1, signed: false)
    /// The binary header word at bytes 3502–3502 (8-bit, unsigned): revision minor.
    public static let revisionMinor = HeaderField(name: "revisionMinor", byteOffset: 3502, width: 1, signed: false)
    /// The binary header word at bytes 3503–3504 (16-bit, signed): fixed length trace flag.
    public static let fixedLengthTraceFlag = HeaderField(name: "fixedLengthTraceFlag", byteOffset: 3503, width: 2)
    /// The binary header word at bytes 3505–3506 (16-bit, signed): extended text header count.
    public static let extendedTextHeaderCount = HeaderField(name: "extendedTextHeaderCount", byteOffset: 3505, width: 2)
    /// The binary header word at bytes 3507–3508 (16-bit, signed): maximum additional trace headers.
    public static let maximumAdditionalTraceHeaders = HeaderField(name: "maximumAdditionalTraceHeaders", byteOffset: 3507, width: 2)
    /// The binary header word at bytes 3509–3510 (16-bit, signed): survey type.
    public static let surveyType = HeaderField(name: "surveyType", byteOffset: 3509, width: 2)
    /// The binary header word at bytes 3511–3512 (16-bit, signed): time basis.
    public static let timeBasis = HeaderField(name: "timeBasis", byteOffset: 3511, width: 2)
    /// The binary header word at bytes 3513–3520 (64-bit, unsigned): trace count in file.
    public static let traceCountInFile = HeaderField(name: "traceCountInFile", byteOffset: 3513, width: 8, signed: false)
    /// The binary header word at bytes 3521–3528 (64-bit, unsigned): first trace offset.
    public static let firstTraceOffset = HeaderField(name: "firstTraceOffset", byteOffset: 3521, width: 8, signed: false)
    /// The binary header word at bytes 3529–3532 (32-bit, signed): trailer stanza count.
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
