import ISO28560

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
/// The command runs with a minimal environment (PATH and the RFIDGATE_* values, nothing of the
/// daemon's own: no credentials directory, no notify socket), stdin from /dev/null, and no
/// descriptor of the daemon's but stdout and stderr (no store, no socket, no reader). The values
/// come from tags: control characters are escaped (`SafeText.display`), so a tag cannot smuggle
/// a line break or an escape sequence into the command's world.
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
    /// Commands running at once; an alarm beyond it is not run (it is in the event log).
    public static let maxJobs = 64
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
        let env = environment.map { k, v in "\(k)=\(SafeText.display(v))" }
        if jobs.count >= Self.maxJobs {
            abandoned += 1
            log("alarm_command: \(Self.maxJobs) commands still running; not starting another (is it hanging?)")
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
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        // Everything from 3 up is closed in the child, whether or not it was opened CLOEXEC.
        closeFromThree(&actions)
        let rc = posix_spawn(&pid, "/bin/sh", &actions, nil, &cArgs, &cEnv)
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
                    log(
                        "alarm_command failed \(jobs[i].attempt) times (\(failed)); giving up on this alarm (it is in the event log). Command: \(command)"
                    )
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

/// glibc ≥ 2.34's posix_spawn_file_actions_addclosefrom_np (not in Swift's Glibc module: it is
/// behind _GNU_SOURCE), found at run time; elsewhere each descriptor open now from 3 up is
/// listed from /proc/self/fd and closed one by one.
private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
private let addCloseFrom: AddCloseFrom? = {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
    return unsafeBitCast(symbol, to: AddCloseFrom.self)
}()

private func closeFromThree(_ actions: inout posix_spawn_file_actions_t) {
    if let addCloseFrom, addCloseFrom(&actions, 3) == 0 { return }
    guard let dir = opendir("/proc/self/fd") else { return }
    defer { closedir(dir) }
    let own = dirfd(dir)
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if let fd = Int32(name), fd >= 3, fd != own { posix_spawn_file_actions_addclose(&actions, fd) }
    }
}
