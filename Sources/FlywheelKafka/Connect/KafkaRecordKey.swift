import FlywheelSignals
import Foundation

/// The Kafka record key of an output record: its signal's key fields as short text, so that one
/// conversation's (or one model/variant window's) records land in one partition, in order.
///
/// - `model_quality`, `quality_alert`: `model|variant|window_start`, e.g. `model-a|A|2026-11-26T10:00:00.000Z`
/// - `preference_pair`, `conversation_summary`, `sft_example`: the `conversation_id`
/// - `late_event`: the `event_id`
/// - `dead_letter`: `source|position` (the input and the line or offset the bad record was at)
///
/// A record whose key fields cannot be read (a field missing or not text/number) has no key.
enum KafkaRecordKey {
    /// The key fields of each kind, in key order.
    static func fields(of kind: RecordKind) -> [String] {
        switch kind {
        case .modelQuality, .qualityAlert: ["model", "variant", "window_start"]
        case .preferencePair, .conversationSummary, .sftExample: ["conversation_id"]
        case .lateEvent: ["event_id"]
        case .deadLetter: ["source", "position"]
        }
    }

    /// The key of `record` (its JSON line), or nil when a key field is missing.
    static func key(of record: SignalRecord) -> [UInt8]? {
        let line = record.line.last == UInt8(ascii: "\n") ? record.line.dropLast() : record.line[...]
        guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else { return nil }
        var parts: [String] = []
        for field in fields(of: record.kind) {
            switch object[field] {
            case let text as String: parts.append(text)
            case let number as NSNumber: parts.append(number.stringValue)
            default: return nil
            }
        }
        return Array(parts.joined(separator: "|").utf8)
    }
}
