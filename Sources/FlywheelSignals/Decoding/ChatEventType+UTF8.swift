extension ChatEventType {
    /// The type named by `name`, the UTF-8 of a JSON string, compared byte by byte; nil for any other name.
    init?(utf8 name: UnsafeRawBufferPointer) {
        if name.equals("response") {
            self = .response
        } else if name.equals("prompt") {
            self = .prompt
        } else if name.equals("feedback") {
            self = .feedback
        } else if name.equals("copy") {
            self = .copy
        } else if name.equals("regenerate") {
            self = .regenerate
        } else if name.equals("choice") {
            self = .choice
        } else if name.equals("error") {
            self = .error
        } else {
            return nil
        }
    }
}

extension Rating {
    /// The rating named by `name`, the UTF-8 of a JSON string; nil for any other name.
    init?(utf8 name: UnsafeRawBufferPointer) {
        if name.equals("up") {
            self = .up
        } else if name.equals("down") {
            self = .down
        } else {
            return nil
        }
    }
}

extension UnsafeRawBufferPointer {
    /// Whether these bytes are exactly the UTF-8 of `word` (a Swift `switch` on a String costs far more).
    fileprivate func equals(_ word: StaticString) -> Bool {
        guard count == word.utf8CodeUnitCount else { return false }
        let expected = word.utf8Start
        for offset in 0..<count where self[offset] != expected[offset] {
            return false
        }
        return true
    }
}
