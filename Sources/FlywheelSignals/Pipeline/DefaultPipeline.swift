extension PipelineConfig {
    /// The text of the built-in default pipeline, also committed as `Pipelines/feedback.yaml`.
    ///
    /// Every key is written out with its default value and a short comment, so the text doubles as the reference
    /// of the pipeline file format; parsing it gives `PipelineConfig.default`.
    public static let defaultPipelineYAML = """
        # Flywheel pipeline "feedback": the built-in default, with every key at its default value.
        #
        # Copy this file to start your own pipeline. Every key is optional: a key you leave out takes the
        # value shown here. Durations are a whole number with a unit ms, s, m, h or d (250ms, 5s, 30m, 1h);
        # sizes are a whole number with a unit B, KiB, MiB or GiB (512KiB, 1MiB; 1KiB = 1024 bytes).
        # An unknown key or a bad value stops the program with an error naming the key and its line.

        # Free text for people; optional. A short label can go in `name:`.
        description: Training signals from chat feedback, with the contract's default parameters.

        time:
          # The watermark trails the newest event time seen by this much (minus 1ms); events may arrive
          # this far out of order and still count. Any duration >= 0.
          max_out_of_orderness: 5s
          # Extra grace for stragglers: an event is late when timestamp + allowed_lateness <= watermark.
          allowed_lateness: 0s
          # A source partition silent this long (wall-clock time) stops holding the watermark back. > 0.
          idle_timeout: 30s
          # How long an event_id is remembered to drop duplicates, in event time.
          # Must be greater than allowed_lateness.
          dedup_ttl: 1h
          # Longest input line accepted, between 1KiB and 64MiB; a longer one is a dead_letter (too_large).
          max_event_bytes: 1MiB
          # Live runs (flywheel run) only: while every source partition is idle, the watermark follows the
          # wall clock so that windows close and pairs time out; `none` turns this off.
          idle_advance: wall_clock

        # Uncomment the two enrich lines to add model_family and cost_usd to model_quality records.
        # The path is relative to this file's folder (or absolute). The catalog maps model names to facts:
        #   models:
        #     atlas-1-large: { family: atlas, input_per_1k: 0.005, output_per_1k: 0.015 }
        # enrich:
        #   model_catalog: models.yaml

        # The signals to compute. Without a `signals` key all five are computed with these defaults;
        # with one, only the kinds it names are (the others still get an empty output file).
        # `signals: {}` computes none. Every duration below must be > 0.
        signals:
          # Per (model, variant) and tumbling window: responses, ratings, rates, latency, tokens.
          model_quality: { window: 60s }
          # Chosen/rejected response pairs for RLHF and DPO. A pair still incomplete join_ttl (event
          # time) after its triggering event is never emitted; that event becomes a dead_letter.
          # state_ttl: how long a quiet conversation's texts and ratings stay known for later pairs.
          preference_pair: { join_ttl: 30m, state_ttl: 2h }
          # One summary per conversation session; a silence of `gap` ends the session.
          conversation_summary: { gap: 30m }
          # Fine-tuning examples from positive sessions, with e-mails and phone numbers redacted.
          # No parameters; it follows conversation_summary's gap.
          sft_example: {}
          # Alert on a model_quality window (the window above) with at least min_feedback ratings
          # (a whole number >= 1) of which the share of thumbs-down is >= max_down_rate (in (0, 1]).
          quality_alert: { min_feedback: 20, max_down_rate: 0.5 }

        # Training-ready files written into the output folder after a replay (see `flywheel export`):
        # format openai-dpo, trl-dpo, openai-sft or trl-sft; optional split (0-1), min_chars, keep_equal,
        # dedup_prompt. For example:
        #   - { format: trl-dpo, file: dpo.jsonl, split: 0.9 }
        exports: []

        # The keys below are for live runs (flywheel run); replay ignores them. Relative paths are relative to
        # the run's --data folder. Each source and sink has a name, under which checkpoints keep its state
        # (no /, whitespace or control characters; a source and a sink cannot share a name).
        #
        # Where events come from.
        # sources:
        #   events: { kind: topic, topic: events, start: earliest }   # every partition; start: earliest or latest
        #   app:    { kind: file, path: in.jsonl, follow: true }      # follow (default false): tail -F the file
        #
        # Where records go; without sinks, a folder sink at DATA/signals. Every sink takes every record kind
        # unless `kinds` names some (model_quality, preference_pair, conversation_summary, sft_example,
        # quality_alert, dead_letter, late_event), and makes a released record visible within `linger`
        # (default 100ms). A folder sink's files roll at roll_bytes (at least 1KiB) or roll_age.
        # sinks:
        #   files:  { kind: folder, path: signals, roll_bytes: 64MiB, roll_age: 1m, linger: 100ms }
        #   alerts: { kind: topic, topic: alerts, kinds: [quality_alert] }     # one topic, records keyed by kind
        #   split:  { kind: topic, prefix: "signals.", kinds: [dead_letter] }  # topics signals.dead_letter, ...
        #   out:    { kind: stdout }

        # How often a live run checkpoints into its --data folder; > 0.
        checkpoint: { interval: 10s }

        # flywheel serve only (every other command ignores it): where it listens, its limits, its bearer tokens.
        # Flags and environment variables win over these keys; token files are relative to this file's folder
        # and hold one token per line. See the README, Running as a service.
        # service:
        #   host: 127.0.0.1          # beyond loopback only with tokens (or --insecure-listen-any)
        #   port: 8080               # 0 picks a free port
        #   max_body: 8MiB           # larger request bodies get 413; 1KiB to 1GiB
        #   client_timeout: 30s      # a connection silent this long is closed; 100ms to 1d
        #   ingest_token_file: ingest.tokens
        #   read_token_file: read.tokens

        """
}
