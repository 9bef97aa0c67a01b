import FlywheelTesting
import Testing

@testable import FlywheelEngine

private final class Box {
    let value: Int
    init(_ value: Int) { self.value = value }
}

struct ArrayMovingTests {
    /// Each element is lent in order and is back in its place afterwards, still referenced only by the array.
    @Test func forEachMovedOutLendsEveryElementAndPutsItBack() {
        var boxes = (0..<5).map(Box.init)
        var seen: [Int] = []
        boxes.forEachMovedOut { seen.append($0.value) }
        #expect(seen == [0, 1, 2, 3, 4])
        #expect(boxes.map(\.value) == [0, 1, 2, 3, 4])
        for index in boxes.indices { #expect(isKnownUniquelyReferenced(&boxes[index])) }
    }

    /// Each element is handed over in order and owned by the receiver; the placeholder is left in its place.
    @Test func consumeEachHandsOverEveryElementAndLeavesThePlaceholder() {
        let placeholder = Box(-1)
        var boxes = (0..<5).map(Box.init)
        var taken: [Box] = []
        boxes.consumeEach(leaving: placeholder) { taken.append($0) }
        #expect(taken.map(\.value) == [0, 1, 2, 3, 4])
        #expect(boxes.allSatisfy { $0 === placeholder })
        for index in taken.indices { #expect(isKnownUniquelyReferenced(&taken[index])) }
    }
}

struct KeyHeapTests {
    /// Keys inserted in any order come out in order, ties included.
    @Test(arguments: [0, 1, 2, 7, 100, 1000])
    func keysComeOutInOrder(count: Int) {
        var generator = SeededGenerator(seed: UInt64(count))
        let keys = (0..<count).map { _ in Int(generator.next() % 50) }
        var heap: [Int] = []
        for key in keys {
            heap.append(key)
            KeyHeap.siftUp(&heap, from: heap.count - 1, by: <)
        }
        var out: [Int] = []
        while !heap.isEmpty { out.append(KeyHeap.removeFirst(&heap, by: <)) }
        #expect(out == keys.sorted())
    }
}
