// The core's HTTP stack on Apple platforms (and on Linux for the tests): the core carries no
// HTTP or TLS stack, the app lends it URLSession. An app can give it a session of its own (a
// background configuration, its own delegate); any status is returned, only a missing answer is
// an `HttpError`.

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The core's `HttpClient` over `URLSession`.
///
/// ```swift
/// let caregivers = thecal.caregivers(http: URLSessionHttpClient())
/// ```
public final class URLSessionHttpClient: HttpClient, @unchecked Sendable {
    private let session: URLSession

    /// A client over `session` (by default one with no cache and no cookies).
    public init(session: URLSession? = nil) {
        if let session {
            self.session = session
        } else {
            let config = URLSessionConfiguration.ephemeral
            config.requestCachePolicy = .reloadIgnoringLocalCacheData
            config.httpCookieStorage = nil
            self.session = URLSession(configuration: config)
        }
    }

    public func send(request: HttpRequest) async throws -> HttpResponse {
        guard let url = URL(string: request.url) else {
            throw HttpError.Platform(reason: "not a URL")
        }
        var r = URLRequest(url: url)
        r.httpMethod = request.method
        r.timeoutInterval = TimeInterval(request.timeoutMs) / 1000
        for h in request.headers {
            r.setValue(h.value, forHTTPHeaderField: h.name)
        }
        if !request.body.isEmpty {
            r.httpBody = request.body
        }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: r)
        } catch let e as URLError {
            switch e.code {
            case .timedOut:
                throw HttpError.Timeout
            case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate,
                 .serverCertificateNotYetValid, .serverCertificateHasUnknownRoot,
                 .clientCertificateRejected:
                throw HttpError.Tls(reason: e.localizedDescription)
            default:
                throw HttpError.Offline(reason: e.localizedDescription)
            }
        }
        guard let http = response as? HTTPURLResponse else {
            throw HttpError.Platform(reason: "not an HTTP answer")
        }
        let headers = http.allHeaderFields.compactMap { key, value -> HttpHeader? in
            guard let name = key as? String, let value = value as? String else { return nil }
            return HttpHeader(name: name, value: value)
        }
        return HttpResponse(status: UInt16(clamping: http.statusCode), headers: headers, body: data)
    }
}
