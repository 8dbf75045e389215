import ReaderProtocols

/// Reader-level FEIG commands beside the ISO host inventory: identity, RF field, the gate's
/// digital outputs (alarm light, buzzer) and inputs (people-counting light beam). Cold path:
/// called at start-up, on alarms and a few times a second for the inputs, not per tag.
extension FeigReader {
    public struct ReaderInfo: Equatable, Sendable {
        /// Firmware revision "major.minor".
        public var firmware: String
        public var hardwareType: UInt8
        public var readerType: UInt8
    }

    /// [0x66] MODE 0x00: SW-REV(2) D-REV HW-TYPE SW-TYPE TR-TYPE(2) RX-BUF(2) TX-BUF(2). [manual]
    public func readerInfo() throws(ReaderError) -> ReaderInfo {
        builder.begin(control: FeigCommand.readerInfo)
        builder.append(0x00)
        let frame = try exchange("get reader info", control: FeigCommand.readerInfo)
        let p = frame.payload
        do { try FeigResponse.checkStatus(p, "get reader info") } catch { throw .protocolError(error) }
        guard p.count >= 6 else { throw .protocolError(FeigParseError(offset: p.count, "reader info answer too short (\(p.count) bytes)")) }
        return ReaderInfo(firmware: "\(p[1]).\(p[2])", hardwareType: p[4], readerType: p[5])
    }

    /// [0x66] MODE 0x80: the reader's serial number (DEV-ID, 4 bytes). [manual]
    public func serialNumber() throws(ReaderError) -> UInt32 {
        builder.begin(control: FeigCommand.readerInfo)
        builder.append(0x80)
        let frame = try exchange("get reader serial", control: FeigCommand.readerInfo)
        let p = frame.payload
        do { try FeigResponse.checkStatus(p, "get reader serial") } catch { throw .protocolError(error) }
        guard p.count >= 5 else { throw .protocolError(FeigParseError(offset: p.count, "serial answer too short")) }
        return UInt32(p[1]) << 24 | UInt32(p[2]) << 16 | UInt32(p[3]) << 8 | UInt32(p[4])
    }

    /// [0x6A] Switches the RF field (all antennas) on or off.
    public func setRF(on: Bool) throws(ReaderError) {
        builder.begin(control: FeigCommand.rfOnOff)
        builder.append(on ? 0x01 : 0x00)
        let frame = try exchange("RF on/off", control: FeigCommand.rfOnOff)
        do { try FeigResponse.checkStatus(frame.payload, "RF on/off") } catch { throw .protocolError(error) }
    }

    /// [0x72] Switches digital output `output` (1...) on for `millis` (the reader switches it
    /// off by itself, so a dead link cannot leave the buzzer sounding), or off (`millis` 0).
    public func setOutput(_ output: UInt8, onForMillis millis: Int) throws(ReaderError) {
        builder.begin(control: FeigCommand.setOutput)
        builder.append(0x01)  // MODE
        builder.append(0x01)  // OUT-N: one record
        builder.append(output)  // OUT-NR
        builder.append(millis > 0 ? 0x01 : 0x00)  // OUT-S: on / off
        let tenths = UInt16(clamping: (millis + 99) / 100)
        builder.append(UInt8(tenths >> 8)); builder.append(UInt8(tenths & 0xFF))
        let frame = try exchange("set output", control: FeigCommand.setOutput)
        do { try FeigResponse.checkStatus(frame.payload, "set output") } catch { throw .protocolError(error) }
    }

    /// [0x74] The digital inputs as a bitmask (bit 0 = IN1), e.g. a light beam across the aisle.
    public func inputs() throws(ReaderError) -> UInt8 {
        builder.begin(control: FeigCommand.getInput)
        let frame = try exchange("get input", control: FeigCommand.getInput)
        let p = frame.payload
        do { try FeigResponse.checkStatus(p, "get input") } catch { throw .protocolError(error) }
        guard p.count >= 2 else { throw .protocolError(FeigParseError(offset: 1, "INPUT byte missing")) }
        return p[1]
    }
}
