import FlywheelEngine
import Foundation

extension FolderSinkKind {
    /// Checks that the kind's folder can be brought back to `saved` (see `restore`) and returns the
    /// numbers of its `.inprogress` files, for `restore`. `firstRun`: there is no checkpoint (`saved`
    /// is empty), so a final file is an earlier job's output.
    func checkRestore(_ saved: FolderSinkState.Kind, firstRun: Bool) throws(ConnectorError) -> Set<Int64> {
        let files = try ourFiles()
        let finals = Set(files.filter { !$0.inProgress }.map(\.number))
        let inProgress = Set(files.filter(\.inProgress).map(\.number))
        try check(saved, finals: finals, inProgress: inProgress, firstRun: firstRun)
        return inProgress
    }

    /// Brings the kind's folder back to `saved`, after `checkRestore` returned `inProgress`: the
    /// pending files get their final names (the crash came before their rename; they are complete),
    /// the open file is cut back to its committed length, and `.inprogress` files numbered past the
    /// checkpoint are removed (the job writes their records again). Files with other names are left
    /// alone. Running it twice does what running it once does (a crash during a restore is resumed
    /// by the next restore). `now`: the open file's age counts from the restore.
    func restore(_ saved: FolderSinkState.Kind, inProgress: Set<Int64>, now: Duration) throws(ConnectorError) {
        reset(nextNumber: saved.nextNumber)
        for number in saved.pending where inProgress.contains(number) { try finalize(number) }
        for number in inProgress.sorted() where number >= saved.nextNumber {
            let name = file(number, inProgress: true)
            guard unlink(name) == 0 || errno == ENOENT else { throw Self.failure("cannot remove", name) }
            folderChanged = true
        }
        if let open = saved.open { try reopen(open.number, length: open.length, now: now) }
    }

    private func check(
        _ saved: FolderSinkState.Kind, finals: Set<Int64>, inProgress: Set<Int64>, firstRun: Bool
    ) throws(ConnectorError) {
        if let number = finals.filter({ $0 >= saved.nextNumber || $0 == saved.open?.number }).min() {
            let name = file(number, inProgress: false)
            if firstRun {
                throw ConnectorError(
                    .outputNotEmpty,
                    "folder sink \(folder) already holds \(name), committed by an earlier job: "
                        + "choose another path or move its part files away")
            }
            throw mismatch(
                "\(name) is not part of the checkpoint being resumed (it knows files up to number "
                    + "\(saved.nextNumber - 1)): another job writes to this folder, or the checkpoint is older "
                    + "than the folder; move the file away or choose another path")
        }
        for number in saved.pending where !inProgress.contains(number) && !finals.contains(number) {
            throw mismatch("\(file(number, inProgress: true)) is missing, yet the checkpoint being resumed wrote it")
        }
        if let open = saved.open { try checkOpen(open.number, length: open.length) }
        let known = Set(saved.pending + (saved.open.map { [$0.number] } ?? []))
        if let number = inProgress.filter({ $0 < saved.nextNumber && !known.contains($0) }).min() {
            throw mismatch(
                "\(file(number, inProgress: true)) should have its final name by the checkpoint being resumed: "
                    + "another job writes to this folder; move the file away or choose another path")
        }
    }

    /// The checkpoint's open file must be there, with at least the length the checkpoint fsynced.
    private func checkOpen(_ number: Int64, length: Int64) throws(ConnectorError) {
        let name = file(number, inProgress: true)
        var info = stat()
        guard stat(name, &info) == 0 else {
            guard errno == ENOENT else { throw Self.failure("cannot read the size of", name) }
            throw mismatch("\(name) is missing, yet the checkpoint being resumed wrote \(length) bytes to it")
        }
        guard Int64(info.st_size) >= length else {
            throw mismatch(
                "\(name) holds \(info.st_size) bytes, yet the checkpoint being resumed wrote \(length) to it "
                    + "(the file was cut or replaced)")
        }
    }

    /// Opens the checkpoint's open file for appending, cut back to `length` bytes.
    private func reopen(_ number: Int64, length: Int64, now: Duration) throws(ConnectorError) {
        let name = file(number, inProgress: true)
        let fd = open(name, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard fd >= 0 else { throw Self.failure("cannot open", name) }
        guard ftruncate(fd, off_t(length)) == 0 else {
            let error = Self.failure("cannot cut back", name)
            close(fd)
            throw error
        }
        adopt(fd, number: number, length: length, now: now)
    }

    /// The files of the folder that this sink names (none when the folder does not exist).
    private func ourFiles() throws(ConnectorError) -> [(number: Int64, inProgress: Bool)] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) else { return [] }
        guard isFolder.boolValue else {
            throw ConnectorError(
                .writeFailed, "folder sink: \(folder) is a file, where the \(kind.name) files go: move it away")
        }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
            throw ConnectorError(.readFailed, "cannot list folder \(folder)")
        }
        return names.compactMap(Self.parse)
    }

    private func mismatch(_ message: String) -> ConnectorError {
        ConnectorError(.checkpointMismatch, "cannot resume folder sink: " + message)
    }
}
