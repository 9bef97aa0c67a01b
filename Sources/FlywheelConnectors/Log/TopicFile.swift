import Foundation

/// Reads `topic.json`, checking every key's type and bounds (`TopicSetting`), so that a bad file is an error that
/// names the file and the key, never a crash, a hang or a deleted segment.
enum TopicFile {
    /// A JSON value as far as the checks need it.
    private enum Value: Decodable {
        case integer(Int64)
        case number
        case string(String)
        case bool
        case null
        case other

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if (try? container.decode(Bool.self)) != nil {
                self = .bool
            } else if let integer = try? container.decode(Int64.self) {
                self = .integer(integer)
            } else if (try? container.decode(Double.self)) != nil {
                self = .number
            } else if let text = try? container.decode(String.self) {
                self = .string(text)
            } else {
                self = .other
            }
        }
    }

    /// The topic stored in `data`, read from `path` in the folder of topic `name`.
    static func decode(_ data: Data, path: String, name: String) throws(LogError) -> Topic {
        guard let object = try? JSONDecoder().decode([String: Value].self, from: data) else {
            throw LogError(
                .corrupt,
                "\(path) is not a JSON object; restore it, or delete the topic (topic delete)")
        }
        func fail(_ key: String, _ problem: String) -> LogError {
            LogError(
                .corrupt,
                "\(path): key \"\(key)\" \(problem); fix the value in the file, or delete the topic (topic delete)")
        }
        func integer(_ key: String, optional: Bool = false) throws(LogError) -> Int64? {
            switch object[key] {
            case .integer(let value): return value
            case nil, .null:
                if optional { return nil }
                throw fail(key, "is missing")
            default: throw fail(key, optional ? "must be an integer or null" : "must be an integer")
            }
        }
        guard try integer("format_version") == Int64(Topic.formatVersion) else {
            throw fail("format_version", "must be \(Topic.formatVersion) (this version of flywheel reads no other)")
        }
        guard case .string(let stored) = object["name"], stored == name else {
            throw fail("name", "must be the name of the topic's folder, \"\(name)\"")
        }
        var values: [TopicSetting: Int64] = [:]
        for setting in TopicSetting.allCases {
            let optional = setting == .retentionBytes || setting == .retentionMillis
            guard let value = try integer(setting.key, optional: optional) else { continue }
            guard setting.bounds.contains(value) else {
                throw fail(setting.key, "must be \(setting.boundsText), got \(value)")
            }
            values[setting] = value
        }
        return Topic(
            name: name, partitions: Int(values[.partitions] ?? 0), segmentBytes: Int(values[.segmentBytes] ?? 0),
            indexIntervalBytes: Int(values[.indexIntervalBytes] ?? 0),
            retentionBytes: values[.retentionBytes].map(Int.init),
            retentionMillis: values[.retentionMillis], createdMillis: values[.createdMillis] ?? 0)
    }
}
