#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `[policy] alarm_command`: a shell command run once per alarm (`/bin/sh -c`), for anything
/// the built-in outputs do not cover (a message to the desk, a camera snapshot). It gets the
/// alarm in its environment: RFIDGATE_ITEM, RFIDGATE_TITLE, RFIDGATE_OWNER, RFIDGATE_READER,
/// RFIDGATE_ANTENNA, RFIDGATE_REASON, RFIDGATE_TIME (Unix ms). It never blocks the gate: the
/// command runs beside it; a failing one (exit status not 0, or not finished in 10 s) is
/// logged and run again up to 3 times in all.
///
/// Not thread-safe: one task calls `run` and `poll`.
public final class AlarmCommand {
    public let command: String
    struct Job {
        var env: [String]
        var attempt: Int
        var pid: pid_t = 0
        var startedNanos: UInt64 = 0
        var retryAt: UInt64 = 0
    }
    private var jobs: [Job] = []
    private let log: (String) -> Void
    public static let maxAttempts = 3
    public static let timeoutNanos: UInt64 = 10_000_000_000
    /// Commands that ended successfully / gave up (for tests and status).
    public private(set) var succeeded = 0
    public private(set) var abandoned = 0

    public init(command: String, log: @escaping (String) -> Void) {
        self.command = command
        self.log = log
    }

    public var running: Int { jobs.count }

    public func run(environment: [(String, String)], now: UInt64) {
        // Values are sanitised: no NUL bytes, one line.
        let env = environment.map { k, v in "\(k)=\(String(v.map { $0 == "\n" || $0 == "\0" ? " " : $0 }))" }
        if jobs.count >= 64 {
            abandoned += 1
            log("alarm_command: 64 commands still running; not starting another (is it hanging?)")
            return
        }
        var job = Job(env: env, attempt: 1)
        start(&job, now: now)
        jobs.append(job)
    }

    private func start(_ job: inout Job, now: UInt64) {
        var pid: pid_t = 0
        let base = ["PATH=/usr/local/bin:/usr/bin:/bin"] + job.env
        let args = ["/bin/sh", "-c", command]
        var cArgs = args.map { strdup($0) } + [nil]
        var cEnv = base.map { strdup($0) } + [nil]
        defer {
            for p in cArgs { free(p) }
            for p in cEnv { free(p) }
        }
        let rc = posix_spawn(&pid, "/bin/sh", nil, nil, &cArgs, &cEnv)
        job.startedNanos = now
        if rc != 0 {
            job.pid = 0
            log("alarm_command: cannot start /bin/sh: \(String(cString: strerror(rc)))")
            job.retryAt = now &+ 1_000_000_000
        } else {
            job.pid = pid
        }
    }

    /// Reaps finished commands, retries failed ones, kills hung ones. Call often.
    public func poll(now: UInt64) {
        var i = 0
        while i < jobs.count {
            var failed: String? = nil
            if jobs[i].pid == 0 {
                if now >= jobs[i].retryAt { failed = "not started" }
            } else {
                var status: Int32 = 0
                let r = waitpid(jobs[i].pid, &status, WNOHANG)
                if r == jobs[i].pid {
                    let exited = status & 0x7f == 0
                    let code = (status >> 8) & 0xff
                    if exited && code == 0 {
                        succeeded += 1
                        jobs.remove(at: i)
                        continue
                    }
                    failed = exited ? "exit status \(code)" : "killed by signal \(status & 0x7f)"
                } else if now &- jobs[i].startedNanos > Self.timeoutNanos {
                    kill(jobs[i].pid, SIGKILL)
                    waitpid(jobs[i].pid, &status, 0)
                    failed = "still running after 10 s (killed)"
                }
            }
            if let failed {
                if jobs[i].attempt >= Self.maxAttempts {
                    log("alarm_command failed \(jobs[i].attempt) times (\(failed)); giving up on this alarm (it is in the event log). Command: \(command)")
                    abandoned += 1
                    jobs.remove(at: i)
                    continue
                }
                log("alarm_command failed (\(failed)), attempt \(jobs[i].attempt) of \(Self.maxAttempts); retrying")
                jobs[i].attempt += 1
                start(&jobs[i], now: now)
            }
            i += 1
        }
    }
}
