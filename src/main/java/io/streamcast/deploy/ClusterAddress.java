package io.streamcast.deploy;

import java.net.URI;
import org.apache.flink.client.deployment.StandaloneClusterId;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;

/** A Flink cluster's REST endpoint, e.g. http://jobmanager:8081, as the client configuration Flink's classes take. */
public record ClusterAddress(String host, int port) {
    public static ClusterAddress parse(String url) {
        URI u = URI.create(url.contains("://") ? url : "http://" + url);
        if (u.getHost() == null) {
            throw new IllegalArgumentException("--cluster expects a REST address such as http://localhost:8081, got '" + url + "'");
        }
        return new ClusterAddress(u.getHost(), u.getPort() > 0 ? u.getPort() : RestOptions.PORT.defaultValue());
    }

    /** rest.address and rest.port set on top of base. */
    public Configuration configure(Configuration base) {
        Configuration c = new Configuration(base);
        c.set(RestOptions.ADDRESS, host);
        c.set(RestOptions.PORT, port);
        return c;
    }

    /** Flink's REST client for this cluster; close it after use. */
    public RestClusterClient<StandaloneClusterId> client() {
        try {
            return new RestClusterClient<>(configure(new Configuration()), StandaloneClusterId.getInstance());
        } catch (Exception e) {
            throw new IllegalStateException("cannot create a REST client for " + this + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "http://" + host + ":" + port;
    }
}
