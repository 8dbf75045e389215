extension GateFastPath {
    /// UHF (ISO 18000-63): MB01 from the PC word on, and MB11 user memory if it was read
    /// (pass an empty buffer otherwise). Security comes from the PC word's AFI.
    public static func decode(
        uiiMemory: UnsafeRawBufferPointer, userMemory: UnsafeRawBufferPointer, profile: AFIProfile = .iso28560
    ) -> GateDecode {
        guard uiiMemory.count >= 2 else {
            return .malformed(DecodeError(offset: uiiMemory.count, .truncated(needed: UInt8(2 - uiiMemory.count))))
        }
        let pc = PCWord(uiiMemory[0], uiiMemory[1])
        if pc.lengthWords == 0 { return .blank }
        guard let afi = pc.afi else {
            // Factory-fresh Gen2 (EPC serialised by the chip maker) or a GS1 / proprietary EPC.
            if Part4.isFactoryFresh(pc, firstEPCByte: uiiMemory.count > 2 ? uiiMemory[2] : nil) { return .blank }
            return .unrecognised(.proprietary)
        }
        guard Part4.isLibraryAFI(afi, profile) else { return .unrecognised(.unknown) }
        let end = 2 + 2 * pc.lengthWords
        guard end <= uiiMemory.count else {
            return .malformed(DecodeError(offset: 0, .uiiLengthPastEnd(words: pc.lengthWords, available: uiiMemory.count - 2)))
        }
        var buf = UIIBuffer()
        do {
            try Code40.decode(uiiMemory, 2, end, into: &buf)
        } catch {
            return .malformed(error)
        }
        var item = GateItem(pii: ItemID(), format: .part4, security: profile.state(afi: afi))
        // Split "ISIL.PII[.set]" at the first and last dots.
        var first = -1, last = -1
        for k in 0..<buf.count where buf.bytes[k] == UInt8(ascii: ".") {
            if first < 0 { first = k }
            last = k
        }
        var piiStart = 0, piiEnd = buf.count
        if first >= 0 {
            if first > ItemID.capacity {
                item.ownerTooLong = true
            } else {
                for k in 0..<first { item.owner.append(buf.bytes[k]) }
            }
            piiStart = first + 1
            if last != first {
                piiEnd = last
                var set = ItemID()
                for k in (last + 1)..<buf.count { _ = set.append(buf.bytes[k]) }
                (item.partsInSet, item.partNumber) = setNumbers(set)
            }
        }
        for k in piiStart..<piiEnd where !item.pii.append(buf.bytes[k]) {
            return .malformed(DecodeError(offset: 2, .identifierTooLong(max: UInt8(ItemID.capacity))))
        }
        // MB11: fill in the owner and set information when the UII did not carry them.
        var allZero = true
        for b in userMemory where b != 0 { allZero = false; break }
        if !allZero {
            guard userMemory[0] == 0x06 else { return .malformed(DecodeError(offset: 0, .unexpectedDSFID(userMemory[0]))) }
            let wantOwner = first < 0, wantSet = first < 0 || last == first  // fields the UII lacks
            var i = 1
            var seenUsage = false
            do {
                while let ds = try Part2DataSet.read(userMemory, at: i) {
                    if ds.oid == 3 && wantOwner && item.owner.isEmpty && !item.ownerTooLong {  // first set wins
                        try item.takeOwner { (o: inout ItemID) throws(DecodeError) in try ds.decodeText(userMemory, into: &o) }
                        if item.ownerTooLong { var n = NullSink(); try ds.decodeText(userMemory, into: &n) }
                    } else if ds.oid == 4 && wantSet && item.partsInSet == 0 && ds.compaction != .applicationDefined {
                        var s = ItemID()
                        try ds.decodeText(userMemory, into: &s)
                        (item.partsInSet, item.partNumber) = setNumbers(s)
                    } else if ds.oid == 5 && !seenUsage {  // first set wins
                        seenUsage = true
                        try item.takeUsage(ds, userMemory)
                    } else {
                        try ds.validate(userMemory)
                    }
                    i = ds.end
                }
            } catch {
                return .malformed(error)
            }
        }
        return .item(item)
    }
}
