package dev.apimon.k8s;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository root: the nearest folder above the working directory that holds k8s/base/kustomization.yaml. */
final class Repo {
    private static Path root;

    private Repo() {
    }

    static synchronized Path root() {
        if (root == null) {
            Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
            for (Path p = dir; p != null; p = p.getParent()) {
                if (Files.isRegularFile(p.resolve("k8s/base/kustomization.yaml"))) {
                    root = p;
                    return root;
                }
            }
            throw new IllegalStateException("no folder containing k8s/base/kustomization.yaml above " + dir);
        }
        return root;
    }

    static Path path(String relative) {
        return root().resolve(relative);
    }

    static String read(String relative) {
        try {
            return Files.readString(path(relative));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + relative, e);
        }
    }
}
