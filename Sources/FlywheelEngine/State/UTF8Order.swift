/// `a.utf8.lexicographicallyPrecedes(b.utf8)` (byte order, what every ordering of ids and texts in the
/// outputs and checkpoints uses) over the strings' contiguous bytes. The generic form walks string indices one
/// byte at a time: profiled, it was most of a busy service's checkpoint time (many ids share a millisecond).
@inlinable
public func utf8Precedes(_ a: String, _ b: String) -> Bool {
    var a = a
    var b = b
    return a.withUTF8 { left in
        b.withUTF8 { right in
            let count = min(left.count, right.count)
            var index = 0
            while index < count {
                if left[index] != right[index] { return left[index] < right[index] }
                index += 1
            }
            return left.count < right.count
        }
    }
}
