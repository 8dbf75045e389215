/// A reader driver with digital outputs (gate light, buzzer) and inputs (a people-counting
/// beam), as FEIG readers and gates have. Like the inventory, these exchanges go over the
/// driver's one wire, so only the thread that owns the driver may call them (the gate's
/// `ReaderRunner` runs them between inventory cycles on behalf of other threads).
public protocol DigitalIOCapable: InventoryDriver {
    /// Switches output `output` (1...) on for `millis` (the reader switches it off by itself
    /// after that), or off when `millis` is 0.
    func setOutput(_ output: UInt8, onForMillis millis: Int) throws(ReaderError)
    /// The digital inputs as a bitmask (bit 0 = input 1).
    func inputs() throws(ReaderError) -> UInt8
}

extension FeigReader: DigitalIOCapable {}
