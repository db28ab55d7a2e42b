package dev.apimon.testinfra;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the repository (the folder holding bin/apimon) from a module's working directory. */
public final class RepoRoot {
    private RepoRoot() {
    }

    public static Path find() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("bin/apimon"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the repository root (bin/apimon) above " + dir);
    }
}
