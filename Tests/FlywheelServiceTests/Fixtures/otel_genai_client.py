#!/usr/bin/env python3
"""An application instrumented with the OpenTelemetry Python SDK, as OTLPIngestTests runs it.

Emits GenAI chat spans (semantic conventions: gen_ai.operation.name, gen_ai.request.model, gen_ai.conversation.id,
gen_ai.response.id, gen_ai.usage.*, gen_ai.input/output.messages) and gen_ai.evaluation.result events (log records
parented to the evaluated span), plus records the service must skip or reject, to a Flywheel service over OTLP/HTTP.

    otel_genai_client.py --endpoint http://127.0.0.1:PORT --encoding protobuf|json [--gzip]

protobuf: the SDK's own exporters (opentelemetry-exporter-otlp-proto-http). json: the SDK's spans and log records
encoded by the official OTLP/JSON encoder (opentelemetry-exporter-otlp-json-common) and posted as
application/json. Prints one JSON object: the ids of what was sent and every export response's partial_success.
"""

import argparse
import gzip
import json
import sys

import requests
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import LogRecordExporter, LogRecordExportResult, SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult
from opentelemetry.trace import SpanKind, Status, StatusCode

RESPONSES = []


class RecordingSession(requests.Session):
    """A requests session that keeps every export response's partial_success (the exporters ignore it)."""

    def request(self, method, url, *args, **kwargs):
        response = super().request(method, url, *args, **kwargs)
        if method.upper() == "POST":
            RESPONSES.append(describe(url, response))
        return response


def describe(url, response):
    entry = {"url": url, "status": response.status_code, "content_type": response.headers.get("Content-Type")}
    if response.status_code != 200:
        entry["body"] = response.text
        return entry
    if response.headers.get("Content-Type", "").startswith("application/json"):
        partial = response.json().get("partialSuccess", {})
        entry["rejected"] = int(partial.get("rejectedSpans", partial.get("rejectedLogRecords", 0)))
        entry["message"] = partial.get("errorMessage", "")
        return entry
    message = ExportTraceServiceResponse() if url.endswith("/v1/traces") else ExportLogsServiceResponse()
    message.ParseFromString(response.content)
    partial = message.partial_success
    entry["rejected"] = partial.rejected_spans if url.endswith("/v1/traces") else partial.rejected_log_records
    entry["message"] = partial.error_message
    return entry


class JSONSpanExporter(SpanExporter):
    """The SDK's spans in OTLP/JSON, from the official encoder."""

    def __init__(self, endpoint, session, gzip_body):
        self.endpoint, self.session, self.gzip_body = endpoint, session, gzip_body

    def export(self, spans):
        from opentelemetry.exporter.otlp.json.common.trace_encoder import encode_spans

        ok = post_json(self.session, self.endpoint, encode_spans(spans).to_json(), self.gzip_body)
        return SpanExportResult.SUCCESS if ok else SpanExportResult.FAILURE

    def shutdown(self):
        pass


class JSONLogExporter(LogRecordExporter):
    """The SDK's log records in OTLP/JSON, from the official encoder."""

    def __init__(self, endpoint, session, gzip_body):
        self.endpoint, self.session, self.gzip_body = endpoint, session, gzip_body

    def export(self, batch):
        from opentelemetry.exporter.otlp.json.common._log_encoder import encode_logs

        ok = post_json(self.session, self.endpoint, encode_logs(batch).to_json(), self.gzip_body)
        return LogRecordExportResult.SUCCESS if ok else LogRecordExportResult.FAILURE

    def force_flush(self, timeout_millis=30000):
        return True

    def shutdown(self):
        pass


def post_json(session, endpoint, text, gzip_body):
    headers = {"Content-Type": "application/json"}
    body = text.encode()
    if gzip_body:
        headers["Content-Encoding"] = "gzip"
        body = gzip.compress(body)
    return session.post(endpoint, data=body, headers=headers, timeout=60).status_code == 200


def messages(role, text):
    part = {"role": role, "parts": [{"type": "text", "content": text}]}
    if role == "assistant":
        part["finish_reason"] = "stop"
    return json.dumps([part])


def main():
    arguments = argparse.ArgumentParser()
    arguments.add_argument("--endpoint", required=True)
    arguments.add_argument("--encoding", choices=["protobuf", "json"], default="protobuf")
    arguments.add_argument("--gzip", action="store_true")
    options = arguments.parse_args()

    session = RecordingSession()
    traces_url, logs_url = options.endpoint + "/v1/traces", options.endpoint + "/v1/logs"
    if options.encoding == "protobuf":
        compression = Compression.Gzip if options.gzip else Compression.NoCompression
        span_exporter = OTLPSpanExporter(endpoint=traces_url, compression=compression, session=session, timeout=60)
        log_exporter = OTLPLogExporter(endpoint=logs_url, compression=compression, session=session, timeout=60)
    else:
        span_exporter = JSONSpanExporter(traces_url, session, options.gzip)
        log_exporter = JSONLogExporter(logs_url, session, options.gzip)

    resource = Resource.create({"service.name": "otel-fixture", "flywheel.variant": "blue"})
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(SimpleSpanProcessor(span_exporter))
    logger_provider = LoggerProvider(resource=resource)
    logger_provider.add_log_record_processor(SimpleLogRecordProcessor(log_exporter))
    tracer = tracer_provider.get_tracer("flywheel.fixture.genai")
    logger = logger_provider.get_logger("flywheel.fixture.evaluations")

    def chat(name, conversation, model, response_id, question, answer, tokens, error=None, evaluation=None):
        attributes = {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": model,
            "gen_ai.conversation.id": conversation,
            "user.id": "user-7",
            "gen_ai.input.messages": messages("user", question),
        }
        with tracer.start_as_current_span(name, kind=SpanKind.CLIENT, attributes=attributes) as span:
            if error:
                span.set_attribute("error.type", error)
                span.set_status(Status(StatusCode.ERROR, "upstream " + error))
            else:
                if response_id:
                    span.set_attribute("gen_ai.response.id", response_id)
                span.set_attribute("gen_ai.response.model", model + "-2026-01")
                span.set_attribute("gen_ai.usage.input_tokens", tokens[0])
                span.set_attribute("gen_ai.usage.output_tokens", tokens[1])
                if answer is not None:
                    span.set_attribute("gen_ai.output.messages", messages("assistant", answer))
            if evaluation:
                span.add_event("gen_ai.evaluation.result", evaluation)
            context = span.get_span_context()
            return {"trace_id": format(context.trace_id, "032x"), "span_id": format(context.span_id, "016x")}

    sent = {"spans": {}}
    with tracer.start_as_current_span("POST /chat", kind=SpanKind.SERVER, attributes={"http.request.method": "POST"}):
        sent["spans"]["first"] = chat("chat gpt-a", "conv-otel-1", "gpt-a", "resp-1", "What is 2+2?", "4", (12, 3))
        # A regeneration: the same input in the same conversation, so the same prompt.
        sent["spans"]["regenerated"] = chat(
            "chat gpt-a", "conv-otel-1", "gpt-a", "resp-2", "What is 2+2?", "Four.", (12, 5))
    sent["spans"]["failed"] = chat("chat gpt-b", "conv-otel-2", "gpt-b", None, "Hello?", None, None, error="timeout")
    # Content capture off (no output messages), no response id, the evaluation as a span event.
    sent["spans"]["judged"] = chat(
        "chat gpt-b", "conv-otel-3", "gpt-b", None, "Name a colour", None, (4, 2),
        evaluation={"gen_ai.evaluation.name": "relevance", "gen_ai.evaluation.score.label": "pass"})
    with tracer.start_as_current_span("embeddings", attributes={
        "gen_ai.operation.name": "embeddings", "gen_ai.request.model": "embedder"}):
        pass

    def evaluate(span_ids, attributes):
        context = Context()  # no span: the evaluation names its response by gen_ai.response.id
        if span_ids:
            span_context = trace.SpanContext(
                trace_id=int(span_ids["trace_id"], 16), span_id=int(span_ids["span_id"], 16), is_remote=False,
                trace_flags=trace.TraceFlags(trace.TraceFlags.SAMPLED))
            context = trace.set_span_in_context(trace.NonRecordingSpan(span_context))
        logger.emit(event_name="gen_ai.evaluation.result", attributes=attributes, context=context)

    # Thumbs from the user, parented to the evaluated spans: up on the first answer, a score of 0 on the second.
    evaluate(sent["spans"]["first"], {
        "gen_ai.evaluation.name": "user_feedback", "gen_ai.evaluation.score.label": "thumbs_up",
        "gen_ai.evaluation.explanation": "short and right"})
    evaluate(sent["spans"]["regenerated"], {"gen_ai.evaluation.name": "user_feedback",
                                            "gen_ai.evaluation.score.value": 0.0})
    # A judge that names only the response id.
    evaluate(None, {"gen_ai.evaluation.name": "judge", "gen_ai.evaluation.score.label": "correct",
                    "gen_ai.response.id": "resp-1"})
    # Not a thumbs rating: rejected.
    evaluate(sent["spans"]["first"], {"gen_ai.evaluation.name": "tone", "gen_ai.evaluation.score.label": "formal"})
    # An ordinary log record: skipped.
    logger.emit(body="request served", attributes={"http.route": "/chat"})

    tracer_provider.shutdown()
    logger_provider.shutdown()
    json.dump({"sent": sent, "responses": RESPONSES}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
