package dev.apimon.usage.ingest.domain;

/**
 * The attributes of one CloudEvent of an ingest request, read without building a tree. {@code data} holds the
 * exact bytes the client sent for the data member (null when absent or JSON null); {@code problem} is set when
 * the item is not an object or an attribute is not a string.
 */
public record CloudEventEnvelope(String specversion, String id, String source, String type, String subject, String time,
                                 String datacontenttype, String env, boolean hasDataBase64, byte[] data,
                                 boolean dataIsObject, String problem) {

    public static CloudEventEnvelope invalid(String id, String problem) {
        return new CloudEventEnvelope(null, id, null, null, null, null, null, null, false, null, false, problem);
    }
}
