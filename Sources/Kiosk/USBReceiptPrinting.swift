import Dispatch
import KioskCore
import Readers
import StationCore

/// `ReceiptPrinting` on a USB ESC/POS printer: the receipt encoded by `EscPosReceipt`, sent by
/// `USBReceiptPrinter` on a serial queue of its own (a print blocks for up to one timeout per
/// chunk, so never on the cooperative pool). Errors are `PrinterError`s.
public final class USBReceiptPrinting: ReceiptPrinting {
    public let printer: USBReceiptPrinter
    public let columns: Int
    private let queue = DispatchQueue(label: "rfidgate.kiosk.printer")

    public init(printer: USBReceiptPrinter, columns: Int = EscPosReceipt.defaultColumns) {
        self.printer = printer
        self.columns = columns
    }

    /// From `[kiosk]`'s printer setting: nil for `.none`.
    public convenience init?(_ setting: KioskSettings.Printer, context: USBContext) {
        guard case .usb(let vendor, let product) = setting else { return nil }
        self.init(printer: USBReceiptPrinter(context: context, vendor: vendor, product: product))
    }

    public func print(_ receipt: Receipt, language: KioskLanguage) async throws {
        let bytes = EscPosReceipt.encode(receipt, language: language.receipt, columns: columns)
        let printer = self.printer
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            queue.async {
                do throws(PrinterError) {
                    try printer.print(bytes)
                    c.resume()
                } catch {
                    c.resume(throwing: error)
                }
            }
        }
    }
}
