import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * usage-service benchmark client (run by bench/usage/run.sh; single-file source, classpath = the Kafka jars).
 *
 * Phases: setup (customers via customers.events, meters), ingest throughput (C concurrent clients posting
 * batches of 1000 unique CloudEvents for D seconds after a warm-up), aggregator catch-up, and ingest -> aggregate
 * latency (single-event probes timed until their bucket's delta arrives on usage.aggregates), idle and under load.
 * Prints "key=value" lines for run.sh.
 */
public class IngestBench {
    static String url;
    static String writer;
    static String admin;
    static String bootstrap;
    static int customers;
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    static final String RUN = Long.toString(System.currentTimeMillis(), 36);

    public static void main(String[] a) throws Exception {
        Map<String, String> args = new ConcurrentHashMap<>();
        for (String s : a) {
            int eq = s.indexOf('=');
            args.put(s.substring(0, eq), s.substring(eq + 1));
        }
        url = args.get("url");
        bootstrap = args.get("bootstrap");
        String issuer = args.get("issuer");
        customers = Integer.parseInt(args.getOrDefault("customers", "100"));
        int clients = Integer.parseInt(args.getOrDefault("clients", "8"));
        int seconds = Integer.parseInt(args.getOrDefault("seconds", "20"));
        int warmup = Integer.parseInt(args.getOrDefault("warmup", "8"));
        int probes = Integer.parseInt(args.getOrDefault("probes", "400"));
        if ("size".equals(args.get("mode"))) {
            System.out.println(recordBytes());
            return;
        }
        writer = token(issuer, "grant_type=client_credentials&client_id=apimon-gateway&client_secret=apimon-gateway-local-secret");
        admin = token(issuer, "grant_type=password&client_id=apimon-cli&username=admin&password=admin");
        String phase = args.getOrDefault("phase", "all");

        if (phase.equals("setup") || phase.equals("all")) {
            setup();
        }
        if (phase.equals("ingest") || phase.equals("all")) {
            System.err.printf("warm-up %ds, then %d clients x %ds of batches of 1000%n", warmup, clients, seconds);
            Result warm = load(clients, warmup, 0);
            Cpu before = Cpu.sample(args);
            double[] txBefore = {metric("usage_ingest_transaction_events_sum"), metric("usage_ingest_transaction_events_count")};
            Result r = load(clients, seconds, 0);
            Cpu after = Cpu.sample(args);
            double txEvents = metric("usage_ingest_transaction_events_sum") - txBefore[0];
            double txCount = metric("usage_ingest_transaction_events_count") - txBefore[1];
            System.out.printf("ingest_events_per_transaction=%s%n", txCount > 0 ? String.format("%.0f", txEvents / txCount) : "n/a");
            System.out.println("cpu_during_ingest=" + after.minus(before, seconds));
            System.out.println("cpu_us_per_event=" + after.microsPerEvent(before, r.accepted));
            System.out.printf("ingest_events_per_s=%.0f%n", r.accepted / (double) seconds);
            System.out.printf("ingest_events=%d%n", r.accepted);
            System.out.printf("ingest_requests=%d%n", r.requests);
            System.out.printf("ingest_errors=%d%n", r.errors);
            System.out.printf("ingest_request_p50_ms=%.1f%n", r.percentile(50));
            System.out.printf("ingest_request_p99_ms=%.1f%n", r.percentile(99));
            System.err.printf("warm-up: %.0f events/s%n", warm.accepted / (double) warmup);
        }
        if (phase.equals("latency") || phase.equals("all")) {
            long t0 = System.nanoTime();
            Map<String, String> cpuArgs = new java.util.HashMap<>(args);
            cpuArgs.put("service_pid", args.getOrDefault("aggregator_pid", args.get("service_pid")));
            Cpu before = Cpu.sample(cpuArgs);
            long backlog = awaitAggregatorCaughtUp(Duration.ofMinutes(5));
            double catchUp = (System.nanoTime() - t0) / 1e9;
            System.out.println("cpu_during_catch_up=" + Cpu.sample(cpuArgs).minus(before, Math.max(1, (int) Math.round(catchUp))));
            System.out.printf("aggregator_catch_up_s=%.1f%n", catchUp);
            System.out.printf("aggregator_backlog=%d%n", backlog);

            double[] idle = probe(probes, 20, null);
            System.out.printf("latency_idle_p50_ms=%.1f%nlatency_idle_p99_ms=%.1f%nlatency_idle_max_ms=%.1f%nlatency_idle_probes=%d%n",
                    idle[0], idle[1], idle[2], (long) idle[3]);
            // under load: two clients keep ingesting batches at a fixed rate while the probes run
            int loadRate = Integer.parseInt(args.getOrDefault("load_rate", "10000"));
            AtomicBoolean stop = new AtomicBoolean();
            Thread background = new Thread(() -> {
                try {
                    paced(2, loadRate, stop);
                } catch (Exception e) {
                    e.printStackTrace();
                }
            });
            background.start();
            Thread.sleep(3000);
            double[] loaded = probe(probes, 20, null);
            stop.set(true);
            background.join();
            System.out.printf("latency_load_events_per_s=%d%nlatency_load_p50_ms=%.1f%nlatency_load_p99_ms=%.1f%nlatency_load_max_ms=%.1f%n",
                    loadRate, loaded[0], loaded[1], loaded[2]);
        }
    }

    /**
     * CPU seconds used per process group (from /proc, clock ticks of 1/100 s) and by everything else on the machine:
     * the box is shared, so the figures say how much of the 2 cores this benchmark actually had.
     */
    record Cpu(Map<String, Long> ticks, long machineBusy, long machineTotal) {
        static Cpu sample(Map<String, String> args) throws Exception {
            Map<String, Long> t = new java.util.LinkedHashMap<>();
            t.put("service", ticks(args.get("service_pid")));
            t.put("kafka", ticks(args.get("kafka_pid")));
            long pg = 0;
            if (args.get("db") != null) {
                Process ps = new ProcessBuilder("psql", "-At", "-h", args.getOrDefault("pg_host", "127.0.0.1"), "-p", args.getOrDefault("pg_port", "5432"),
                        "-U", args.getOrDefault("pg_user", "postgres"), "-d", "postgres", "-c",
                        "SELECT pid FROM pg_stat_activity WHERE datname = '" + args.get("db") + "'").redirectErrorStream(true).start();
                for (String line : new String(ps.getInputStream().readAllBytes()).split("\\s+")) {
                    if (line.matches("\\d+")) {
                        pg += ticks(line);
                    }
                }
            }
            t.put("postgres", pg);
            t.put("client", ticks(String.valueOf(ProcessHandle.current().pid())));
            String[] cpu = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < cpu.length; i++) {
                total += Long.parseLong(cpu[i]);
            }
            long idle = Long.parseLong(cpu[4]) + Long.parseLong(cpu[5]);
            return new Cpu(t, total - idle, total);
        }

        static long ticks(String pid) {
            if (pid == null || pid.isBlank()) {
                return 0;
            }
            try {
                String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc", pid.trim(), "stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                return Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]); // utime stime cutime cstime
            } catch (Exception e) {
                return 0;
            }
        }

        /**
         * CPU microseconds per accepted event, "total (service s, kafka k, ...)": the machine's busy time (every
         * process, so the load generator too) divided by the events; comparable with the producer tool's figure.
         */
        String microsPerEvent(Cpu before, long events) {
            if (events == 0) {
                return "n/a";
            }
            double perTick = 10_000.0 / events; // a tick is 1/100 s = 10,000 us
            StringBuilder sb = new StringBuilder(String.format("%.1f (", (machineBusy - before.machineBusy) * perTick));
            String sep = "";
            for (var e : ticks.entrySet()) {
                sb.append(sep).append(e.getKey()).append(' ')
                        .append(String.format("%.1f", (e.getValue() - before.ticks.getOrDefault(e.getKey(), 0L)) * perTick));
                sep = ", ";
            }
            return sb.append(')').toString();
        }

        /** "service 0.62 cores, kafka ..., other 0.9 cores, idle ..." over the interval. */
        String minus(Cpu before, int seconds) {
            StringBuilder sb = new StringBuilder();
            long ours = 0;
            for (var e : ticks.entrySet()) {
                long d = e.getValue() - before.ticks.getOrDefault(e.getKey(), 0L);
                ours += d;
                sb.append(e.getKey()).append(' ').append(String.format("%.2f", d / 100.0 / seconds)).append(", ");
            }
            long busy = machineBusy - before.machineBusy;
            long total = machineTotal - before.machineTotal;
            sb.append("other processes ").append(String.format("%.2f", Math.max(0, busy - ours) / 100.0 / seconds))
                    .append(", idle ").append(String.format("%.2f", (total - busy) / 100.0 / seconds)).append(" (cores)");
            return sb.toString();
        }
    }

    /** The sum of a Prometheus series' samples on the service's /q/metrics (0 when absent). */
    static double metric(String name) {
        try {
            String body = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/q/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
            double sum = 0;
            for (String line : body.split("\n")) {
                if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                    sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            return sum;
        } catch (Exception e) {
            return 0;
        }
    }

    static String token(String issuer, String form) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(issuer + "/protocol/openid-connect/token"))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form)).build(),
                HttpResponse.BodyHandlers.ofString());
        Matcher m = Pattern.compile("\"access_token\"\\s*:\\s*\"([^\"]+)\"").matcher(r.body());
        if (r.statusCode() != 200 || !m.find()) {
            throw new IllegalStateException("no token from " + issuer + ": " + r.statusCode() + " " + r.body());
        }
        return m.group(1);
    }

    static String customer(int i) {
        return String.format("cus_bench%015d", i);
    }

    static void setup() throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("acks", "all");
        p.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
        p.put("value.serializer", "org.apache.kafka.common.serialization.StringSerializer");
        String now = Instant.now().toString();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
            for (int i = 0; i < customers; i++) {
                String id = customer(i);
                RecordHeaders h = new RecordHeaders();
                h.add("ce_specversion", "1.0".getBytes());
                h.add("ce_id", ("bench-" + RUN + "-" + i).getBytes());
                h.add("ce_source", "apimon/bench".getBytes());
                h.add("ce_type", "com.apimon.customer.created".getBytes());
                h.add("ce_subject", id.getBytes());
                h.add("content-type", "application/json".getBytes());
                producer.send(new ProducerRecord<>("customers.events", null, id, "{\"id\": \"" + id + "\", \"external_id\": \"bench-" + i
                        + "\", \"name\": \"Bench " + i + "\", \"currency\": \"USD\", \"status\": \"active\", \"created_at\": \"" + now
                        + "\", \"updated_at\": \"" + now + "\"}", h));
            }
            producer.flush();
        }
        meter("{\"slug\": \"bench_calls\", \"event_type\": \"bench.request\", \"aggregation\": \"count\", \"group_by\": {\"endpoint\": \"$.endpoint\"}}");
        meter("{\"slug\": \"bench_bytes\", \"event_type\": \"bench.request\", \"aggregation\": \"sum\", \"value_property\": \"$.bytes\", \"group_by\": {\"region\": \"$.region\"}}");
        meter("{\"slug\": \"bench_probe\", \"event_type\": \"bench.probe\", \"aggregation\": \"count\", \"group_by\": {\"probe\": \"$.probe\"}}");
        // wait until the service knows the last customer
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            String body = "[" + event("bench-setup-" + RUN, customer(customers - 1), "bench.setup", "{}") + "]";
            HttpResponse<String> r = post(body);
            if (r.statusCode() == 202) {
                break;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the service never learned the bench customers: " + r.statusCode() + " " + r.body());
            }
            Thread.sleep(250);
        }
    }

    static void meter(String body) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url + "/v1/meters")).header("Authorization", "Bearer " + admin)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201 && r.statusCode() != 200) {
            throw new IllegalStateException("meter: " + r.statusCode() + " " + r.body());
        }
    }

    static final String[] ENDPOINTS = {"GET /pets", "GET /pets/{id}", "POST /pets", "DELETE /pets/{id}"};
    static final String[] REGIONS = {"eu-west-1", "us-east-1", "ap-south-1"};

    static String event(String id, String subject, String type, String data) {
        return "{\"specversion\":\"1.0\",\"id\":\"" + id + "\",\"source\":\"bench-gateway\",\"type\":\"" + type + "\",\"subject\":\""
                + subject + "\",\"time\":\"" + Instant.now().truncatedTo(ChronoUnit.MILLIS) + "\",\"data\":" + data + "}";
    }

    /** A batch of 1000 unique events (~300 bytes each as CloudEvents). */
    static String batch(String prefix, int size, java.util.Random random) {
        StringBuilder sb = new StringBuilder(size * 330).append('[');
        String time = Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
        for (int i = 0; i < size; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append("{\"specversion\":\"1.0\",\"id\":\"").append(prefix).append('-').append(i)
                    .append("\",\"source\":\"bench-gateway\",\"type\":\"bench.request\",\"subject\":\"").append(customer(random.nextInt(customers)))
                    .append("\",\"time\":\"").append(time).append("\",\"data\":{\"endpoint\":\"").append(ENDPOINTS[random.nextInt(4)])
                    .append("\",\"status\":200,\"bytes\":").append(random.nextInt(65536)).append(",\"region\":\"").append(REGIONS[random.nextInt(3)])
                    .append("\",\"latency_ms\":").append(random.nextInt(900)).append(",\"user_agent\":\"bench-client/1.0\"}}");
        }
        return sb.append(']').toString();
    }

    static HttpResponse<String> post(String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url + "/v1/events")).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + writer).header("Content-Type", "application/cloudevents-batch+json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static int recordBytes() {
        // value: the data object; headers: ce_specversion, ce_id, ce_source, ce_type, ce_subject, ce_time, content-type, apimon_env
        String data = "{\"endpoint\":\"GET /pets/{id}\",\"status\":200,\"bytes\":51200,\"region\":\"eu-west-1\",\"latency_ms\":123,\"user_agent\":\"bench-client/1.0\"}";
        String[][] headers = {{"ce_specversion", "1.0"}, {"ce_id", RUN + "-c0-b1000-999"}, {"ce_source", "bench-gateway"}, {"ce_type", "bench.request"},
                {"ce_subject", customer(0)}, {"ce_time", "2026-11-21T10:00:00.123Z"}, {"content-type", "application/json"}, {"apimon_env", "live"}};
        int size = data.length();
        for (String[] h : headers) {
            size += h[0].length() + h[1].length();
        }
        return size;
    }

    static final class Result {
        long accepted;
        long requests;
        long errors;
        final List<Double> millis = Collections.synchronizedList(new ArrayList<>());

        double percentile(double p) {
            double[] v = millis.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            return v.length == 0 ? 0 : v[Math.min(v.length - 1, (int) Math.ceil(p / 100 * v.length) - 1)];
        }
    }

    static Result load(int clients, int seconds, int unused) throws Exception {
        Result r = new Result();
        AtomicLong accepted = new AtomicLong();
        AtomicLong requests = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        CountDownLatch done = new CountDownLatch(clients);
        for (int c = 0; c < clients; c++) {
            int client = c;
            Thread t = new Thread(() -> {
                java.util.Random random = new java.util.Random();
                long seq = 0;
                try {
                    while (System.nanoTime() < end) {
                        String body = batch(RUN + "-" + Thread.currentThread().getId() + "-" + client + "-" + (seq++) + "-" + System.nanoTime(), 1000, random);
                        long t0 = System.nanoTime();
                        HttpResponse<String> resp = post(body);
                        long t1 = System.nanoTime();
                        requests.incrementAndGet();
                        if (resp.statusCode() == 202 && t1 <= end) {
                            Matcher m = Pattern.compile("\"accepted\":(\\d+)").matcher(resp.body());
                            if (m.find()) {
                                accepted.addAndGet(Long.parseLong(m.group(1)));
                            }
                            r.millis.add((t1 - t0) / 1e6);
                        } else if (resp.statusCode() != 202) {
                            errors.incrementAndGet();
                            System.err.println("HTTP " + resp.statusCode() + ": " + resp.body());
                        }
                    }
                } catch (Exception e) {
                    errors.incrementAndGet();
                    e.printStackTrace();
                } finally {
                    done.countDown();
                }
            });
            t.start();
        }
        done.await();
        r.accepted = accepted.get();
        r.requests = requests.get();
        r.errors = errors.get();
        return r;
    }

    /** Background load at a fixed rate (batches of 1000 spread over the clients). */
    static void paced(int clients, int eventsPerSecond, AtomicBoolean stop) throws Exception {
        long intervalNanos = (long) (1e9 * 1000 * clients / eventsPerSecond);
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            Thread t = new Thread(() -> {
                java.util.Random random = new java.util.Random();
                long next = System.nanoTime();
                long seq = 0;
                try {
                    while (!stop.get()) {
                        post(batch(RUN + "-load-" + client + "-" + (seq++), 1000, random));
                        next += intervalNanos;
                        long sleep = next - System.nanoTime();
                        if (sleep > 0) {
                            TimeUnit.NANOSECONDS.sleep(sleep);
                        }
                    }
                } catch (Exception e) {
                    e.printStackTrace();
                }
            });
            t.start();
            threads.add(t);
        }
        for (Thread t : threads) {
            t.join();
        }
    }

    static long awaitAggregatorCaughtUp(Duration timeout) throws Exception {
        long first = -1;
        // committed offsets of the aggregator's group vs. the topic's read_committed end offsets
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(p)) {
            while (System.nanoTime() < deadline) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("usage-aggregator")
                        .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
                Map<TopicPartition, OffsetSpec> latest = new java.util.HashMap<>();
                for (var d : admin.describeTopics(List.of("usage.events")).allTopicNames().get().get("usage.events").partitions()) {
                    latest.put(new TopicPartition("usage.events", d.partition()), OffsetSpec.latest());
                }
                Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest,
                        new org.apache.kafka.clients.admin.ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get();
                long lag = 0;
                for (var e : ends.entrySet()) {
                    OffsetAndMetadata c = committed.get(e.getKey());
                    lag += e.getValue().offset() - (c == null ? 0 : c.offset());
                }
                if (first < 0) {
                    first = lag;
                }
                if (lag <= 0) {
                    return first;
                }
                Thread.sleep(1000);
            }
        }
        throw new IllegalStateException("the aggregator did not catch up within " + timeout);
    }

    /** Sends probes one by one (rate per second); returns p50, p99, max (ms) and the count. */
    static double[] probe(int n, int perSecond, Void unused) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        p.put("key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
        p.put("value.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        Map<String, Double> latency = new ConcurrentHashMap<>();
        String tag = "p" + Long.toString(System.nanoTime(), 36);
        Pattern probeField = Pattern.compile("\"probe\"\\s*:\\s*\"(" + tag + "-\\d+)\"");
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch ready = new CountDownLatch(1);
        Thread reader = new Thread(() -> {
            try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
                List<TopicPartition> parts = c.partitionsFor("usage.aggregates").stream()
                        .map(i -> new TopicPartition("usage.aggregates", i.partition())).toList();
                c.assign(parts);
                c.seekToEnd(parts);
                parts.forEach(c::position);
                ready.countDown();
                while (!stop.get()) {
                    for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(20))) {
                        long now = System.nanoTime();
                        Matcher m = probeField.matcher(r.value());
                        if (m.find()) {
                            Long t0 = sentAt.get(m.group(1));
                            if (t0 != null) {
                                latency.putIfAbsent(m.group(1), (now - t0) / 1e6);
                            }
                        }
                    }
                }
            }
        });
        reader.start();
        ready.await(30, TimeUnit.SECONDS);
        String probeCustomer = customer(0);
        long interval = 1_000_000_000L / perSecond;
        long next = System.nanoTime();
        for (int i = 0; i < n; i++) {
            String id = tag + "-" + i;
            String body = "[" + event(id, probeCustomer, "bench.probe", "{\"probe\":\"" + id + "\"}") + "]";
            sentAt.put(id, System.nanoTime());
            HttpResponse<String> r = post(body);
            if (r.statusCode() != 202) {
                System.err.println("probe: HTTP " + r.statusCode() + " " + r.body());
            }
            next += interval;
            long sleep = next - System.nanoTime();
            if (sleep > 0) {
                TimeUnit.NANOSECONDS.sleep(sleep);
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (latency.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        stop.set(true);
        reader.join();
        double[] v = latency.values().stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (v.length < n) {
            System.err.println("probes without an aggregate within 30 s: " + (n - v.length));
        }
        // a probe whose aggregate never came counts as infinitely late
        double[] all = Arrays.copyOf(v, n);
        for (int i = v.length; i < n; i++) {
            all[i] = Double.POSITIVE_INFINITY;
        }
        Arrays.sort(all);
        return new double[] {all[(int) Math.ceil(0.5 * n) - 1], all[(int) Math.ceil(0.99 * n) - 1], all[n - 1], n};
    }
}
