package dev.apimon.platform.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.deser.std.DelegatingDeserializer;
import com.fasterxml.jackson.databind.deser.std.NumberDeserializers;
import com.fasterxml.jackson.databind.deser.std.StringDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;

/**
 * Request bodies bound to Java types (read with {@link RequestBodyMapper}) refuse, per field, what the suite cannot
 * store or should not compute with:
 * strings with U+0000 or an unpaired surrogate ({@link StorableText}), decimals and instants outside
 * {@link InputBounds}. The 400 names the field (ProblemMappers reads the path of the mapping exception).
 * Bodies read as trees ({@code JsonNode}) are not covered here; ProblemMappers turns what PostgreSQL then refuses
 * into a 400 as well.
 */
final class InputGuards {
    private InputGuards() {
    }

    static SimpleModule module() {
        SimpleModule m = new SimpleModule("apimon-input-guards");
        m.addDeserializer(String.class, new Text());
        m.addDeserializer(BigDecimal.class, new Decimal());
        m.setDeserializerModifier(new BeanDeserializerModifier() {
            @Override
            public JsonDeserializer<?> modifyDeserializer(DeserializationConfig config, BeanDescription desc, JsonDeserializer<?> d) {
                Class<?> t = desc.getBeanClass();
                return t == Instant.class || t == OffsetDateTime.class || t == ZonedDateTime.class ? new Moment(d) : d;
            }
        });
        return m;
    }

    static final class Text extends StringDeserializer {
        @Override
        public String deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            String s = super.deserialize(p, ctxt);
            String problem = s == null ? null : StorableText.problem(s);
            if (problem != null) {
                throw InvalidFormatException.from(p, problem, s, String.class);
            }
            return s;
        }
    }

    static final class Decimal extends NumberDeserializers.BigDecimalDeserializer {
        @Override
        public BigDecimal deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            BigDecimal d = super.deserialize(p, ctxt);
            if (d != null && !InputBounds.inRange(d)) {
                throw InvalidFormatException.from(p, "must have " + InputBounds.DECIMAL_RULE, d, BigDecimal.class);
            }
            return d;
        }
    }

    /** Instant, OffsetDateTime, ZonedDateTime: their own deserializer, then the year bounds. */
    static final class Moment extends DelegatingDeserializer {
        Moment(JsonDeserializer<?> d) {
            super(d);
        }

        @Override
        protected JsonDeserializer<?> newDelegatingInstance(JsonDeserializer<?> d) {
            return new Moment(d);
        }

        @Override
        public Object deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            Object v = super.deserialize(p, ctxt);
            Instant t = v instanceof Instant i ? i : v instanceof OffsetDateTime o ? o.toInstant()
                    : v instanceof ZonedDateTime z ? z.toInstant() : null;
            if (t != null && !InputBounds.inRange(t)) {
                throw InvalidFormatException.from(p, InputBounds.INSTANT_RULE, v, v.getClass());
            }
            return v;
        }
    }
}
