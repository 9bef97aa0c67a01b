import FlywheelSignals
import Foundation

/// Reads a replay output folder, a live folder sink, a signal file or a signal topic into an ``InspectData``.
public enum InspectLoader {
    /// What SRC is.
    public enum SourceShape: Equatable, Sendable {
        /// A replay output folder (it has `summary.json`).
        case folder(String)
        /// A live folder sink of `flywheel run` (one sub-folder per record kind, no `summary.json`).
        case liveFolder(String)
        /// One signal JSONL file.
        case file(String)
        /// A topic of an embedded log's data folder (`topic:NAME --data DIR`).
        case topic(name: String, dataDirectory: String)
    }

    /// Classifies the options' source (checking them first): a topic when it is `topic:NAME` (with `--data`),
    /// else a folder or file as for a path. Whether the topic exists is checked when it is read.
    public static func shape(of options: InspectOptions, following: Bool = false) throws(InspectError) -> SourceShape {
        try options.validate()
        if let name = options.topicName, let dataDirectory = options.dataDirectory {
            return .topic(name: name, dataDirectory: dataDirectory)
        }
        return try shape(of: options.sourcePath, following: following)
    }

    /// Classifies SRC, with a message saying what was expected when it is neither. A folder is a live folder
    /// sink when it holds a kind folder (`model_quality/`, ...) and none of a replay output's files; one that
    /// holds both is an error naming them. With `following`, a folder that holds neither is a live folder sink
    /// that has no records yet (its kind folders appear later).
    public static func shape(of path: String, following: Bool = false) throws(InspectError) -> SourceShape {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw InspectError(
                .sourceNotFound,
                "not found: \(path) (expected a replay output folder, a live folder sink or a signal .jsonl file)")
        }
        guard isDirectory.boolValue else { return .file(path) }
        let layout = LiveFolder.layout(of: path)
        switch (layout.kindFolders.isEmpty, layout.replayFiles.isEmpty) {
        case (false, false): throw LiveFolder.mixedLayoutError(path, layout)
        case (false, true): return .liveFolder(path)
        case (true, true) where following: return .liveFolder(path)
        default: break
        }
        guard layout.replayFiles.contains("summary.json") else {
            throw InspectError(
                .notAReplayFolder,
                "not a replay output folder: no summary.json in \(path), and not a live folder sink: no kind "
                    + "folder (model_quality/, ...) either (expected the --out folder of flywheel replay, the folder "
                    + "of a folder sink of flywheel run once it committed records, or a signal .jsonl file)")
        }
        return .folder(path)
    }

    /// Reads the source with the options' filters. A `--model` or `--variant` that no record names is an
    /// ``InspectError/Code/invalidOption`` error listing the ones present.
    ///
    /// A topic has no `summary.json`: its data has no counters (as for a single file) and counts every wanted
    /// kind, 0 when it has no records of it. An empty topic is an error (``InspectError/Code/emptyTopic``).
    public static func load(_ options: InspectOptions) throws(InspectError) -> InspectData {
        var collector = RecordCollector(options: options)
        switch try shape(of: options) {
        case .folder(let folder):
            collector.data.counters = try readSummary((folder as NSString).appendingPathComponent("summary.json"))
            for kind in RecordKind.allCases where options.wants(kind) {
                let path = (folder as NSString).appendingPathComponent(kind.fileName)
                guard FileManager.default.fileExists(atPath: path) else { continue }
                try read(path, into: &collector, expected: kind)
                collector.noteRead(kind)
            }
        case .liveFolder(let path):
            try readLiveFolder(LiveFolder(path: path), into: &collector)
        case .file(let path):
            try read(path, into: &collector, expected: nil)
        case .topic(let name, let dataDirectory):
            try readTopic(TopicRecords(name: name, dataDirectory: dataDirectory), into: &collector)
        }
        try collector.checkFilterValues()
        return collector.finished()
    }

    /// Reads the committed files of every wanted kind of a live folder sink, each kind's in name order. Like a
    /// topic, it has no counters and counts every wanted kind (0 when it has no folder yet); without any
    /// committed file it is an error (``InspectError/Code/emptyLiveFolder``).
    static func readLiveFolder(_ folder: LiveFolder, into collector: inout RecordCollector) throws(InspectError) {
        collector.data.countersNote = LiveFolder.noSummary
        var files = 0
        for kind in RecordKind.allCases where collector.options.wants(kind) {
            for path in try folder.committedFiles(kind) {
                try read(path, into: &collector, expected: kind)
                files += 1
            }
            collector.noteRead(kind)
        }
        for kind in RecordKind.allCases where files == 0 { files += try folder.committedFiles(kind).count }
        guard files > 0 else {
            throw InspectError(
                .emptyLiveFolder,
                "live folder sink \(folder.path) has no committed files yet (open ones end in "
                    + "\(LiveFolder.inProgressSuffix) and are committed at the next checkpoint of flywheel run)")
        }
    }

    /// Reads every partition of `topic` from its log start to its high watermark, merged.
    static func readTopic(_ topic: TopicRecords, into collector: inout RecordCollector) throws(InspectError) {
        let label = topic.label
        let count = try topic.readNew { (value, position) throws(InspectError) in
            guard EventDecoder.isBlank(value) || collector.take(value) else {
                throw InspectError(
                    .badRecord,
                    "\(label), partition \(position.partition), offset \(position.offset): not a signal record; "
                        + "expected one JSON object per record with a \"signal\" field and the fields its kind needs, "
                        + "as flywheel replay writes them")
            }
        }
        guard count > 0 else {
            throw InspectError(
                .emptyTopic,
                "topic '\(topic.name)' has no records yet (data folder \(topic.dataDirectory); "
                    + "write signals to it with flywheel replay --out-topic or flywheel topic produce)")
        }
        for kind in RecordKind.allCases where collector.options.wants(kind) { collector.noteRead(kind) }
        collector.data.warnings += topic.takeWarnings()
    }

    static func read(_ path: String, into collector: inout RecordCollector, expected: RecordKind?) throws(InspectError)
    {
        let outcome = try LineFile.forEachLine(path: path) { line, _ in collector.take(line, expected: expected) }
        if let line = outcome.truncatedLine {
            collector.data.warnings.append(
                "\(path): the last line (\(line)) is cut short and was skipped: the file is truncated "
                    + "or still being written")
        }
    }

    /// Parses `summary.json` into the counters of CONTRACT section 5.
    static func readSummary(_ path: String) throws(InspectError) -> SignalCounters {
        guard let data = FileManager.default.contents(atPath: path),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else {
            throw InspectError(
                .badRecord, "\(path) is not a JSON object; expected the counters written by flywheel replay")
        }
        func number(_ key: String) -> Int64 { (object[key] as? NSNumber)?.int64Value ?? 0 }
        var counters = SignalCounters()
        counters.eventsIn = number("events_in")
        counters.invalidEvents = number("invalid_events")
        counters.duplicatesDropped = number("duplicates_dropped")
        counters.lateEvents = number("late_events")
        counters.eventsAccepted = number("events_accepted")
        counters.unresolvedReferences = number("unresolved_references")
        let signals = object["signals_out"] as? [String: Any] ?? [:]
        for kind in SignalKind.allCases {
            counters.signalsOut[kind] = (signals[kind.rawValue] as? NSNumber)?.int64Value ?? 0
        }
        return counters
    }
}
