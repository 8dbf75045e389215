import StationCore
import Testing

@Suite struct ReturnRoutingTests {
    @Test func holdHereGoesToTheHoldShelf() {
        let r = ReturnRouting(alert: true, alertType: "01", destination: "", sortBin: nil)
        #expect(r == ReturnRouting(kind: .holdShelf))
        #expect(ReturnRouting(alert: false, alertType: "01", destination: nil, sortBin: "B2")?.kind == .holdShelf)
    }

    @Test func holdElsewhereAndTransfersGoToAnotherBranch() {
        #expect(
            ReturnRouting(alert: true, alertType: "02", destination: "Haidian branch", sortBin: nil)
                == ReturnRouting(kind: .otherBranch, destination: "Haidian branch"))
        #expect(
            ReturnRouting(alert: true, alertType: "04", destination: "CN-SH0002", sortBin: "T")
                == ReturnRouting(kind: .otherBranch, destination: "CN-SH0002", sortBin: "T"))
    }

    @Test func otherAlertsGoToStaff() {
        #expect(ReturnRouting(alert: true, alertType: "99", destination: nil, sortBin: nil) == ReturnRouting(kind: .staff))
        #expect(ReturnRouting(alert: true, alertType: nil, destination: nil, sortBin: nil) == ReturnRouting(kind: .staff))
        #expect(ReturnRouting(alert: true, alertType: "03", destination: nil, sortBin: "B1") == ReturnRouting(kind: .staff, sortBin: "B1"))
    }

    @Test func aSortBinWithoutAnAlert() {
        #expect(
            ReturnRouting(alert: false, alertType: nil, destination: nil, sortBin: "B3") == ReturnRouting(kind: .sortBin, sortBin: "B3"))
        #expect(ReturnRouting(alert: false, alertType: "", destination: "", sortBin: "B3") == ReturnRouting(kind: .sortBin, sortBin: "B3"))
    }

    @Test func nothingToSayMeansBackToTheShelf() {
        #expect(ReturnRouting(alert: false, alertType: nil, destination: nil, sortBin: nil) == nil)
        #expect(ReturnRouting(alert: false, alertType: "", destination: "", sortBin: "") == nil)
        #expect(ReturnRouting(alert: false, alertType: "99", destination: "X", sortBin: nil) == nil)
    }

    @Test func kindNames() {
        #expect(ReturnRouting.Kind.holdShelf.rawValue == "hold-shelf" && ReturnRouting.Kind.otherBranch.rawValue == "other-branch")
        #expect(ReturnRouting.Kind.sortBin.rawValue == "sort-bin" && ReturnRouting.Kind.staff.rawValue == "staff")
    }
}
