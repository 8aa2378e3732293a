package io.streamcast.cluster;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/** The broker process of 'streamcast kafka start' (set with --set key=value). */
public final class BrokerOptions {
    private BrokerOptions() {
    }

    public static final ConfigOption<String> HOST = ConfigOptions.key("broker.host")
            .stringType().defaultValue("127.0.0.1")
            .withDescription("Address the broker listens on and advertises.");

    public static final ConfigOption<Integer> PORT = ConfigOptions.key("broker.port")
            .intType().defaultValue(9092)
            .withDescription("Port of the PLAINTEXT listener clients use (kafka.bootstrap-servers: host:port).");

    public static final ConfigOption<Integer> CONTROLLER_PORT = ConfigOptions.key("broker.controller-port")
            .intType().defaultValue(9093)
            .withDescription("Port of the KRaft controller listener (the node is broker and controller).");

    public static final ConfigOption<String> HEAP = ConfigOptions.key("broker.heap")
            .stringType().defaultValue("512m")
            .withDescription("Java heap of the broker process (-Xmx and -Xms).");
}
