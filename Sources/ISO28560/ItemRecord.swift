/// The library data on one tag: ISO 28560-1 data elements by number, typed.
///
/// The content parameter (element 2) is not stored: encoders compute it from what is present.
/// Elements with numbers the model does not know are kept as `.raw` values and re-encoded as they were.
public struct ItemRecord: Sendable, Hashable {
    public var elements: [DataElement: ElementValue]

    public init(elements: [DataElement: ElementValue] = [:]) {
        self.elements = elements
    }

    public init(
        primaryItemIdentifier: String?, ownerInstitution: String? = nil, setInformation: String? = nil,
        typeOfUsage: UInt8? = nil, shelfLocation: String? = nil, title: String? = nil
    ) {
        elements = [:]
        self.primaryItemIdentifier = primaryItemIdentifier
        self.ownerInstitution = ownerInstitution
        self.setInformation = setInformation
        self.typeOfUsage = typeOfUsage
        self.shelfLocation = shelfLocation
        self.title = title
    }

    public subscript(element: DataElement) -> ElementValue? {
        get { elements[element] }
        set { elements[element] = newValue }
    }

    public func text(_ e: DataElement) -> String? { elements[e]?.text }
    public mutating func setText(_ e: DataElement, _ v: String?) { elements[e] = v.map { .text($0) } }
    public func byte(_ e: DataElement) -> UInt8? { elements[e]?.byte }
    public mutating func setByte(_ e: DataElement, _ v: UInt8?) { elements[e] = v.map { .byte($0) } }

    /// Elements in number order (the content parameter is never among them).
    public var sortedElements: [(DataElement, ElementValue)] {
        elements.filter { $0.key != .contentParameter }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    // Typed accessors for elements 1–26.
    public var primaryItemIdentifier: String? {
        get { text(.primaryItemIdentifier) }
        set { setText(.primaryItemIdentifier, newValue) }
    }
    /// ISIL (ISO 15511) of the owner institution.
    public var ownerInstitution: String? {
        get { text(.ownerInstitution) }
        set { setText(.ownerInstitution, newValue) }
    }
    /// Decimal string as stored ("1203"); see `setParts` for the numbers.
    public var setInformation: String? {
        get { text(.setInformation) }
        set { setText(.setInformation, newValue) }
    }
    public var setParts: SetInformation? { setInformation.flatMap(SetInformation.init) }
    /// Two hex digits as one byte: high nibble main class, low nibble sub-class (0x10 = circulating).
    public var typeOfUsage: UInt8? {
        get { byte(.typeOfUsage) }
        set { setByte(.typeOfUsage, newValue) }
    }
    public var shelfLocation: String? {
        get { text(.shelfLocation) }
        set { setText(.shelfLocation, newValue) }
    }
    public var onixMediaFormat: String? {
        get { text(.onixMediaFormat) }
        set { setText(.onixMediaFormat, newValue) }
    }
    public var marcMediaFormat: String? {
        get { text(.marcMediaFormat) }
        set { setText(.marcMediaFormat, newValue) }
    }
    public var supplierIdentifier: String? {
        get { text(.supplierIdentifier) }
        set { setText(.supplierIdentifier, newValue) }
    }
    public var orderNumber: String? {
        get { text(.orderNumber) }
        set { setText(.orderNumber, newValue) }
    }
    public var illBorrowingInstitution: String? {
        get { text(.illBorrowingInstitution) }
        set { setText(.illBorrowingInstitution, newValue) }
    }
    public var illBorrowingTransactionNumber: String? {
        get { text(.illBorrowingTransactionNumber) }
        set { setText(.illBorrowingTransactionNumber, newValue) }
    }
    /// GTIN-13.
    public var gs1ProductIdentifier: String? {
        get { text(.gs1ProductIdentifier) }
        set { setText(.gs1ProductIdentifier, newValue) }
    }
    public var alternativeUniqueItemIdentifier: String? {
        get { text(.alternativeUniqueItemIdentifier) }
        set { setText(.alternativeUniqueItemIdentifier, newValue) }
    }
    public var localDataA: String? {
        get { text(.localDataA) }
        set { setText(.localDataA, newValue) }
    }
    public var localDataB: String? {
        get { text(.localDataB) }
        set { setText(.localDataB, newValue) }
    }
    public var title: String? {
        get { text(.title) }
        set { setText(.title, newValue) }
    }
    public var productIdentifierLocal: String? {
        get { text(.productIdentifierLocal) }
        set { setText(.productIdentifierLocal, newValue) }
    }
    /// 0 undefined, 1 book, 2 CD/DVD, 3 magnetic tape, 4 other, 5 other (careful handling), 6 very small item.
    public var mediaFormatOther: UInt8? {
        get { byte(.mediaFormatOther) }
        set { setByte(.mediaFormatOther, newValue) }
    }
    public var supplyChainStage: UInt8? {
        get { byte(.supplyChainStage) }
        set { setByte(.supplyChainStage, newValue) }
    }
    public var supplierInvoiceNumber: String? {
        get { text(.supplierInvoiceNumber) }
        set { setText(.supplierInvoiceNumber, newValue) }
    }
    public var alternativeItemIdentifier: String? {
        get { text(.alternativeItemIdentifier) }
        set { setText(.alternativeItemIdentifier, newValue) }
    }
    public var alternativeOwnerInstitution: String? {
        get { text(.alternativeOwnerInstitution) }
        set { setText(.alternativeOwnerInstitution, newValue) }
    }
    public var subsidiaryOfOwnerInstitution: String? {
        get { text(.subsidiaryOfOwnerInstitution) }
        set { setText(.subsidiaryOfOwnerInstitution, newValue) }
    }
    public var alternativeILLBorrowingInstitution: String? {
        get { text(.alternativeILLBorrowingInstitution) }
        set { setText(.alternativeILLBorrowingInstitution, newValue) }
    }
    public var localDataC: String? {
        get { text(.localDataC) }
        set { setText(.localDataC, newValue) }
    }
}
