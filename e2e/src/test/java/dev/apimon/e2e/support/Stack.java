package dev.apimon.e2e.support;

import dev.apimon.testinfra.KeycloakResource;
import dev.apimon.testinfra.PostgresResource;
import dev.apimon.testinfra.Processes;
import dev.apimon.testinfra.RedisResource;
import dev.apimon.testinfra.RepoRoot;
import dev.apimon.testinfra.RestartableKafkaResource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.FileHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * The whole suite as child processes of the test JVM, the way {@code bin/apimon up} runs it but private to one test
 * class: a fresh PostgreSQL database per service that owns one, a private Kafka broker (restartable) with the
 * suite's topics, a private Redis, the shared Keycloak realm, a Stripe stand-in, the six service jars
 * ({@code <service>/target/quarkus-app/quarkus-run.jar}) on free ports, and nginx with the demo pet store behind it
 * (nginx asks quota-service before each call; the pet store meters each served call to usage-service).
 * Logs: {@code e2e/target/stack-logs/<stack>/<service>.log}.
 */
public final class Stack implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Stack.class.getName());
    /** Held strongly: java.util.logging forgets the handlers of loggers nobody references. */
    private static final Logger E2E_LOG = Logger.getLogger("dev.apimon.e2e");
    /** Same value in key-service and quota-service (HMAC of API keys); a test value, never a real one. */
    static final String PEPPER = "e2e-pepper-0123456789abcdef";
    static final String SERVICES_CLIENT_SECRET = "apimon-services-local-secret";
    public static final String GATEWAY_CLIENT_ID = "apimon-gateway";
    public static final String GATEWAY_CLIENT_SECRET = "apimon-gateway-local-secret";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(240);
    private static final AtomicReference<Stack> RUNNING = new AtomicReference<>();

    /** One of the suite's topics, as bin/apimon creates it. */
    private record Topic(String name, int partitions, String cleanupPolicy) {
    }

    private static final List<Topic> TOPICS = List.of(
            new Topic("keys.events", 6, "compact"), new Topic("customers.events", 6, "compact"),
            new Topic("subscriptions.events", 6, "compact"), new Topic("billing.catalog", 1, "compact"),
            new Topic("billing.spend", 6, "compact"), new Topic("usage.events", 6, "delete"),
            new Topic("usage.aggregates", 6, "delete"), new Topic("billing.alerts", 6, "delete"),
            new Topic("billing.invoices", 6, "delete"), new Topic("billing.payments", 6, "delete"),
            new Topic("apimon.dead-letter", 3, "delete"));

    /** The six services, in bin/apimon's start order. */
    public enum Service {
        RATING("rating-service", true), KEY("key-service", true), USAGE("usage-service", true), QUOTA("quota-service", false),
        INVOICE("invoice-service", true), PORTAL("portal-bff", false);

        final String module;
        final boolean ownsDatabase;

        Service(String module, boolean ownsDatabase) {
            this.module = module;
            this.ownsDatabase = ownsDatabase;
        }

        public String module() {
            return module;
        }
    }

    private final String name;
    private final Path root;
    private final Path dir;
    private final Map<Service, ServiceProcess> services = new EnumMap<>(Service.class);
    private final List<PostgresResource> databases = new ArrayList<>();
    private final Map<Service, Map<String, String>> datasource = new EnumMap<>(Service.class);
    private RestartableKafkaResource kafka;
    private RedisResource redis;
    private StripeStandIn stripe;
    private ServiceProcess petstore;
    private ServiceProcess nginx;
    private Thread shutdownHook;
    private volatile boolean closed;
    private final Duration hourBoundaryAfterLaunch;
    private volatile Duration clockOffset = Duration.ZERO;
    private Map<Service, Integer> ports;
    private long launchedAt;
    private Duration lastBoot;
    private Handler testLog;

    private Stack(String name, Duration hourBoundaryAfterLaunch) {
        this.name = name;
        this.hourBoundaryAfterLaunch = hourBoundaryAfterLaunch;
        this.root = RepoRoot.find();
        this.dir = root.resolve("e2e/target/stack-logs").resolve(name);
    }

    /**
     * Starts everything and returns once every service answers /q/health/ready UP and nginx serves.
     *
     * @param hourBoundaryAfterLaunch null: the services run on the system clock. Otherwise every service runs with the
     *     same {@code apimon.clock.offset} so that their clock passes a whole hour — the end of a billing period anchored
     *     on a whole hour — this long after the services are launched (see {@link #now()}).
     */
    public static Stack start(String name, Duration hourBoundaryAfterLaunch) {
        Stack s = new Stack(name, hourBoundaryAfterLaunch);
        // the Kafka and Redis resources are one per JVM (static): two stacks at once would share and break them
        Stack other = RUNNING.compareAndExchange(null, s);
        if (other != null) {
            throw new IllegalStateException("stack " + other.name + " is still running: one stack per JVM at a time (test classes "
                    + "must not run concurrently)");
        }
        try {
            s.boot();
            return s;
        } catch (RuntimeException | Error e) {
            s.close();
            throw e;
        }
    }

    private void boot() {
        long t0 = System.nanoTime();
        shutdownHook = new Thread(this::close, "e2e-stack-" + name + "-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        try {
            killLeftovers();
            deleteRecursively(dir);
            Files.createDirectories(dir);
            // the tests' own log lines, next to the services' (surefire captures nothing of concurrently run methods)
            testLog = new FileHandler(dir.resolve("test.log").toString(), true);
            testLog.setFormatter(new Formatter() {
                @Override
                public String format(LogRecord r) {
                    return String.format("%s %-7s [%s] %s%n", r.getInstant(), r.getLevel(), r.getLoggerName().replace("dev.apimon.e2e.", ""),
                            formatMessage(r));
                }
            });
            E2E_LOG.addHandler(testLog);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        snapshotApps(root);
        phase("service builds copied", t0);
        new KeycloakResource().start();
        kafka = new RestartableKafkaResource();
        kafka.start();
        recordPids();
        createTopics();
        phase("Kafka broker up with the topics", t0);
        redis = new RedisResource();
        redis.start();
        for (Service s : Service.values()) {
            if (s.ownsDatabase) {
                PostgresResource db = new PostgresResource();
                databases.add(db);
                datasource.put(s, db.start());
            }
        }
        phase("Redis and databases ready", t0);
        stripe = new StripeStandIn();
        Map<Service, Integer> ports = new EnumMap<>(Service.class);
        for (Service s : Service.values()) {
            ports.put(s, freePort());
        }
        this.ports = ports;
        launchServices(hourBoundaryAfterLaunch);
        startGateway();
        awaitReady(Service.values());
        lastBoot = Duration.ofNanos(System.nanoTime() - launchedAt);
        LOG.info(() -> String.format("stack %s ready in %.1f s: %s, nginx %s", name, (System.nanoTime() - t0) / 1e9, services.values(),
                gatewayUrl()));
    }

    /**
     * Launches the six services. With {@code hourBoundaryIn}, they all get one new clock offset that makes their clock
     * pass a whole hour that long from now: never earlier than their current time (a stack's clock only moves forward;
     * the pet store stamps usage with real time, and usage from the future is refused, so offsets are never negative).
     */
    private void launchServices(Duration hourBoundaryIn) {
        if (hourBoundaryIn != null) {
            Instant boundaryReal = Instant.now().plus(hourBoundaryIn);
            Instant boundaryStack = boundaryReal.plus(clockOffset).truncatedTo(ChronoUnit.HOURS).plus(1, ChronoUnit.HOURS);
            clockOffset = Duration.between(boundaryReal, boundaryStack);
            LOG.info("services' clock offset " + clockOffset + ": their clock passes " + boundaryStack + " at " + boundaryReal + " (real time)");
        }
        for (Service s : Service.values()) {
            services.put(s, serviceProcess(s, ports));
        }
        launchedAt = System.nanoTime();
        services.values().forEach(ServiceProcess::start);
        recordPids();
    }

    /**
     * Restarts all six services (graceful stop, then start with a new clock offset: their clock passes a whole hour
     * {@code hourBoundaryIn} from now) and waits until they are ready. Data, Kafka, Redis, nginx and the pet store
     * stay. For a test that finds the stack booted too slowly to reach its planned period end in time.
     */
    public void relaunchServicesWithHourBoundaryIn(Duration hourBoundaryIn) {
        services.values().forEach(ServiceProcess::requestStop);
        services.values().forEach(ServiceProcess::stop);
        launchServices(hourBoundaryIn);
        awaitReady(Service.values());
        lastBoot = Duration.ofNanos(System.nanoTime() - launchedAt);
    }

    /** How long the services took from launch to all ready, the last time they were (re)launched. */
    public Duration lastBoot() {
        return lastBoot;
    }

    private static void phase(String what, long t0) {
        LOG.info(String.format("%s after %.1f s", what, (System.nanoTime() - t0) / 1e9));
    }

    // ---------------------------------------------------------------- what the tests use

    public String url(Service s) {
        return services.get(s).url();
    }

    /** nginx in front of the pet store: every call is authorized by quota-service first. */
    public String gatewayUrl() {
        return nginx.url();
    }

    /** The services' time: the system clock plus the stack's clock offset. */
    public Instant now() {
        return Instant.now().plus(clockOffset);
    }

    public Duration clockOffset() {
        return clockOffset;
    }

    public StripeStandIn stripe() {
        return stripe;
    }

    public String kafkaBootstrap() {
        return RestartableKafkaResource.bootstrapServers();
    }

    public ServiceProcess process(Service s) {
        return services.get(s);
    }

    /** kill -9 of one service: no graceful shutdown, in-flight work is lost as in a crash. */
    public void kill(Service s) {
        LOG.info(() -> "kill -9 " + services.get(s));
        services.get(s).kill();
    }

    /** Starts a killed or stopped service again (same port, database and configuration) and waits until it is ready. */
    public void restart(Service s) {
        ServiceProcess p = services.get(s);
        if (p.alive()) {
            p.kill();
        }
        p.start();
        recordPids();
        awaitReady(s);
    }

    /** The broker crashes (SIGKILL); its data stays on disk. */
    public void killKafka() {
        LOG.info("kill -9 the Kafka broker");
        RestartableKafkaResource.stopBroker();
    }

    public void startKafka() {
        LOG.info("restarting the Kafka broker");
        RestartableKafkaResource.startBroker();
        recordPids();
    }

    /** Redis goes away with everything in it (it keeps nothing on disk), as in an outage. */
    public void stopRedis() {
        LOG.info("stopping Redis");
        RedisResource.stopServer();
    }

    public void startRedis() {
        LOG.info("restarting Redis (empty)");
        RedisResource.startServer();
    }

    /** Waits until each service's /q/health/ready answers UP; fails at once, with the log's tail, if one exited. */
    public void awaitReady(Service... which) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        for (Service s : which) {
            ServiceProcess p = services.get(s);
            String last = "no answer";
            while (true) {
                p.assertAlive();
                try {
                    Http.Reply r = Http.get(p.url() + "/q/health/ready", null);
                    if (r.status() == 200) {
                        break;
                    }
                    last = "HTTP " + r.status() + " " + r.body();
                } catch (RuntimeException e) {
                    last = e.getMessage();
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(s.module + " not ready after " + READY_TIMEOUT + ": " + last + "\nlog " + p.log()
                            + ":\n" + p.tail(30));
                }
                Poll.pause(200);
            }
        }
    }

    // ---------------------------------------------------------------- processes

    private static boolean snapshotTaken;

    /**
     * Copies each service's {@code target/quarkus-app} to {@code e2e/target/apps/<service>} once per test JVM and runs
     * the copies: a build of a module while the suite runs (another shell, an IDE) cannot swap a jar under a running or
     * restarting service, and every stack of one run uses the same build.
     */
    private static synchronized void snapshotApps(Path root) {
        if (snapshotTaken) {
            return;
        }
        try {
            for (Service s : Service.values()) {
                Path app = root.resolve(s.module).resolve("target/quarkus-app");
                if (!Files.isRegularFile(app.resolve("quarkus-run.jar"))) {
                    throw new IllegalStateException(app.resolve("quarkus-run.jar") + " is missing: build the services first "
                            + "(mvn -B install -DskipTests)");
                }
                Path copy = root.resolve("e2e/target/apps").resolve(s.module);
                deleteRecursively(copy);
                try (Stream<Path> walk = Files.walk(app)) {
                    for (Path from : walk.toList()) {
                        Path to = copy.resolve(app.relativize(from).toString());
                        if (Files.isDirectory(from)) {
                            Files.createDirectories(to);
                        } else {
                            Files.copy(from, to, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("could not copy the service builds: " + e.getMessage(), e);
        }
        snapshotTaken = true;
    }

    private Path jar(Service s) {
        return root.resolve("e2e/target/apps").resolve(s.module).resolve("quarkus-run.jar");
    }

    /** Each service with the configuration bin/apimon would give it, pointed at this stack's private servers. */
    private ServiceProcess serviceProcess(Service s, Map<Service, Integer> ports) {
        Map<String, String> props = new LinkedHashMap<>();
        Map<String, String> env = new LinkedHashMap<>();
        props.put("quarkus.http.port", String.valueOf(ports.get(s)));
        props.put("kafka.bootstrap.servers", kafkaBootstrap());
        props.put("quarkus.oidc.auth-server-url", KeycloakResource.issuer());
        props.put("quarkus.log.console.json.enabled", "false"); // readable logs for whoever diagnoses a failure
        props.put("apimon.clock.offset", clockOffset.toString());
        if (s.ownsDatabase) {
            props.putAll(datasource.get(s));
        }
        switch (s) {
            case KEY -> env.put("APIMON_KEYS_PEPPER", PEPPER);
            case QUOTA -> {
                env.put("APIMON_KEYS_PEPPER", PEPPER);
                props.put("quarkus.redis.hosts", "redis://127.0.0.1:" + RedisResource.port());
                // the production 20 ms budget is for a dedicated node; seven JVMs share two cores here, and a
                // budget overrun is answered by the fail-open policy, which would blur the exact limits asserted
                props.put("apimon.quota.redis.timeout", "500ms");
            }
            case INVOICE -> {
                env.put("APIMON_SERVICES_CLIENT_SECRET", SERVICES_CLIENT_SECRET);
                env.put("STRIPE_API_KEY", StripeStandIn.API_KEY);
                env.put("STRIPE_WEBHOOK_SECRET", StripeStandIn.WEBHOOK_SECRET);
                props.put("stripe.api-base", stripe.baseUrl());
                props.put("quarkus.rest-client.rating-service.url", "http://127.0.0.1:" + ports.get(Service.RATING));
                // the same jobs as in production, on a test's time scale
                props.put("apimon.stripe.sync-every", "1s");
                props.put("apimon.stripe.sync-delay", "1s");
                props.put("apimon.stripe.backoff-base", "PT1S");
                props.put("apimon.stripe.backoff-max", "PT5S");
                props.put("apimon.stripe.lease", "PT10S"); // a push killed mid-way resumes after this (fault suite)
                props.put("apimon.dunning.check-every", "1s");
                props.put("apimon.dunning.check-delay", "1s");
                props.put("apimon.dunning.retry-schedule", "PT2S,PT2S,PT2S");
            }
            case PORTAL -> {
                props.put("quarkus.rest-client.key-service.url", "http://127.0.0.1:" + ports.get(Service.KEY));
                props.put("quarkus.rest-client.usage-service.url", "http://127.0.0.1:" + ports.get(Service.USAGE));
                props.put("quarkus.rest-client.rating-service.url", "http://127.0.0.1:" + ports.get(Service.RATING));
                props.put("quarkus.rest-client.invoice-service.url", "http://127.0.0.1:" + ports.get(Service.INVOICE));
            }
            default -> {
            }
        }
        List<String> cmd = new ArrayList<>(List.of(Processes.javaBin(), "-Xmx384m",
                // C1 only and the serial collector: much less CPU to boot seven JVMs on two shared cores
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
        props.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-jar");
        cmd.add(jar(s).toString());
        return new ServiceProcess(s.module, ports.get(s), cmd, env, dir, dir.resolve(s.module + ".log"));
    }

    /** The demo pet store (which meters each served call to usage-service as the gateway client) behind nginx. */
    private void startGateway() {
        int petstorePort = freePort();
        petstore = new ServiceProcess("petstore", petstorePort, List.of("python3", root.resolve("demo/petstore.py").toString()),
                Map.of("PETSTORE_PORT", String.valueOf(petstorePort), "USAGE_URL", url(Service.USAGE) + "/v1/events",
                        "TOKEN_URL", KeycloakResource.issuer() + "/protocol/openid-connect/token",
                        "GATEWAY_CLIENT_ID", GATEWAY_CLIENT_ID, "GATEWAY_CLIENT_SECRET", GATEWAY_CLIENT_SECRET),
                dir, dir.resolve("petstore.log"));
        petstore.start();
        int nginxPort = freePort();
        Path prefix = dir.resolve("nginx");
        Path conf = prefix.resolve("nginx.conf");
        try {
            Files.createDirectories(prefix.resolve("logs"));
            String template = Files.readString(root.resolve("demo/nginx.conf.template"), StandardCharsets.UTF_8);
            Files.writeString(conf, template
                    .replace("@USER@", "root".equals(System.getProperty("user.name")) ? "user root;" : "")
                    .replace("@PREFIX@", prefix.toString())
                    .replace("@QUOTA@", "127.0.0.1:" + services.get(Service.QUOTA).port())
                    .replace("@UPSTREAM@", "127.0.0.1:" + petstorePort)
                    .replace("@NGINX_PORT@", String.valueOf(nginxPort)), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        String bin = Files.isExecutable(Path.of("/usr/sbin/nginx")) ? "/usr/sbin/nginx" : "nginx";
        nginx = new ServiceProcess("nginx", nginxPort, List.of(bin, "-p", prefix.toString(), "-c", conf.toString()), Map.of(), dir,
                dir.resolve("nginx.log"));
        nginx.start();
        recordPids();
        for (ServiceProcess p : List.of(petstore, nginx)) {
            Processes.await(p.name() + " (install nginx with: bin/apimon test)", Duration.ofSeconds(30),
                    () -> Processes.listening("127.0.0.1", p.port()), null, null);
            p.assertAlive();
        }
    }

    private static int freePort() {
        while (true) {
            int p = Processes.freePort();
            if (p < 8080 || p > 9093) { // never a port of a developer's `bin/apimon up` (8080-8090, Keycloak 8180, Kafka 9092/3)
                return p;
            }
        }
    }

    private void createTopics() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrap());
        try (Admin admin = Admin.create(p)) {
            List<NewTopic> topics = TOPICS.stream().map(t -> new NewTopic(t.name(), t.partitions(), (short) 1)
                    .configs(Map.of("cleanup.policy", t.cleanupPolicy()))).toList();
            admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not create the topics: " + e.getMessage(), e);
        }
    }

    // ---------------------------------------------------------------- teardown

    /** PIDs of this stack's children, so a later run can end them if this JVM was killed before its teardown ran. */
    private synchronized void recordPids() {
        StringBuilder sb = new StringBuilder();
        Stream.concat(services.values().stream(), Stream.of(petstore, nginx)).filter(p -> p != null && p.alive())
                .forEach(p -> sb.append(p.pid()).append(' ').append(p.name()).append('\n'));
        if (RestartableKafkaResource.pid() > 0) {
            sb.append(RestartableKafkaResource.pid()).append(" kafka\n");
        }
        try {
            Files.writeString(dir.resolve("pids"), sb.toString());
        } catch (IOException e) {
            LOG.warning("could not record the PIDs: " + e.getMessage());
        }
    }

    /** Ends the children a previous, killed test JVM left behind: only PIDs it recorded, and only if they are still ours. */
    private void killLeftovers() throws IOException {
        Path pids = dir.resolve("pids");
        if (!Files.isRegularFile(pids)) {
            return;
        }
        for (String line : Files.readAllLines(pids)) {
            String[] f = line.trim().split(" ");
            if (f.length < 2) {
                continue;
            }
            ProcessHandle.of(Long.parseLong(f[0])).filter(h -> h.info().commandLine()
                            .map(c -> c.contains(root.toString()) || c.contains(dir.toString())).orElse(false))
                    .ifPresent(h -> {
                        LOG.warning("ending " + f[1] + " (pid " + h.pid() + ") left over by an earlier run");
                        h.descendants().forEach(ProcessHandle::destroyForcibly);
                        h.destroyForcibly();
                    });
        }
    }

    /** Stops everything this stack started (idempotent; also run by the JVM's shutdown hook). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RUNNING.compareAndSet(this, null);
        LOG.info("tearing down stack " + name);
        List<ServiceProcess> all = new ArrayList<>();
        Stream.of(nginx, petstore).filter(p -> p != null).forEach(all::add);
        all.addAll(services.values());
        // SIGTERM to all at once, SIGKILL after 3 s: everything is thrown away, so a slow graceful stop is not waited for
        all.forEach(ServiceProcess::requestStop);
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        all.forEach(p -> p.stop(Duration.ofNanos(Math.max(0, deadline - System.nanoTime()))));
        if (stripe != null) {
            stripe.close();
        }
        if (redis != null) {
            redis.stop();
        }
        if (kafka != null) {
            LOG.info("stopping the Kafka broker (pid " + RestartableKafkaResource.pid() + ")");
            kafka.stop();
        }
        databases.forEach(PostgresResource::stop);
        if (testLog != null) {
            E2E_LOG.removeHandler(testLog);
            testLog.close();
        }
        try {
            Files.deleteIfExists(dir.resolve("pids"));
        } catch (IOException ignored) {
            // best effort
        }
        if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException ignored) {
                // the JVM is already shutting down
            }
        }
    }

    private static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path x : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(x);
            }
        }
    }
}
