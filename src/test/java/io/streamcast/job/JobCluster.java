package io.streamcast.job;

import io.streamcast.kafka.EmbeddedKafka;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What a job test class runs its jobs on, as users do: a real Kafka broker (in-process KRaft) and a
 * Flink MiniCluster with one TaskManager, its metrics kept by an {@link InMemoryReporter}, and a
 * {@link JobHarness} over both. Register it once per class:
 * {@code @RegisterExtension static final JobCluster CLUSTER = new JobCluster(slots);}. The broker
 * starts with the class (so {@link #harness} can be a static final of the test) and stops after it.
 */
public final class JobCluster implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    public final InMemoryReporter reporter = InMemoryReporter.createWithRetainedMetrics();
    public final EmbeddedKafka kafka = EmbeddedKafka.start();
    public final JobHarness harness = new JobHarness(kafka, reporter);
    private final MiniClusterExtension flink;

    public JobCluster(int slots) {
        flink = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
                .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(slots)
                .setConfiguration(reporter.addToConfiguration(new Configuration())).build());
    }

    @Override
    public void beforeAll(ExtensionContext c) throws Exception {
        flink.beforeAll(c);
    }

    @Override
    public void beforeEach(ExtensionContext c) throws Exception {
        flink.beforeEach(c);
    }

    @Override
    public void afterEach(ExtensionContext c) throws Exception {
        flink.afterEach(c);
    }

    @Override
    public void afterAll(ExtensionContext c) throws Exception {
        try {
            kafka.close();
        } finally {
            flink.afterAll(c);
        }
    }
}
