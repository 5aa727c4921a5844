public import Foundation
public import Hummingbird
public import HummingbirdCore
import NIOCore
import NIOHTTPTypes
import ToolboxCore

/// Pieces every DS Toolbox server uses: JSON responses, bodies read within a limit, bearer
/// tokens, and the rule that a server runs open only on loopback.
public enum HTTPSupport {
    /// A JSON response with `status`.
    public static func json(_ value: JSONOutput, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: value.text)))
    }

    /// The request's body, at most `limit` bytes: refused from `Content-Length` before reading
    /// and while reading a chunked body.
    /// - Throws: ``ToolboxError/Code/tooLarge`` past the limit.
    public static func body(of request: Request, limit: Int) async throws -> ByteBuffer {
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw ToolboxError(.tooLarge, "the request body of \(declared) bytes is larger than the limit of \(limit) bytes", context: ErrorContext(parameter: "body"))
        }
        do {
            return try await request.body.collect(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw ToolboxError(.tooLarge, "the request body is larger than the limit of \(limit) bytes", context: ErrorContext(parameter: "body"))
        } catch is NIOTooManyBytesError {
            // A chunked body that grows past the limit while being read.
            throw ToolboxError(.tooLarge, "the request body is larger than the limit of \(limit) bytes", context: ErrorContext(parameter: "body"))
        }
    }

    /// The token of an `Authorization: Bearer TOKEN` header (`nil` without one).
    public static func bearerToken(_ request: Request) -> String? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// Whether `host` names a loopback address (`127.0.0.0/8`, `::1`, `localhost`).
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }

    /// Refuses to serve without keys except on loopback with `open` set, saying so either way.
    /// - Throws: ``ToolboxError/Code/invalidParameter`` for an open server on another address,
    ///   or a server with neither keys nor `open`.
    public static func checkAccess(host: String, keys: String?, open: Bool) throws {
        if open && keys != nil {
            throw ToolboxError(.invalidParameter, "give --api-keys or --open, not both", context: ErrorContext(parameter: "open"))
        }
        if open {
            guard isLoopback(host) else {
                throw ToolboxError(.invalidParameter, "--open serves without authentication and is allowed on a loopback address only, not \(host)",
                                   context: ErrorContext(parameter: "host"))
            }
            return
        }
        guard keys != nil else {
            throw ToolboxError(.invalidParameter, "refusing to serve without API keys: give --api-keys FILE, or --open on a loopback address",
                               context: ErrorContext(parameter: "api-keys"))
        }
    }
}

extension HTTPSupport {
    /// An HTTP/1.1 server that drops slow clients: one whose request head has not fully arrived
    /// within `headerTimeout` seconds of connecting (or of its previous response) is closed, so
    /// clients that trickle headers cannot hold connections; idle connections close after
    /// `idleTimeout` seconds.
    public static func server(headerTimeout: Double, idleTimeout: Double = 75) -> HTTPServerBuilder {
        let nanoseconds = Int64(max(0.001, headerTimeout) * 1e9)
        return .http1(configuration: HTTP1Channel.Configuration(
            additionalChannelHandlers: [RequestHeadDeadline(timeout: .nanoseconds(nanoseconds))],
            idleTimeout: .nanoseconds(Int64(max(0.001, idleTimeout) * 1e9))
        ))
    }
}

/// Closes a connection whose request head does not arrive within a deadline of the connection
/// opening or of the previous response ending.
final class RequestHeadDeadline: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let timeout: TimeAmount
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount) { self.timeout = timeout }

    private func arm(_ context: ChannelHandlerContext) {
        timer?.cancel()
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: timeout) { bound.value.close(promise: nil) }
    }

    func handlerAdded(context: ChannelHandlerContext) { arm(context) }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            timer?.cancel()
            timer = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { arm(context) }
        context.write(data, promise: promise)
    }
}

extension HTTPSupport {
    /// Runs `responder` on a free port of 127.0.0.1 while `body` runs with the server's base
    /// URL, then stops it: a model server inside a Swift program, a test or an example.
    ///
    /// ```swift
    /// let answer = try await HTTPSupport.withLoopbackServer(InferenceServer(models: repository, keys: nil)) { base in
    ///     try await URLSession.shared.data(for: request(base))
    /// }
    /// ```
    public static func withLoopbackServer<Responder: HTTPResponder, T: Sendable>(
        _ responder: Responder, _ body: @escaping @Sendable (URL) async throws -> T
    ) async throws -> T where Responder.Context == BasicRequestContext {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(responder: responder, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0), serverName: "dstoolbox"),
                              onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) })
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await app.runService(gracefulShutdownSignals: [])
                return nil
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0, let base = URL(string: "http://127.0.0.1:\(port)") else {
                group.cancelAll()
                throw ToolboxError(.unavailable, "the loopback server did not start")
            }
            do {
                let result = try await body(base)
                group.cancelAll()
                return result
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }
}
