package dev.apimon.k8s;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Each service ships the two standard Quarkus Dockerfiles; docs/kubernetes.md mirrors the external-secret list. */
class ImagesAndDocsTest {
    private static final Pattern FROM = Pattern.compile("(?m)^FROM\\s+(\\S+)");

    @Test
    void everyServiceHasJvmAndNativeDockerfiles() {
        List<String> p = new ArrayList<>();
        for (String svc : Workloads.SERVICES) {
            String jvm = svc + "/src/main/docker/Dockerfile.jvm";
            String nat = svc + "/src/main/docker/Dockerfile.native";
            if (!Files.isRegularFile(Repo.path(jvm)) || !Files.isRegularFile(Repo.path(nat))) {
                p.add(svc + ": missing " + jvm + " or " + nat);
                continue;
            }
            String j = Repo.read(jvm);
            String n = Repo.read(nat);
            check(p, jvm, j, "registry.access.redhat.com/ubi9/openjdk-17-runtime:");
            check(p, nat, n, "quay.io/quarkus/ubi9-quarkus-micro-image:");
            if (!j.contains("target/quarkus-app/")) {
                p.add(jvm + ": does not copy target/quarkus-app");
            }
            if (!n.contains("target/*-runner")) {
                p.add(nat + ": does not copy the native runner");
            }
        }
        assertTrue(p.isEmpty(), "Dockerfile problems:\n  - " + String.join("\n  - ", p));
    }

    private static void check(List<String> p, String file, String text, String base) {
        Matcher m = FROM.matcher(text);
        if (!m.find() || !m.group(1).startsWith(base)) {
            p.add(file + ": must build FROM " + base + "<version>");
        } else if (Workloads.tag(m.group(1)).isEmpty() || Workloads.tag(m.group(1)).equals("latest")) {
            p.add(file + ": base image " + m.group(1) + " is not pinned");
        }
        if (!Pattern.compile("(?m)^USER 185\\s*$").matcher(text).find()) {
            p.add(file + ": must run as USER 185");
        }
        if (!Pattern.compile("(?m)^EXPOSE\\s+\\d+").matcher(text).find()) {
            p.add(file + ": no EXPOSE");
        }
    }

    @Test
    void docsListEveryExternalSecretWithItsKeys() {
        String docs = Repo.read("docs/kubernetes.md");
        List<String> p = new ArrayList<>();
        for (Map.Entry<String, Set<String>> e : ExternalSecrets.load().entrySet()) {
            String name = e.getKey();
            if (!docs.contains("`" + name + "`")) {
                p.add("docs/kubernetes.md does not document Secret `" + name + "`");
            }
            boolean tls = e.getValue().equals(Set.of("tls.crt", "tls.key"));
            String command = "kubectl -n apimon create secret " + (tls ? "tls " : "generic ") + name + " ";
            int at = docs.indexOf(command);
            if (at < 0) {
                p.add("docs/kubernetes.md has no '" + command.trim() + " ...' example");
                continue;
            }
            // the example command runs until the next blank line
            int end = docs.indexOf("\n\n", at);
            String example = docs.substring(at, end < 0 ? docs.length() : end);
            for (String key : e.getValue()) {
                if (!tls && !example.contains("--from-literal=" + key + "=")) {
                    p.add("docs/kubernetes.md: the example for " + name + " does not set key " + key);
                }
            }
        }
        assertTrue(p.isEmpty(), String.join("\n", p));
    }
}
