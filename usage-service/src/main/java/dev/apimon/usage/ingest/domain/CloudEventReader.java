package dev.apimon.usage.ingest.domain;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads one CloudEvent (a JSON object) or a batch (a JSON array) in a single streaming pass. Each event's
 * {@code data} is kept as the exact bytes received — it becomes the Kafka record value as is — so ingest never
 * builds a tree of the request nor re-serializes it. Malformed JSON throws; a well-formed item that is not a
 * CloudEvent object is returned with its problem, to be rejected at its index.
 */
public final class CloudEventReader {
    /** What the request body held. */
    public record Body(boolean batch, List<CloudEventEnvelope> events) {
    }

    private CloudEventReader() {
    }

    public static Body read(JsonFactory factory, byte[] body, int maxEvents) throws IOException {
        try (JsonParser p = factory.createParser(body)) {
            JsonToken first = p.nextToken();
            if (first == JsonToken.START_OBJECT) {
                List<CloudEventEnvelope> one = List.of(event(p, body));
                requireEnd(p);
                return new Body(false, one);
            }
            if (first != JsonToken.START_ARRAY) {
                return null;
            }
            List<CloudEventEnvelope> out = new ArrayList<>(Math.min(maxEvents, 1024));
            JsonToken t;
            while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                if (t == null) {
                    throw new com.fasterxml.jackson.core.JsonParseException(p, "unexpected end of input");
                }
                if (out.size() == maxEvents) {
                    out.add(null); // the caller reports "too many"; no need to read on
                    return new Body(true, out);
                }
                if (t == JsonToken.START_OBJECT) {
                    out.add(event(p, body));
                } else {
                    p.skipChildren();
                    out.add(CloudEventEnvelope.invalid(null, "event is not a JSON object"));
                }
            }
            requireEnd(p);
            return new Body(true, out);
        }
    }

    private static void requireEnd(JsonParser p) throws IOException {
        if (p.nextToken() != null) {
            throw new com.fasterxml.jackson.core.JsonParseException(p, "unexpected content after the JSON value");
        }
    }

    private static CloudEventEnvelope event(JsonParser p, byte[] body) throws IOException {
        String specversion = null, id = null, source = null, type = null, subject = null, time = null, contentType = null, env = null;
        boolean base64 = false;
        byte[] data = null;
        boolean dataIsObject = true;
        String problem = null;
        String field;
        while ((field = p.nextFieldName()) != null) {
            JsonToken v = p.nextToken();
            switch (field) {
                case "data" -> {
                    dataIsObject = v == JsonToken.START_OBJECT || v == JsonToken.VALUE_NULL;
                    if (v == JsonToken.START_OBJECT) {
                        int start = (int) p.currentTokenLocation().getByteOffset();
                        p.skipChildren(); // now on the matching END_OBJECT
                        data = Arrays.copyOfRange(body, start, (int) p.currentTokenLocation().getByteOffset() + 1);
                    } else {
                        p.skipChildren();
                        data = null;
                    }
                }
                case "data_base64" -> {
                    base64 = true;
                    p.skipChildren();
                }
                default -> {
                    String text = null;
                    if (v.isScalarValue()) {
                        text = v == JsonToken.VALUE_NULL ? null : p.getText();
                    } else {
                        p.skipChildren();
                        if (problem == null && isAttribute(field)) {
                            problem = field + " must be a string";
                        }
                    }
                    switch (field) {
                        case "specversion" -> specversion = text;
                        case "id" -> id = text;
                        case "source" -> source = text;
                        case "type" -> type = text;
                        case "subject" -> subject = text;
                        case "time" -> time = text;
                        case "datacontenttype" -> contentType = text;
                        case "env" -> env = text;
                        default -> {
                            // other extension attributes are not part of a usage event
                        }
                    }
                }
            }
        }
        return new CloudEventEnvelope(specversion, blankToNull(id), blankToNull(source), blankToNull(type), blankToNull(subject),
                blankToNull(time), contentType, env, base64, data, dataIsObject, problem);
    }

    private static boolean isAttribute(String f) {
        return switch (f) {
            case "specversion", "id", "source", "type", "subject", "time", "datacontenttype", "env" -> true;
            default -> false;
        };
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
