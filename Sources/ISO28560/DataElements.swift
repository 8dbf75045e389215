/// An ISO 28560-1 data element number (the relative OID of 28560-2/-4). Unknown numbers are kept.
public struct DataElement: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public init(_ n: Int) { rawValue = n }

    public static let primaryItemIdentifier = DataElement(1)
    public static let contentParameter = DataElement(2)
    public static let ownerInstitution = DataElement(3)
    public static let setInformation = DataElement(4)
    public static let typeOfUsage = DataElement(5)
    public static let shelfLocation = DataElement(6)
    public static let onixMediaFormat = DataElement(7)
    public static let marcMediaFormat = DataElement(8)
    public static let supplierIdentifier = DataElement(9)
    public static let orderNumber = DataElement(10)
    public static let illBorrowingInstitution = DataElement(11)
    public static let illBorrowingTransactionNumber = DataElement(12)
    public static let gs1ProductIdentifier = DataElement(13)
    public static let alternativeUniqueItemIdentifier = DataElement(14)
    public static let localDataA = DataElement(15)
    public static let localDataB = DataElement(16)
    public static let title = DataElement(17)
    public static let productIdentifierLocal = DataElement(18)
    public static let mediaFormatOther = DataElement(19)
    public static let supplyChainStage = DataElement(20)
    public static let supplierInvoiceNumber = DataElement(21)
    public static let alternativeItemIdentifier = DataElement(22)
    public static let alternativeOwnerInstitution = DataElement(23)
    public static let subsidiaryOfOwnerInstitution = DataElement(24)
    public static let alternativeILLBorrowingInstitution = DataElement(25)
    public static let localDataC = DataElement(26)

    /// How an element's value is typed.
    public enum Kind: Sendable { case text, contentParameter, byte, unknown }

    public var kind: Kind {
        switch rawValue {
        case 2: .contentParameter
        case 5, 19, 20: .byte
        case 1, 3, 4, 6...18, 21...26: .text
        default: .unknown
        }
    }

    /// Elements whose code 000 means ISIL compaction (28560-2 Annex C; OID 11 as dp2 does).
    public var usesISILCompaction: Bool { rawValue == 3 || rawValue == 11 }

    /// snake_case names used in the JSON view (and the shared vector file).
    public var jsonName: String {
        switch rawValue {
        case 1: "primary_item_identifier"
        case 2: "content_parameter"
        case 3: "owner_institution_isil"
        case 4: "set_information"
        case 5: "type_of_usage"
        case 6: "shelf_location"
        case 7: "onix_media_format"
        case 8: "marc_media_format"
        case 9: "supplier_identifier"
        case 10: "order_number"
        case 11: "ill_borrowing_institution_isil"
        case 12: "ill_borrowing_transaction_number"
        case 13: "gs1_product_identifier"
        case 14: "alternative_unique_item_identifier"
        case 15: "local_data_a"
        case 16: "local_data_b"
        case 17: "title"
        case 18: "product_identifier_local"
        case 19: "media_format_other"
        case 20: "supply_chain_stage"
        case 21: "supplier_invoice_number"
        case 22: "alternative_item_identifier"
        case 23: "alternative_owner_institution"
        case 24: "subsidiary_of_owner_institution"
        case 25: "alternative_ill_borrowing_institution"
        case 26: "local_data_c"
        default: "element_\(rawValue)"
        }
    }

    /// Inverse of `jsonName` (also accepts `element_N`).
    public init?(jsonName: String) {
        for n in 1...26 where DataElement(n).jsonName == jsonName {
            self.init(n)
            return
        }
        if jsonName.hasPrefix("element_"), let n = Int(jsonName.dropFirst(8)), n > 0 {
            self.init(n)
            return
        }
        return nil
    }

    public static func < (a: DataElement, b: DataElement) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "\(rawValue) (\(jsonName))" }
}

/// A decoded element value.
public enum ElementValue: Sendable, Hashable {
    case text(String)
    /// One-byte elements: type of usage (two hex digits), media format other, supply chain stage.
    case byte(UInt8)
    /// An element kept as it was stored: unknown numbers, or data that does not fit its element's type.
    case raw(compaction: Compaction, bytes: [UInt8])

    public var text: String? {
        if case .text(let s) = self { return s }
        return nil
    }

    public var byte: UInt8? {
        if case .byte(let b) = self { return b }
        return nil
    }
}

/// Set information (element 4): number of parts in the item and this part's number.
/// ISO 28560-2 stores a decimal string whose two halves have the same width ("1203" = part 3 of 12).
public struct SetInformation: Sendable, Hashable, CustomStringConvertible {
    public var partsInItem: Int
    public var partNumber: Int

    public init(partsInItem: Int, partNumber: Int) {
        self.partsInItem = partsInItem
        self.partNumber = partNumber
    }

    /// Even number of digits, split in two equal halves.
    public init?(_ s: String) {
        let u = Array(s.utf8)
        guard !u.isEmpty, u.count % 2 == 0, u.count <= 18, u.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let half = u.count / 2
        partsInItem = u[..<half].reduce(0) { $0 * 10 + Int($1 - 0x30) }
        partNumber = u[half...].reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }

    /// Both halves zero-padded to the width of the wider one: (12, 3) → "1203", (3, 2) → "32".
    public var description: String {
        let a = String(partsInItem), b = String(partNumber)
        let w = max(a.count, b.count)
        return String(repeating: "0", count: w - a.count) + a + String(repeating: "0", count: w - b.count) + b
    }
}
