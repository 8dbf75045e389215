import ISO28560

/// Every line rfidgatectl prints passes here (this `print` shadows the standard library's in
/// the module): item ids, titles, owners, ILS screen messages and import rejects are data that
/// strangers wrote, and none of it may move the technician's cursor, clear the screen or
/// reorder what they read. JSON output is already escaped (`JSONWire`), so this leaves it alone.
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    // One call, one line: a line break inside is data (a title, an item id) and is escaped;
    // commands print each of their lines with a call of its own.
    Swift.print(SafeText.display(items.map { "\($0)" }.joined(separator: separator)), terminator: terminator)
}
