import Testing
@testable import FlywheelEngine
struct WindowAssignerTests {
    @Test func tumblingIsEpochAligned() {
        #expect(WindowAssigner.tumbling(sizeMs: 60_000).windows(containing: EventTime(millis: 59_999)) == [Window(start: EventTime(millis: 0), end: EventTime(millis: 60_000))])
    }
}
