/**
 * A test OTLP/HTTP trace receiver: a real HTTP server at `/v1/traces` that decodes each protobuf
 * ExportTraceServiceRequest with protobufjs and the OTLP trace messages (opentelemetry-proto,
 * collector/trace/v1 and trace/v1, common/v1, resource/v1; only the fields read here are declared), and keeps
 * the spans with their resource's attributes.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import protobuf from "protobufjs";

const OTLP_TRACE_PROTO = `
syntax = "proto3";
package otlp;
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message InstrumentationScope { string name = 1; string version = 2; }
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  string trace_state = 3;
  bytes parent_span_id = 4;
  string name = 5;
  SpanKind kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9;
  Status status = 15;
  fixed32 flags = 16;
  enum SpanKind {
    SPAN_KIND_UNSPECIFIED = 0; SPAN_KIND_INTERNAL = 1; SPAN_KIND_SERVER = 2; SPAN_KIND_CLIENT = 3;
    SPAN_KIND_PRODUCER = 4; SPAN_KIND_CONSUMER = 5;
  }
}
message Status { string message = 2; StatusCode code = 3; enum StatusCode { STATUS_CODE_UNSET = 0; STATUS_CODE_OK = 1; STATUS_CODE_ERROR = 2; } }
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue {
  oneof value {
    string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4;
    bytes bytes_value = 7;
  }
}
`;

const REQUEST = protobuf.parse(OTLP_TRACE_PROTO).root.lookupType("otlp.ExportTraceServiceRequest");

export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** "" for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: string;
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
  readonly statusCode: string;
  readonly resource: Readonly<Record<string, string | number | boolean>>;
}

export interface OtlpReceiver {
  /** The base endpoint (`http://127.0.0.1:PORT`), as `exporter.endpoint` or OTEL_EXPORTER_OTLP_ENDPOINT. */
  readonly endpoint: string;
  readonly spans: ReceivedSpan[];
  /** Content types of the requests received. */
  readonly contentTypes: string[];
  close(): Promise<void>;
}

interface DecodedKeyValue {
  key: string;
  value?: { stringValue?: string; boolValue?: boolean; intValue?: string; doubleValue?: number };
}

function attributesOf(
  list: readonly DecodedKeyValue[] | undefined,
): Record<string, string | number | boolean> {
  const attributes: Record<string, string | number | boolean> = {};
  for (const { key, value } of list ?? []) {
    if (value === undefined) continue;
    const decoded = value.stringValue ?? value.boolValue ?? value.doubleValue ?? value.intValue;
    if (decoded !== undefined)
      attributes[key] = value.intValue !== undefined ? Number(value.intValue) : decoded;
  }
  return attributes;
}

/** protobufjs gives bytes as base64 text; ids are read as hex. */
function hexOf(base64: unknown): string {
  return typeof base64 === "string" ? Buffer.from(base64, "base64").toString("hex") : "";
}

function spansOf(body: Buffer): ReceivedSpan[] {
  const message = REQUEST.toObject(REQUEST.decode(body), {
    longs: String,
    enums: String,
    bytes: String,
  }) as {
    resourceSpans?: {
      resource?: { attributes?: DecodedKeyValue[] };
      scopeSpans?: { spans?: Record<string, unknown>[] }[];
    }[];
  };
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of message.resourceSpans ?? []) {
    const resource = attributesOf(resourceSpans.resource?.attributes);
    for (const scope of resourceSpans.scopeSpans ?? []) {
      for (const span of scope.spans ?? []) {
        spans.push({
          traceId: hexOf(span.traceId),
          spanId: hexOf(span.spanId),
          parentSpanId: hexOf(span.parentSpanId),
          name: String(span.name),
          kind: String(span.kind ?? "SPAN_KIND_UNSPECIFIED"),
          startNs: BigInt(String(span.startTimeUnixNano ?? "0")),
          endNs: BigInt(String(span.endTimeUnixNano ?? "0")),
          attributes: attributesOf(span.attributes as DecodedKeyValue[] | undefined),
          statusCode: String((span.status as { code?: string } | undefined)?.code ?? "STATUS_CODE_UNSET"),
          resource,
        });
      }
    }
  }
  return spans;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const contentTypes: string[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      if (request.method !== "POST" || request.url !== "/v1/traces") {
        response.writeHead(404).end();
        return;
      }
      contentTypes.push(request.headers["content-type"] ?? "");
      try {
        spans.push(...spansOf(Buffer.concat(chunks)));
        response.writeHead(200, { "content-type": "application/x-protobuf" }).end();
      } catch (error) {
        response.writeHead(400).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    contentTypes,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
