import FlywheelConnectors

extension IngestAppender {
    /// Per partition of `events`: the first offset retention kept and the offset the next record gets.
    var offsets: [(start: Int64, end: Int64)] {
        log.partitions.map { ($0.logStartOffset, $0.highWatermark) }
    }
}
