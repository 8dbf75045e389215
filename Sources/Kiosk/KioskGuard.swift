import Foundation
import HTTPTypes
import Hummingbird
import KioskCore

/// Every request passes here: only this box's own pages may use the API (the Host must be
/// loopback or a configured name, so DNS rebinding cannot reach it; writes from another origin
/// are refused; there is no CORS), and every answer carries headers that keep the pages from
/// being framed, sniffed or made to load anything from elsewhere. Errors leave as JSON.
struct KioskGuard<Context: RequestContext>: RouterMiddleware {
    let allowedHosts: Set<String>
    /// The API's paths and their methods, from the OpenAPI document: another method on one
    /// of them is answered 405 with the methods it takes.
    let methods: [String: [String]]

    static var securityHeaders: HTTPFields {
        [
            .contentSecurityPolicy:
                "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
            HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            HTTPField.Name("Referrer-Policy")!: "no-referrer",
            HTTPField.Name("X-Frame-Options")!: "DENY",
            .cacheControl: "no-store",
        ]
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        if let refusal = Self.refusal(request, allowedHosts: allowedHosts) {
            response = refusal
        } else {
            do { response = try await next(request, context) } catch let e as HTTPResponseError {
                let status = e.status
                if status == .notFound, let allowed = methods[request.uri.path], !allowed.contains(request.method.rawValue) {
                    response = KioskResponse.error(.methodNotAllowed, code: "http-405", Self.words(.methodNotAllowed))
                    response.headers[.allow] = allowed.joined(separator: ", ")
                } else {
                    response = KioskResponse.error(status, code: "http-\(status.code)", Self.words(status))
                }
            }
        }
        for f in Self.securityHeaders where response.headers[f.name] == nil { response.headers.append(f) }
        return response
    }

    static func words(_ s: HTTPResponse.Status) -> String {
        switch s.code {
        case 404: "no such page or call"
        case 405: "that method is not allowed here"
        case 413: "the body is too large (at most 16 KiB)"
        default: s.reasonPhrase
        }
    }

    /// Host names this server answers to, with or without a port.
    static func hostAllowed(_ host: String?, allowed: Set<String>) -> Bool {
        guard let host, !host.isEmpty else { return false }
        var name = host.lowercased()
        if name.hasPrefix("[") {
            guard let close = name.firstIndex(of: "]") else { return false }
            name = String(name[...close])
        } else if let colon = name.lastIndex(of: ":") {
            name = String(name[..<colon])
        }
        return ["127.0.0.1", "localhost", "[::1]"].contains(name) || allowed.contains(name)
    }

    /// A page's Origin ("http://127.0.0.1:8560") must name a host this server answers to: a
    /// page of another site, even one whose name resolves to this box, is refused.
    static func originAllowed(_ origin: String, allowed: Set<String>) -> Bool {
        guard let sep = origin.firstRange(of: "://") else { return false }
        let rest = origin[sep.upperBound...]
        guard !rest.isEmpty, !rest.contains("/") else { return false }
        return hostAllowed(String(rest), allowed: allowed)
    }

    static func refusal(_ request: Request, allowedHosts: Set<String>) -> Response? {
        // HTTP/1.1 clients always name the host; a request without one (HTTP/1.0 on the Unix
        // socket, whose reach is its file mode) is let through.
        let host = request.head.authority
        if let host, !hostAllowed(host, allowed: allowedHosts) {
            return KioskResponse.error(.misdirectedRequest, code: "host", "this server does not answer to that host name")
        }
        if request.method != .get && request.method != .head {
            if request.headers[HTTPField.Name("Sec-Fetch-Site")!] == "cross-site" {
                return KioskResponse.error(.forbidden, code: "origin", "requests from other sites are refused")
            }
            if let origin = request.headers[.origin], !originAllowed(origin, allowed: allowedHosts) {
                return KioskResponse.error(.forbidden, code: "origin", "requests from other sites are refused")
            }
        }
        return nil
    }
}

enum OpenAPIDocument {
    /// Path → methods ("GET", "POST", ...) of the embedded document.
    static let methods: [String: [String]] = {
        guard let text = EmbeddedAssets.files["openapi.json"]?.body,
            let doc = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            let paths = doc["paths"] as? [String: [String: Any]]
        else { return [:] }
        return paths.mapValues { ops in ops.keys.map { $0.uppercased() }.sorted() }
    }()
}

enum KioskResponse {
    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        json((try? KioskJSON.encode(value)) ?? "{}", status: status)
    }

    struct ErrorBody: Encodable {
        let error: String
        let code: String
    }

    static func error(_ status: HTTPResponse.Status, code: String, _ words: String) -> Response {
        json(ErrorBody(error: words, code: code), status: status)
    }

    static func error(_ status: HTTPResponse.Status, _ m: KioskMessage) -> Response {
        json(ErrorBody(error: m.text, code: m.code), status: status)
    }

    static func text(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
