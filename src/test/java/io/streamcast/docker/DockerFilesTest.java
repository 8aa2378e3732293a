package io.streamcast.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.streamcast.config.JobSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.TaskManagerOptions;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docker/ checked without a Docker engine: the files parse, every file they take from the
 * repository exists (or is what the pom builds), and the versions are the pom's.
 */
class DockerFilesTest {
    static final Path ROOT = Path.of(System.getProperty("streamcast.home", ".")).toAbsolutePath().normalize();
    static final Path DOCKER = ROOT.resolve("docker");

    final Pom pom = Pom.read(ROOT.resolve("pom.xml"));
    final Dockerfile image = Dockerfile.read(DOCKER.resolve("Dockerfile"));
    @SuppressWarnings("unchecked")
    final Map<String, Object> compose = (Map<String, Object>) new Yaml().load(Files.readString(DOCKER.resolve("compose.yaml")));

    DockerFilesTest() throws Exception {
    }

    @Test
    void theImageIsTheOfficialFlinkImageOfOurFlinkAndJavaVersions() {
        List<Dockerfile.Instruction> from = image.all("FROM");
        assertEquals(1, from.size());
        assertEquals("flink:" + pom.flinkVersion() + "-java" + pom.javaRelease(), from.get(0).args());
        assertTrue(image.all("ENV").stream().anyMatch(e -> e.args().replace(' ', '=').equals("OMP_NUM_THREADS=1")),
                "OMP_NUM_THREADS=1 in the image");
    }

    @Test
    void everyCopiedFileExistsOrIsWhatThePomBuilds() {
        for (Dockerfile.Instruction c : image.all("COPY")) {
            List<String> w = c.words();
            assertEquals(2, w.size(), "line " + c.line() + ": one source, one destination");
            String src = w.get(0);
            if (src.startsWith("target/")) {
                assertTrue(src.equals(pom.thinJobJar()) || src.equals(pom.clusterLibDir() + "/"),
                        "line " + c.line() + ": " + src + " is neither the thin job jar (" + pom.thinJobJar() + ") nor "
                                + pom.clusterLibDir() + "/ as the pom builds them");
            } else {
                assertTrue(Files.exists(ROOT.resolve(src)), "line " + c.line() + ": " + src + " is not in the repository");
            }
        }
    }

    @Test
    void theFlinkConfigurationLoadsNd4jOnceAndKeepsItsNativeCache() throws Exception {
        Configuration conf = GlobalConfiguration.loadConfiguration(DOCKER.resolve("conf").toString());
        assertTrue(conf.get(CoreOptions.ALWAYS_PARENT_FIRST_LOADER_PATTERNS_ADDITIONAL)
                .containsAll(List.of("org.nd4j.", "org.bytedeco.")), "ND4J and JavaCPP parent-first");
        String tmOpts = conf.get(CoreOptions.FLINK_TM_JVM_OPTIONS);
        String cache = tmOpts.replaceAll(".*-Dorg\\.bytedeco\\.javacpp\\.cachedir=(\\S+).*", "$1");
        assertTrue(image.all("RUN").stream().anyMatch(r -> r.args().contains("mkdir -p " + cache)
                        && r.args().contains("chown -R flink:flink " + cache)),
                "the image creates the JavaCPP cache " + cache + " for the flink user");
        int taskManagers = (int) services().keySet().stream().filter(s -> s.startsWith("taskmanager")).count();
        assertEquals(taskManagers * conf.get(TaskManagerOptions.NUM_TASK_SLOTS), conf.get(CoreOptions.DEFAULT_PARALLELISM),
                "the default parallelism fills the compose file's slots");
        Configuration local = GlobalConfiguration.loadConfiguration(ROOT.resolve("conf/flink").toString());
        assertEquals(local.get(CoreOptions.FLINK_JVM_OPTIONS), conf.get(CoreOptions.FLINK_JVM_OPTIONS),
                "the JDK 17 flags are the tested local cluster's");
        // ResubmissionLeakIT proves the setup on the local cluster
        assertEquals(local.get(CoreOptions.ALWAYS_PARENT_FIRST_LOADER_PATTERNS_ADDITIONAL),
                conf.get(CoreOptions.ALWAYS_PARENT_FIRST_LOADER_PATTERNS_ADDITIONAL),
                "the parent-first patterns are the tested local cluster's");
    }

    @Test
    void composeRunsKafkaOfOurClientVersionAndTheClusterFromThisImage() {
        Map<String, Object> s = services();
        assertTrue(s.keySet().containsAll(List.of("kafka", "jobmanager", "taskmanager-1", "taskmanager-2", "submitter",
                "simulator")), "services: " + s.keySet());
        assertEquals("apache/kafka:" + pom.kafkaVersion(), service("kafka").get("image"));
        for (String name : List.of("jobmanager", "taskmanager-1", "taskmanager-2", "submitter", "simulator")) {
            Map<String, Object> svc = service(name);
            assertEquals("streamcast:" + pom.version(), svc.get("image"), name);
            @SuppressWarnings("unchecked")
            Map<String, Object> build = (Map<String, Object>) svc.get("build");
            Path context = DOCKER.resolve((String) build.get("context")).normalize();
            assertEquals(ROOT, context, name + ": built from the repository root");
            assertEquals(DOCKER.resolve("Dockerfile"), context.resolve((String) build.get("dockerfile")));
        }
        assertEquals("1", String.valueOf(service("taskmanager-1").get("environment") instanceof Map<?, ?> env
                ? env.get("OMP_NUM_THREADS") : null), "TaskManagers run one OpenMP thread");
    }

    @Test
    void theSubmitterRunsTheJobJarWithAWorkedSpecThatLoads() {
        List<String> args = words(service("submitter").get("command"));
        assertEquals(List.of("flink", "run", "--detached"), args.subList(0, 3));
        // the image's lib/ has ND4J (cluster-lib): the job jar without it is enough, for the client too
        assertEquals(pom.thinJobJar(), image.sourceOf(args.get(3)), "the jar 'flink run' ships is our thin job jar");
        Path spec = null;
        Map<String, String> sets = new LinkedHashMap<>();
        for (int i = 4; i < args.size(); i += 2) {
            switch (args.get(i)) {
                case "--job" -> spec = ROOT.resolve(image.sourceOf(args.get(i + 1)));
                case "--set" -> sets.put(args.get(i + 1).split("=", 2)[0], args.get(i + 1).split("=", 2)[1]);
                default -> throw new AssertionError("unexpected argument " + args.get(i));
            }
        }
        assertNotNull(spec, "--job");
        assertTrue(Files.exists(spec), spec + " exists");
        Configuration c = JobSpec.load(spec, sets);
        assertEquals("kafka:9092", c.get(io.streamcast.config.JobOptions.BOOTSTRAP_SERVERS));
    }

    @Test
    void theSimulatorRunsAClassOfTheJobJarOnFlinksClasspath() throws Exception {
        List<String> entry = words(service("simulator").get("entrypoint"));
        String cp = entry.get(entry.indexOf("-cp") + 1);
        for (String part : cp.split(":")) {
            String dir = part.endsWith("/*") ? part.substring(0, part.length() - 1) : part;
            assertTrue(dir.equals("/opt/flink/lib/") || image.sourceOf(dir) != null, part + " is in the image");
        }
        Class<?> main = Class.forName(entry.get(entry.size() - 1));
        assertNotNull(main.getMethod("main", String[].class));
        List<String> args = words(service("simulator").get("command"));
        assertEquals("kafka:9092", args.get(args.indexOf("--bootstrap-servers") + 1));
    }

    @Test
    void theLoggingConfigurationParses() throws Exception {
        Properties p = new Properties();
        try (var in = Files.newInputStream(DOCKER.resolve("conf/log4j-console.properties"))) {
            p.load(in);
        }
        assertEquals("org.apache.flink.metrics.MetricGroup", p.getProperty("logger.metricgroup.name"));
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> services() {
        return (Map<String, Object>) compose.get("services");
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> service(String name) {
        return (Map<String, Object>) services().get(name);
    }

    @SuppressWarnings("unchecked")
    static List<String> words(Object command) {
        return command instanceof List<?> l ? (List<String>) l : List.of(((String) command).trim().split("\\s+"));
    }
}
