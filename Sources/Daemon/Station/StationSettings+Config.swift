import RFIDGateConfig
import Station
import StationCore

extension StationSettings {
    /// The desk's settings from `[station]`.
    init(_ c: StationConfig, utcOffsetSeconds: Int) {
        self.init(
            stationID: c.id,
            session: .init(
                requirePIN: c.requirePIN, idleTimeoutNanos: UInt64(c.idleTimeoutSeconds * 1e9), receiptNanos: 15_000_000_000),
            planner: ItemPlanner(incompleteSets: IncompleteSetRule(rawValue: c.incompleteSets) ?? .refuse, owners: Set(c.owners)),
            offline: OfflineRules(
                enabled: c.offlineEnabled, maxItemsPerPatron: c.offlineMaxItemsPerPatron, maxItemsPerSession: c.offlineMaxItemsPerSession,
                goodStandingDays: c.offlineGoodStandingDays, loanDays: c.offlineLoanDays),
            security: .init(securedAFI: UInt8(c.securedAFI), unsecuredAFI: UInt8(c.unsecuredAFI), eas: c.eas),
            patronCards: PatronCardMapping(source: PatronCardMapping.Source(rawValue: c.patronCard) ?? .pii, byUID: c.patronCardsByUID),
            writeAttempts: c.writeAttempts, liftGraceNanos: UInt64(c.liftGraceSeconds * 1e9),
            utcOffsetSeconds: utcOffsetSeconds)
    }
}
