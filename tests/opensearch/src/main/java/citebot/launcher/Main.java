package citebot.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * Starts one real OpenSearch node on 127.0.0.1 and keeps it running until the process is killed.
 *
 * <p>Usage: {@code Main NAME HTTP_PORT TRANSPORT_PORT HOME_DIR SEED_PORTS MANAGER_NAMES}, where
 * SEED_PORTS are the transport ports of every node of the cluster and MANAGER_NAMES the names of
 * the nodes that bootstrap it (both comma-separated). Each node runs in its own JVM so that a test
 * can kill one by its PID, as a machine failure would.
 */
public final class Main {

    private Main() {}

    /** Node's plugin-taking constructor is protected: a launcher outside the distribution needs this. */
    private static final class ClasspathNode extends Node {
        ClasspathNode(Settings settings, Collection<Class<? extends Plugin>> plugins) {
            super(
                InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> settings.get("node.name")),
                plugins,
                true
            );
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 6) {
            System.err.println("usage: Main NAME HTTP_PORT TRANSPORT_PORT HOME_DIR SEED_PORTS MANAGER_NAMES");
            System.exit(2);
        }
        String name = args[0];
        Path home = Path.of(args[3]).toAbsolutePath();
        Files.createDirectories(home.resolve("data"));
        Files.createDirectories(home.resolve("logs"));
        List<String> seeds = Arrays.stream(args[4].split(",")).map(port -> "127.0.0.1:" + port).toList();
        Settings settings = Settings.builder()
            .put("cluster.name", "citebot-ci")
            .put("node.name", name)
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("network.host", "127.0.0.1")
            .put("http.port", args[1])
            .put("transport.port", args[2])
            .put("transport.type", "netty4")
            .put("http.type", "netty4")
            .putList("discovery.seed_hosts", seeds)
            .putList("cluster.initial_cluster_manager_nodes", args[5].split(","))
            // A shared CI disk may be fuller than the default watermarks allow; shards must still allocate.
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            // No native memory locking and no ML/security bits: none are on the classpath.
            .put("bootstrap.memory_lock", false)
            .build();
        LogConfigurator.configureWithoutConfig(settings);

        Node node = new ClasspathNode(settings, List.of(Netty4Plugin.class, CommonAnalysisPlugin.class));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
            } catch (Exception error) {
                System.err.println("close failed: " + error);
            } finally {
                stopped.countDown();
            }
        }));
        node.start();
        System.out.println("started " + name + " http=127.0.0.1:" + args[1]);
        stopped.await();
    }
}
