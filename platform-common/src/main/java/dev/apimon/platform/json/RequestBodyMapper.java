package dev.apimon.platform.json;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.inject.Singleton;
import jakarta.ws.rs.ext.ContextResolver;
import jakarta.ws.rs.ext.Provider;

/**
 * The mapper Quarkus REST reads request bodies with: the suite's mapper plus {@link InputGuards}. Only here, not
 * on the injected mapper: that one also reads what the services stored or sent each other themselves (plans,
 * invoices, Kafka payloads), which must stay readable whatever rules input gets later.
 */
@Provider
@Singleton
public class RequestBodyMapper implements ContextResolver<ObjectMapper> {
    private final ObjectMapper guarded;

    public RequestBodyMapper(ObjectMapper mapper) {
        this.guarded = mapper.copy().registerModule(InputGuards.module());
    }

    @Override
    public ObjectMapper getContext(Class<?> type) {
        return guarded;
    }
}
