import Foundation

/// One spelling for every path to the same file: absolute, without `.`, `..` or a trailing "/",
/// symbolic links resolved. Paths that do not exist yet are resolved as far as they exist
/// (`out/` and `./out` give the same answer before the folder is created).
public enum CanonicalPath {
    public static func of(_ path: String) -> String {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        var existing = absolute
        var missing: [String] = []
        while existing != "/" && !existing.isEmpty {
            if let resolved = realpath(existing, nil) {
                defer { free(resolved) }
                return join(String(cString: resolved), missing)
            }
            missing.insert((existing as NSString).lastPathComponent, at: 0)
            existing = (existing as NSString).deletingLastPathComponent
        }
        return join("/", missing)
    }

    private static func join(_ base: String, _ components: [String]) -> String {
        components.reduce(base) { ($0 as NSString).appendingPathComponent($1) }
    }
}
