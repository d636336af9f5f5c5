package fabricgql.launcher;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.cli.ExecutionContext;
import org.neo4j.commandline.admin.security.SetInitialPasswordCommand;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.io.ByteUnit;
import org.neo4j.logging.log4j.Log4jLogProvider;
import picocli.CommandLine;

/**
 * One embedded Neo4j Community server with only Bolt on, for one shard.
 *
 * <p>Usage: {@code Main <port> <home dir> <user> <pagecache> [plugins dir]}, with the password as
 * the first line of stdin: argv is readable by every user through {@code ps}, and an environment
 * variable would be inherited by anything the server spawns. Heap is the caller's {@code -Xmx}.
 * The server runs until the JVM is told to stop (SIGTERM); the shutdown hook closes the stores
 * cleanly. The password is set when the store is created; later starts keep its credentials.
 */
public final class Main {
    static final String DEFAULT_USER = "neo4j";
    static final Duration SECOND = Duration.ofSeconds(1);

    private Main() {}

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable e) {
            // Neo4j leaves non-daemon threads behind when it fails to start; without an explicit
            // exit the JVM would linger and the caller could not tell it had failed.
            e.printStackTrace();
            System.exit(1);
        }
    }

    private static void run(String[] args) throws Exception {
        if (args.length < 4 || args.length > 5) {
            System.err.println("usage: Main <port> <home dir> <user> <pagecache> [plugins dir]");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        Path home = Path.of(args[1]).toAbsolutePath();
        String user = args[2];
        long pagecache = ByteUnit.parse(args[3]);
        Path plugins = args.length == 5 ? Path.of(args[4]).toAbsolutePath() : null;
        var stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String password = stdin.readLine();
        if (password == null || password.isEmpty()) {
            System.err.println("expected the password as the first line of stdin");
            System.exit(2);
        }

        Files.createDirectories(home);
        boolean fresh = setInitialPassword(home, password);
        DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(home)
                .setUserLogProvider(new Log4jLogProvider(System.out))
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                .setConfig(GraphDatabaseSettings.pagecache_memory, pagecache)
                .setConfig(GraphDatabaseSettings.logs_directory, home.resolve("logs"))
                // No route out here; the usage report would only retry in the background.
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                // Bolt's shutdown otherwise waits 5 s twice for idle network threads, after the
                // stores are already checkpointed and closed; it made every stop take 11 s.
                .setConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time, SECOND)
                .setConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, SECOND);
        // LOAD CSV reads file:/// URLs relative to this folder (the project's data folder), so
        // the ingest benchmark's reference load can read the files the project loads.
        String importRoot = System.getProperty("fabricgql.importRoot");
        if (importRoot != null) {
            builder.setConfig(GraphDatabaseSettings.load_csv_file_url_root, Path.of(importRoot));
        }
        if (plugins != null) {
            // Procedures are discovered by scanning the jars in the plugins directory; GDS needs
            // unrestricted access to kernel internals.
            builder.setConfig(GraphDatabaseSettings.plugin_dir, plugins)
                    .setConfig(GraphDatabaseSettings.procedure_unrestricted, List.of("gds.*"));
        }

        DatabaseManagementService dbms = builder.build();
        log("databases started");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log("shutting down");
            dbms.shutdown();
            stopped.countDown();
        }, "fabric-gql-shutdown"));

        if (fresh && !user.equals(DEFAULT_USER)) {
            createUser(dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME), user, password);
        }
        log("ready on 127.0.0.1:" + port);
        stopped.await();
    }

    /** JVM uptime on each line shows where a slow start spends its time. */
    private static void log(String message) {
        long uptime = ManagementFactory.getRuntimeMXBean().getUptime();
        System.out.printf("fabric-gql launcher [%.1f s]: %s%n", uptime / 1000.0, message);
        System.out.flush();
    }

    /**
     * On a fresh store, gives {@code neo4j} the configured password exactly as
     * {@code neo4j-admin dbms set-initial-password} does: an {@code auth.ini} that the system
     * database reads once, when it is first created. This costs no Cypher; the first Cypher query
     * of a cold JVM takes seconds on two cores. Returns whether the store was fresh.
     */
    private static boolean setInitialPassword(Path home, String password) {
        if (Files.exists(home.resolve("data/databases/system"))) {
            return false;
        }
        ExecutionContext context = new ExecutionContext(home, home.resolve("conf"));
        int rc = new CommandLine(new SetInitialPasswordCommand(context)).execute(password);
        if (rc != 0) {
            throw new IllegalStateException("set-initial-password failed with exit code " + rc);
        }
        return true;
    }

    /** Community has no roles: any other user only needs to exist to be as capable as neo4j. */
    private static void createUser(GraphDatabaseService system, String user, String password) {
        system.executeTransactionally(
                "CREATE USER $user IF NOT EXISTS SET PASSWORD $pw CHANGE NOT REQUIRED",
                Map.of("user", user, "pw", password));
    }
}
