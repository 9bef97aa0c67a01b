import CRdkafka

/// The one error of FlywheelKafka: librdkafka's error code and message, with what Flywheel was doing
/// (the topic, partition or property), an optional `cause`, and where it was raised.
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    /// librdkafka's `rd_kafka_resp_err_t`: negative values are local to the client (`_TIMED_OUT`),
    /// positive ones come from the broker (`UNKNOWN_TOPIC_OR_PART`).
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: Int32

        public init(rawValue: Int32) { self.rawValue = rawValue }

        init(_ error: rd_kafka_resp_err_t) { rawValue = error.rawValue }

        /// librdkafka's name for the code, e.g. `_TIMED_OUT`, `UNKNOWN_TOPIC_OR_PART`.
        public var name: String { String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(rawValue: rawValue))) }
        /// librdkafka's sentence for the code, e.g. `Local: Timed out`.
        public var text: String { String(cString: rd_kafka_err2str(rd_kafka_resp_err_t(rawValue: rawValue))) }
        public var description: String { "\(name) (\(rawValue))" }

        public static let timedOut = Code(RD_KAFKA_RESP_ERR__TIMED_OUT)
        public static let messageTimedOut = Code(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT)
        public static let invalidArgument = Code(RD_KAFKA_RESP_ERR__INVALID_ARG)
        public static let queueFull = Code(RD_KAFKA_RESP_ERR__QUEUE_FULL)
        public static let allBrokersDown = Code(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
        public static let transport = Code(RD_KAFKA_RESP_ERR__TRANSPORT)
        public static let unknownTopic = Code(RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC)
        public static let unknownPartition = Code(RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION)
        public static let unknownTopicOrPartition = Code(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
        public static let topicAlreadyExists = Code(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
        public static let offsetOutOfRange = Code(RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE)
        public static let partitionEOF = Code(RD_KAFKA_RESP_ERR__PARTITION_EOF)
        public static let state = Code(RD_KAFKA_RESP_ERR__STATE)
        public static let fatal = Code(RD_KAFKA_RESP_ERR__FATAL)
    }

    public var code: Code
    /// A sentence for the user: what failed, on which topic/partition/property, and librdkafka's reason.
    public var message: String
    public var cause: (any Error)?
    public var location: String

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.message = message
        self.cause = cause
        self.location = "\(file):\(line)"
    }

    init(_ error: rd_kafka_resp_err_t, _ context: String, file: String = #fileID, line: Int = #line) {
        let code = Code(error)
        self.init(code, "\(context): \(code.text)", file: file, line: line)
    }

    /// Takes ownership of `error` (an `rd_kafka_error_t`) and destroys it.
    init(consuming error: OpaquePointer, _ context: String, file: String = #fileID, line: Int = #line) {
        let code = Code(rd_kafka_error_code(error))
        let text = String(cString: rd_kafka_error_string(error))
        rd_kafka_error_destroy(error)
        self.init(code, "\(context): \(text)", file: file, line: line)
    }

    public var description: String { message }
}

/// Milliseconds for librdkafka's `int timeout_ms` arguments (at least 0, at most Int32.max).
func milliseconds(_ duration: Duration) -> Int32 {
    let (seconds, attoseconds) = duration.components
    let millis = seconds * 1000 + attoseconds / 1_000_000_000_000_000
    return Int32(clamping: max(0, millis))
}

/// Bytes of a C string buffer filled by librdkafka (`errstr`), up to its terminating zero.
func cString(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// The librdkafka library loaded at run time.
public enum Librdkafka {
    /// Its version, e.g. `2.16.0` (Debian 12's is 2.0.2).
    public static var version: String { String(cString: rd_kafka_version_str()) }
}
