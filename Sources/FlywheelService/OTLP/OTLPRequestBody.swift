import Hummingbird

/// Reads an OTLP/HTTP request body: `Content-Encoding` gzip or identity, at most `maxBodyBytes` compressed and
/// decompressed.
enum OTLPRequestBody {
    static func collect(_ request: Request, maxBodyBytes: Int) async throws(ServiceError) -> [UInt8] {
        let encoding = request.headers[.contentEncoding]?.trimmingCharacters(in: .whitespaces).lowercased()
        guard encoding == nil || encoding == "identity" || encoding == "gzip" || encoding == "x-gzip" else {
            throw ServiceError(
                .unsupportedMediaType,
                "Content-Encoding '\(encoding ?? "")' is not supported: send gzip or identity")
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
            throw tooLarge(maxBodyBytes)
        }
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: maxBodyBytes)
        } catch {
            throw tooLarge(maxBodyBytes)
        }
        let body = Array(buffer.readableBytesView)
        guard encoding == "gzip" || encoding == "x-gzip" else { return body }
        return try Gunzip.inflate(body, limit: maxBodyBytes)
    }

    private static func tooLarge(_ maxBodyBytes: Int) -> ServiceError {
        ServiceError(
            .bodyTooLarge,
            "the body is larger than max_body (\(maxBodyBytes) bytes): export smaller batches (the SDK's "
                + "max_export_batch_size) or raise --max-body / FLYWHEEL_MAX_BODY")
    }
}
