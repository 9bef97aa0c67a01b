/// The version of Flywheel, printed by `flywheel --version`. The one place it is written: bump it here.
enum FlywheelVersion {
    static let current = "0.1.0"
}
