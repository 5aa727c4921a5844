import CToolboxSupport
import Foundation

/// A program run in its own process group, its output read by threads as it arrives, so that
/// ending it (a pruned trial) ends every process it started, and a process it left behind
/// cannot hold the pipes open after it exits.
final class ChildProcess: @unchecked Sendable {
    let pid: pid_t
    private let lock = NSLock()
    private var exitStatus: Int32?
    private var readers: [Thread] = []
    private let done = DispatchGroup()

    /// Starts `executable` with `arguments` and `environment`; standard input is `/dev/null`,
    /// `onOutput` and `onError` get the bytes of standard output and error as they come.
    init(executable: String, arguments: [String], environment: [String: String],
         onOutput: @escaping @Sendable (Data) -> Void, onError: @escaping @Sendable (Data) -> Void) throws {
        var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        for fd in [outPipe[0], outPipe[1], errPipe[0], errPipe[1]] { posix_spawn_file_actions_addclose(&actions, fd) }
        // Nothing else of this process reaches the program (nor what it leaves running).
        toolbox_spawn_close_from(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var child: pid_t = 0
        let status = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        close(outPipe[1])
        close(errPipe[1])
        guard status == 0 else {
            close(outPipe[0])
            close(errPipe[0])
            throw POSIXError(POSIXErrorCode(rawValue: status) ?? .EIO)
        }
        pid = child
        for (fd, sink) in [(outPipe[0], onOutput), (errPipe[0], onError)] {
            done.enter()
            let group = done
            let thread = Thread {
                var buffer = [UInt8](repeating: 0, count: 65_536)
                while true {
                    let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    if count > 0 {
                        sink(Data(buffer[0..<count]))
                    } else if count == 0 || errno != EINTR {
                        break
                    }
                }
                close(fd)
                group.leave()
            }
            thread.start()
            readers.append(thread)
        }
    }

    /// Whether the program has not exited yet (reaps it once it has).
    var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        if exitStatus != nil { return false }
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid { exitStatus = status; return false }
        if result < 0, errno == ECHILD { exitStatus = 0; return false }
        return true
    }

    /// Signals the program's whole process group.
    func signal(_ signal: Int32) {
        kill(-pid, signal)
    }

    /// After the program exited: ends whatever it left running in its group (so the pipes
    /// close) and waits for the readers to deliver the rest of the output.
    func finish() {
        signal(SIGKILL)
        done.wait()
    }

    /// How the program ended: its exit status, or the signal that ended it.
    var termination: (exitCode: Int32?, signal: Int32?) {
        lock.lock()
        defer { lock.unlock() }
        guard let status = exitStatus else { return (nil, nil) }
        let signalNumber = status & 0x7F
        if signalNumber == 0 { return ((status >> 8) & 0xFF, nil) }
        return (nil, signalNumber)
    }
}
