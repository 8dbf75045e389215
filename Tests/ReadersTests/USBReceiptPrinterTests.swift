import Foundation
import ReaderEmulators
import Readers
import Testing

/// The receipt printer over the real libusb against an emulated USB printer (interface class 7,
/// bulk IN 0x82 and OUT 0x01) beside a FEIG reader, under `umockdev-run` with usbmon captures
/// made by scripts/make-usb-fixtures.py from the reviewed ESC/POS fixture. umockdev's pcap
/// replay completes a submitted OUT transfer only when its bytes equal the capture's, in order:
/// so a print that returns, followed by the marker, means the printer received exactly the
/// fixture's bytes.
@Suite("receipt printer under umockdev replay", .serialized)
struct USBReceiptPrinterTests {
    static let printerSysfs = "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-4"
    /// As PRINTER_CHUNK in scripts/make-usb-fixtures.py.
    static let chunk = 256
    static let receiptPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../KioskCoreTests/Fixtures/receipt-checkout-zh.escpos").standardized.path

    static func receipt() throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: receiptPath)))
    }

    @Test func findsThePrinterClassInterfaceAmongOtherDevices() throws {
        guard
            UmockdevSession.isInside(
                "printer-find", test: "USBReceiptPrinterTests/findsThePrinterClassInterfaceAmongOtherDevices", device: "receipt-printer")
        else { return }
        let ctx = try systemContext()
        defer { ctx.shutdown() }
        let t = try USBReceiptPrinter(context: ctx).find()
        #expect(t.device.vidPid == "0416:5011" && t.device.portPath == "1-4")
        #expect(t.interface == 0 && t.endpoint == 0x01)
        #expect(try USBReceiptPrinter(context: ctx, vendor: 0x0416, product: 0x5011).find() == t)
        // A configured vendor:product without a printer-class interface: its first bulk OUT.
        let feig = try USBReceiptPrinter(context: ctx, vendor: 0x0AB1, product: 0x0002).find()
        #expect(feig.endpoint == 0x02 && feig.device.vidPid == "0ab1:0002")
        #expect(throws: PrinterError.notFound("no USB printer 1234:5678 is plugged in")) {
            try USBReceiptPrinter(context: ctx, vendor: 0x1234, product: 0x5678).print([0x1B, 0x40])
        }
    }

    @Test func thePrinterReceivesTheReceiptFixtureByteForByte() throws {
        guard
            UmockdevSession.isInside(
                "printer-receipt", test: "USBReceiptPrinterTests/thePrinterReceivesTheReceiptFixtureByteForByte", device: "receipt-printer",
                pcap: (Self.printerSysfs, "printer-receipt.pcap"))
        else { return }
        let bytes = try Self.receipt()
        try #require(bytes.count > 2 * Self.chunk, "the fixture should need several chunks")
        let ctx = try systemContext()
        defer { ctx.shutdown() }
        let printer = USBReceiptPrinter(context: ctx, options: .init(chunkBytes: Self.chunk, timeoutMillis: 1000))
        try printer.print(bytes)
        // Completes only if every chunk before it matched the capture.
        try printer.print([0x1B, 0x40])
    }

    @Test func aPrinterThatStopsTakingDataIsATimeout() throws {
        guard
            UmockdevSession.isInside(
                "printer-stalled", test: "USBReceiptPrinterTests/aPrinterThatStopsTakingDataIsATimeout", device: "receipt-printer",
                pcap: (Self.printerSysfs, "printer-stalled.pcap"))
        else { return }
        let ctx = try systemContext()
        defer { ctx.shutdown() }
        let printer = USBReceiptPrinter(context: ctx, options: .init(chunkBytes: Self.chunk, timeoutMillis: 300))
        #expect {
            try printer.print(try Self.receipt())
        } throws: { e in
            if case PrinterError.timeout(_, let sent) = e { return sent == Self.chunk } else { return false }
        }
    }

    @Test func unplugWhilePrintingIsTyped() throws {
        guard
            UmockdevSession.isInside(
                "printer-unplug", test: "USBReceiptPrinterTests/unplugWhilePrintingIsTyped", device: "receipt-printer",
                pcap: (Self.printerSysfs, "printer-unplug.pcap"))
        else { return }
        let ctx = try systemContext()
        defer { ctx.shutdown() }
        let printer = USBReceiptPrinter(context: ctx, options: .init(chunkBytes: Self.chunk, timeoutMillis: 1000))
        #expect {
            try printer.print(try Self.receipt())
        } throws: { e in
            // The capture's ENODEV completion reports the second chunk's length as transferred.
            if case PrinterError.unplugged(_, let sent) = e { return sent == 2 * Self.chunk } else { return false }
        }
    }

    @Test func noPermissionIsTyped() throws {
        guard
            UmockdevSession.isInside("printer-access", test: "USBReceiptPrinterTests/noPermissionIsTyped", device: "receipt-printer")
        else { return }
        let api: FaultInjectingLibUSB
        switch SystemLibUSB.make() {
        case .success(let s): api = FaultInjectingLibUSB(s)
        case .failure(let c): Issue.record("libusb_init: \(c)"); return
        }
        let ctx = USBContext(api: api)
        defer { ctx.shutdown() }
        api.failNext(.open, with: .access)
        #expect(
            throws: PrinterError.permission(
                "0416:5011 (/dev/bus/usb/001/009) not permitted: install udev/70-rfidgate.rules or add the user to group rfidgate")
        ) {
            try USBReceiptPrinter(context: ctx).print([0x1B, 0x40])
        }
        api.failNext(.claim, with: .busy)
        #expect {
            try USBReceiptPrinter(context: ctx).print([0x1B, 0x40])
        } throws: { e in
            if case PrinterError.permission(let s) = e { return s.contains("in use by another program") } else { return false }
        }
    }
}
