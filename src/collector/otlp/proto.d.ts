// Types of the generated proto.js (decode only): the three OTLP export requests.
interface Decoder {
  decode(reader: Uint8Array): unknown;
}
export declare const opentelemetry: {
  proto: {
    collector: {
      trace: { v1: { ExportTraceServiceRequest: Decoder } };
      logs: { v1: { ExportLogsServiceRequest: Decoder } };
      metrics: { v1: { ExportMetricsServiceRequest: Decoder } };
    };
  };
};
