import FlywheelEngine
import Foundation

/// Reads the dead letters of a folder: the `dead-letters-N.jsonl` files by number, each up to the size it had
/// at open. A last line without "\n" (a write cut short by a crash, or a writer still at work) and a line
/// longer than `maxLineBytes` are bad entries.
final class FolderLetterSource: DeadLetterSource {
    private let folder: String
    private let maxLineBytes: Int
    private let chunkBytes: Int
    /// The files' numbers and their sizes at open, by number.
    private let files: [(number: Int, size: Int64)]
    private var file = 0
    private var cursor: FileCursor?

    init(folder: String, maxLineBytes: Int = 64 << 20, chunkBytes: Int = 1 << 20) throws(ConnectorError) {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) else {
            throw ConnectorError(.sourceNotFound, "dead-letter folder \(folder) not found")
        }
        guard isFolder.boolValue else {
            throw ConnectorError(.inputIsDirectory, "dead-letter folder \(folder) is a file; name the folder")
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        var files: [(number: Int, size: Int64)] = []
        for number in names.compactMap(FolderDeadLetters.number(ofFileName:)).sorted() {
            let path = (folder as NSString).appendingPathComponent(FolderDeadLetters.fileName(number))
            var status = stat()
            guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
                throw ConnectorError(.readFailed, "cannot read \(path): not a regular file")
            }
            files.append((number, Int64(status.st_size)))
        }
        self.folder = folder
        self.maxLineBytes = maxLineBytes
        self.chunkBytes = chunkBytes
        self.files = files
    }

    var name: String { "dead-letter folder \(folder)" }

    /// Line 1 of the file after the last: where the next writer's letters will be.
    var end: DeadLetterPosition? { .file(number: (files.last?.number ?? 0) + 1, line: 1) }

    var position: DeadLetterPosition? {
        if let cursor, !cursor.atEnd { return .file(number: files[file].number, line: cursor.line + 1) }
        let following = cursor == nil ? file : file + 1
        return following < files.count ? .file(number: files[following].number, line: 1) : nil
    }

    func next(max: Int) throws(ConnectorError) -> [DeadLetterEntry] {
        var entries: [DeadLetterEntry] = []
        while entries.count < max, file < files.count {
            if self.cursor == nil { self.cursor = try open(file) }
            guard let cursor = self.cursor else { break }
            let number = files[file].number
            try cursor.lines(max: max - entries.count) { line, content in
                let position = DeadLetterPosition.file(number: number, line: line)
                switch content {
                case .line(let bytes): entries.append(DeadLetterReader.entry(bytes, at: position))
                case .bad(let reason): entries.append(DeadLetterEntry(position: position, content: .bad(reason)))
                }
            }
            if cursor.atEnd {
                file += 1
                self.cursor = nil
            }
        }
        return entries
    }

    func seek(to position: DeadLetterPosition) throws(ConnectorError) {
        guard case .file(let number, let line) = position else {
            throw ConnectorError(
                .invalidOption, "\(name) is read by file and line: give --from dead-letters-N.jsonl:LINE")
        }
        guard let index = files.firstIndex(where: { $0.number == number }) else {
            // Line 1 of a file that is not there (yet): the files numbered after it, e.g. those a redrive's
            // failures went to (`end`).
            if line == 1 && number > (files.last?.number ?? 0) {
                file = files.count
                cursor = nil
                return
            }
            let names = files.map { FolderDeadLetters.fileName($0.number) }.joined(separator: ", ")
            throw ConnectorError(
                .invalidOption,
                "\(name) has no \(FolderDeadLetters.fileName(number)) (--from); its files: "
                    + (names.isEmpty ? "none" : names))
        }
        let cursor = try open(index)
        try cursor.skip(lines: line - 1)
        guard cursor.line == line - 1 else {
            throw ConnectorError(
                .invalidOption,
                "\(FolderDeadLetters.fileName(number)) in \(name) has \(cursor.line) lines; --from must name "
                    + "line 1 to \(cursor.line + 1)")
        }
        file = index
        self.cursor = cursor
    }

    private func open(_ index: Int) throws(ConnectorError) -> FileCursor {
        let path = (folder as NSString).appendingPathComponent(FolderDeadLetters.fileName(files[index].number))
        return try FileCursor(
            path: path, size: files[index].size, maxLineBytes: maxLineBytes, chunkBytes: chunkBytes)
    }
}

/// Splits a file into lines up to a fixed size, reading `chunkBytes` at a time.
private final class FileCursor {
    enum Content {
        case line([UInt8])
        case bad(String)
    }

    private let path: String
    private let fd: Int32
    private let size: Int64
    private let maxLineBytes: Int
    private let chunkBytes: Int
    /// Bytes read; those from `start` on are not handed out yet.
    private var pending: [UInt8] = []
    private var start = 0
    /// `pending[start..<scanned]` holds no "\n".
    private var scanned = 0
    private var readOffset: Int64 = 0
    /// Lines handed out so far (the number of the last one).
    private(set) var line: Int64 = 0
    /// Bytes of an over-long line skipped so far, nil when not in one.
    private var skipping: Int?

    init(path: String, size: Int64, maxLineBytes: Int, chunkBytes: Int) throws(ConnectorError) {
        fd = Foundation.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ConnectorError(.readFailed, "cannot open \(path): \(Descriptor.reason(errno))") }
        self.path = path
        self.size = size
        self.maxLineBytes = maxLineBytes
        self.chunkBytes = Swift.max(1, chunkBytes)
    }

    deinit { Foundation.close(fd) }

    var atEnd: Bool { readOffset >= size && start == pending.count && skipping == nil }

    /// Hands out up to `max` lines (number, content).
    func lines(max: Int, _ body: (Int64, Content) -> Void) throws(ConnectorError) {
        var given = 0
        while given < max && !atEnd {
            if let newline = pending[Swift.max(start, scanned)...].firstIndex(of: 0x0A) {
                line += 1
                given += 1
                if let skipped = skipping {
                    body(line, .bad("line longer than \(maxLineBytes) bytes (\(skipped + newline - start) bytes)"))
                    skipping = nil
                } else {
                    body(line, .line(Array(pending[start..<newline])))
                }
                start = newline + 1
            } else if readOffset < size {
                scanned = pending.count
                try refill()
                if scanned > maxLineBytes {
                    // The line so far is too long to hold: drop it, and report it when its end comes.
                    skipping = (skipping ?? 0) + scanned
                    pending.removeSubrange(..<scanned)
                    scanned = 0
                }
            } else {
                line += 1
                given += 1
                let length = (skipping ?? 0) + pending.count - start
                body(
                    line,
                    .bad(
                        "incomplete last line (\(length) bytes without a line end: a write cut short, or a writer "
                            + "still at work)"))
                pending.removeAll()
                start = 0
                scanned = 0
                skipping = nil
            }
        }
    }

    /// Moves past `count` lines (fewer when the file has fewer).
    func skip(lines count: Int64) throws(ConnectorError) {
        while line < count && !atEnd {
            try lines(max: Int(min(count - line, 4096))) { _, _ in }
        }
    }

    /// Drops the bytes handed out, then reads up to `chunkBytes` more.
    private func refill() throws(ConnectorError) {
        pending.removeSubrange(..<start)
        scanned -= start
        start = 0
        let wanted = Int(min(Int64(chunkBytes), size - readOffset))
        let old = pending.count
        pending.append(contentsOf: repeatElement(0, count: wanted))
        let count = pending.withUnsafeMutableBytes { bytes in
            pread(fd, bytes.baseAddress! + old, wanted, off_t(readOffset))
        }
        guard count > 0 else {
            pending.removeSubrange(old...)
            if count == 0 {
                throw ConnectorError(
                    .readFailed, "\(path) ended at \(readOffset) bytes while being read; read it again")
            }
            throw ConnectorError(.readFailed, "cannot read \(path): \(Descriptor.reason(errno))")
        }
        pending.removeSubrange((old + count)...)
        readOffset += Int64(count)
    }
}
