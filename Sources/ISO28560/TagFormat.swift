/// What a tag's memory was recognised as (ISO 28560-2 §8 detection order).
public enum TagFormat: UInt8, BitwiseCopyable, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case blank
    /// ISO 28560-2 / GB/T 35660.2 (ISO/IEC 15962 data sets).
    case part2
    /// ISO 28560-3 fixed layout (Danish data model).
    case part3
    /// ISO 28560-3 written with every 4-byte block byte-reversed (FKI and others).
    case part3ReversedBlocks
    /// ISO/TS 28560-4 / GB/T 35660.3 (UHF UII + user memory).
    case part4
    /// 3M proprietary layout (recognised, never decoded as ISO).
    case threeM
    /// Another recognised non-ISO layout (e.g. Bibliotheca DM11, GS1 EPC on UHF).
    case proprietary
    case unknown

    /// The name the CLI and JSON view use.
    public var jsonName: String {
        switch self {
        case .blank: "blank"
        case .part2: "28560-2"
        case .part3, .part3ReversedBlocks: "28560-3"
        case .part4: "28560-4"
        case .threeM, .proprietary: "proprietary"
        case .unknown: "unknown"
        }
    }

    public var description: String {
        switch self {
        case .part3ReversedBlocks: "28560-3 (reversed blocks)"
        case .threeM: "proprietary (3M)"
        default: jsonName
        }
    }
}
