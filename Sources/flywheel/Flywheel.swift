import ArgumentParser

@main
struct Flywheel: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flywheel",
        abstract: "Turn AI-assistant interaction logs into training and evaluation signals.",
        discussion: """
            Flywheel replays JSON Lines logs of chat events (prompts, responses, feedback, regenerations, \
            copies, side-by-side choices, errors) through a stream pipeline with event-time semantics and \
            writes per-model quality metrics, preference pairs, conversation summaries, SFT examples and \
            quality alerts, plus dead letters and late events.

            Start with:
              flywheel generate --conversations 1000 --out events.jsonl
              flywheel replay events.jsonl --out out/
              flywheel inspect out/
            """,
        version: "flywheel \(FlywheelVersion.current)",
        subcommands: [
            ReplayCommand.self, RunCommand.self, GenerateCommand.self, ValidatePipelineCommand.self, BenchCommand.self,
            ProfileCommand.self,
            CheckpointCommand.self,
            ExportCommand.self, TopicCommand.self, InspectCommand.self, ReportCommand.self, ForwardCommand.self,
            KafkaCommand.self, ReceiveCommand.self, ServeCommand.self, LoadgenCommand.self,
        ]
    )

    /// ArgumentParser's own entry point, after tuning the allocator (which must precede any thread).
    static func main() async {
        AllocatorTuning.apply()
        await main(nil)
    }
}
