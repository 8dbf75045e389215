/// An identifier (primary item id, ISIL) of up to 32 UTF-8 bytes stored inline.
///
/// The gate's hot path moves these around by value: no heap, no ARC, plain copies.
/// Unused bytes are kept zero so equality and hashing can look at the whole storage.
public struct ItemID: BitwiseCopyable, Hashable, Sendable, CustomStringConvertible {
    public static let capacity = 32

    @usableFromInline var storage: InlineArray<32, UInt8>
    @usableFromInline var length: UInt8

    /// The empty identifier (also used for "no owner" on the fast path).
    @inlinable
    public init() {
        storage = InlineArray(repeating: 0)
        length = 0
    }

    /// Fails when the UTF-8 form is longer than `capacity` bytes.
    public init?(_ string: String) {
        self.init()
        var s = string
        let ok = s.withUTF8 { buf -> Bool in
            guard buf.count <= Self.capacity else { return false }
            for b in buf { _ = append(b) }
            return true
        }
        if !ok { return nil }
    }

    /// Fails when there are more than `capacity` bytes. Bytes are taken as UTF-8.
    public init?(utf8 bytes: some Sequence<UInt8>) {
        self.init()
        for b in bytes where !append(b) { return nil }
    }

    @inlinable public var count: Int { Int(length) }
    @inlinable public var isEmpty: Bool { length == 0 }

    @inlinable
    public subscript(i: Int) -> UInt8 {
        precondition(i >= 0 && i < Int(length), "ItemID index out of range")
        return storage[i]
    }

    /// Appends one byte; false (and unchanged) when full.
    @inlinable @discardableResult
    public mutating func append(_ byte: UInt8) -> Bool {
        guard length < 32 else { return false }
        storage[Int(length)] = byte
        length &+= 1
        return true
    }

    @inlinable
    mutating func removeAll() {
        for i in 0..<Int(length) { storage[i] = 0 }
        length = 0
    }

    @inlinable
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.span.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<Int(length)])) }
    }

    /// The bytes as a String (invalid UTF-8, which decoders never produce, is repaired).
    public var string: String {
        withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }

    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    public var description: String { string }

    @inlinable
    public static func == (a: ItemID, b: ItemID) -> Bool {
        guard a.length == b.length else { return false }
        for i in 0..<32 where a.storage[i] != b.storage[i] { return false }
        return true
    }

    @inlinable
    public func hash(into hasher: inout Hasher) {
        hasher.combine(length)
        for i in 0..<Int(length) { hasher.combine(storage[i]) }
    }
}

extension ItemID: ExpressibleByStringLiteral {
    /// For literals in code and tests; traps on a literal longer than 32 bytes.
    public init(stringLiteral value: String) {
        guard let id = ItemID(value) else { preconditionFailure("ItemID literal longer than 32 bytes") }
        self = id
    }
}
