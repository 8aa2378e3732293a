package io.streamcast.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where this checkout's build put what the local processes run: the classpath files Maven writes
 * (target/*.classpath, from dependency:build-classpath), the job jar (mvn package) and conf/. The
 * launcher names the checkout in the system property streamcast.home; tests run in it.
 */
public final class Installation {
    /** The Flink cluster's classpath: what a Flink distribution's lib/ holds. */
    public static final String FLINK_CLASSPATH = "flink-cluster.classpath";
    /** The launcher's classpath: the broker runs on the same jars as the in-process one. */
    public static final String LAUNCHER_CLASSPATH = "launcher.classpath";

    private final Path home;

    public Installation(Path home) {
        this.home = home.toAbsolutePath().normalize();
    }

    public static Installation current() {
        return new Installation(Path.of(System.getProperty("streamcast.home", "")));
    }

    public Path home() {
        return home;
    }

    public Path conf(String name) {
        return home.resolve("conf").resolve(name);
    }

    /** The contents of target/&lt;file&gt;, a classpath Maven resolved. */
    public String classpath(String file) {
        Path p = home.resolve("target").resolve(file);
        try {
            return Files.readString(p).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("no " + p + ": build first (mvn -B package -DskipTests)", e);
        }
    }

    /** The jar 'flink run' and 'streamcast submit' ship to a cluster (mvn package): everything the job needs. */
    public Path jobJar() {
        return target("streamcast-.*-job\\.jar");
    }

    /**
     * The job jar without ND4J, JavaCPP and OpenBLAS (mvn package), for a cluster that has
     * {@link #clusterLib()} on its classpath, as the local cluster has.
     */
    public Path thinJobJar() {
        return target("streamcast-.*-job-thin\\.jar");
    }

    private Path target(String regex) {
        Path target = home.resolve("target");
        try (var files = Files.list(target)) {
            return files.filter(f -> f.getFileName().toString().matches(regex)).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no " + regex + " in " + target
                            + ": build it with mvn -B package -DskipTests"));
        } catch (IOException e) {
            throw new UncheckedIOException("no job jar in " + target + ": build it with mvn -B package -DskipTests", e);
        }
    }

    /**
     * The jars of target/cluster-lib (ND4J, JavaCPP, OpenBLAS and what only they need, mvn
     * package) as a classpath, for a cluster's lib/; empty if they were not built.
     */
    public String clusterLib() {
        Path lib = home.resolve("target").resolve("cluster-lib");
        if (!Files.isDirectory(lib)) {
            return "";
        }
        try (var files = Files.list(lib)) {
            return String.join(java.io.File.pathSeparator, files.filter(f -> f.toString().endsWith(".jar"))
                    .map(Path::toString).sorted().toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** This JVM's java, for the processes it starts. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
