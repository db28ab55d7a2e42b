import dev.apimon.platform.keys.ApiKeys;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Seeds the bench: publishes plans, subscriptions and keys (as key-service and rating-service would) and writes
 * the request mix wrk replays. Run with the quota-service jars on the classpath:
 * java -cp 'quota-service/target/quarkus-app/lib/main/*' bench/quota/Seed.java BOOTSTRAP PEPPER OUT_FILE
 */
public class Seed {
    static final Random RND = new Random(20261121);
    static KafkaProducer<String, byte[]> producer;

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String pepper = args[1];
        Path out = Path.of(args[2]);
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("acks", "all");
        p.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
        p.put("value.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
        producer = new KafkaProducer<>(p);

        send("billing.catalog", "bench-pro:1", "com.apimon.plan.published", "bench-pro:1", """
                {"code":"bench-pro","version":1,"name":"Pro","status":"published","currency":"USD","interval":"month","fee":"49.00",
                 "rate_limits":[{"name":"default","limit":1000000,"window":"PT1M"}],
                 "quotas":[{"meter":"api_calls","limit":1000000000,"enforcement":"hard"}],
                 "entitlements":["GET /pets/**","POST /pets","feature:webhooks"],"charges":[]}""");
        send("billing.catalog", "bench-free:1", "com.apimon.plan.published", "bench-free:1", """
                {"code":"bench-free","version":1,"name":"Free","status":"published","currency":"USD","interval":"month","fee":"0",
                 "rate_limits":[{"name":"default","limit":600,"window":"PT1M"}],
                 "quotas":[{"meter":"api_calls","limit":100000,"enforcement":"hard"}],
                 "entitlements":["GET /pets/**"],"charges":[]}""");

        List<String> pro = new ArrayList<>();
        List<String> revoked = new ArrayList<>();
        List<String> free = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            pro.addAll(customer("bench-pro", 1 + (i % 5 == 0 ? 1 : 0), i % 20 == 0 ? revoked : null, pepper));
        }
        for (int i = 0; i < 5; i++) {
            free.addAll(customer("bench-free", 1, null, pepper));
        }
        producer.flush();
        producer.close();

        // the mix: mostly healthy paying traffic, some limited free keys, bad and revoked keys, a few forbidden calls
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out, StandardCharsets.UTF_8))) {
            for (int i = 0; i < 20000; i++) {
                int r = RND.nextInt(100);
                String key;
                String op;
                if (r < 80) {
                    key = pick(pro);
                    op = RND.nextInt(8) == 0 ? "POST /pets" : "GET /pets/" + RND.nextInt(100000);
                } else if (r < 82) {
                    key = pick(pro);
                    op = "DELETE /pets/" + RND.nextInt(1000);
                } else if (r < 87) {
                    key = pick(free);
                    op = "GET /pets/" + RND.nextInt(1000);
                } else if (r < 93) {
                    key = ApiKeys.generate("live"); // well-formed, never issued
                    op = "GET /pets/1";
                } else if (r < 97) {
                    String k = ApiKeys.generate("live");
                    key = k.substring(0, k.length() - 1) + (k.endsWith("A") ? "B" : "A"); // bad checksum
                    op = "GET /pets/1";
                } else {
                    key = pick(revoked);
                    op = "GET /pets/1";
                }
                w.println(key + "\t" + op);
            }
        }
        System.out.printf("seeded 1005 customers (%d live keys, %d revoked); request mix in %s%n", pro.size() + free.size(), revoked.size(), out);
    }

    static String pick(List<String> l) {
        return l.get(RND.nextInt(l.size()));
    }

    static List<String> customer(String plan, int keys, List<String> revokedOut, String pepper) {
        String id = "cus_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
        Instant anchor = Instant.parse("2026-01-01T00:00:00Z").plus(RND.nextInt(28), ChronoUnit.DAYS);
        send("subscriptions.events", id, "com.apimon.subscription.created", id, String.format("""
                {"customer_id":"%s","subscription_id":"sub_%s","plan":{"code":"%s","version":1},"status":"active",
                 "period_anchor":"%s","current_period_start":"%s","current_period_end":null,"cancel_at_period_end":false,
                 "scheduled_change":null}""", id, id.substring(4), plan, anchor, anchor));
        List<String> plain = new ArrayList<>();
        StringBuilder entries = new StringBuilder();
        for (int k = 0; k < keys + (revokedOut != null ? 1 : 0); k++) {
            String key = ApiKeys.generate("live");
            boolean isRevoked = revokedOut != null && k == keys;
            (isRevoked ? revokedOut : plain).add(key);
            if (entries.length() > 0) {
                entries.append(',');
            }
            entries.append(String.format("""
                    {"id":"key_%s","key_hash":"%s","start":"%s","env":"live","scopes":[],"expires_at":null,"revoked_at":%s}""",
                    UUID.randomUUID().toString().replace("-", "").substring(0, 20), ApiKeys.hash(key, pepper), ApiKeys.start(key),
                    isRevoked ? "\"2026-01-01T00:00:00Z\"" : "null"));
        }
        send("keys.events", id, "com.apimon.key.created", id, "{\"customer_id\":\"" + id + "\",\"keys\":[" + entries + "]}");
        return plain;
    }

    static void send(String topic, String key, String type, String subject, String json) {
        ProducerRecord<String, byte[]> r = new ProducerRecord<>(topic, key, json.getBytes(StandardCharsets.UTF_8));
        r.headers().add("ce_specversion", "1.0".getBytes(StandardCharsets.UTF_8));
        r.headers().add("ce_id", UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
        r.headers().add("ce_source", "apimon/bench".getBytes(StandardCharsets.UTF_8));
        r.headers().add("ce_type", type.getBytes(StandardCharsets.UTF_8));
        r.headers().add("ce_subject", subject.getBytes(StandardCharsets.UTF_8));
        r.headers().add("content-type", "application/json".getBytes(StandardCharsets.UTF_8));
        producer.send(r);
    }
}
