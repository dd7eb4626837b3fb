// Minimal Neo4j 5 Community launcher for tests/CI (see scripts/neo4j/README.md).
//
// Starts an embedded DBMS via org.neo4j.dbms.api.DatabaseManagementServiceBuilder
// with the Bolt connector on 127.0.0.1:<port>, then blocks until the JVM is
// asked to stop (SIGTERM/SIGINT run the shutdown hook -> clean shutdown).
//
// Usage: java -cp 'lib/*:target/classes' Launcher --port N --data DIR
//             [--http-port M] [--password PW] [--pagecache 256m] [--conf FILE]
//
// Files written under DIR: data/ (stores + tx logs), logs/debug.log,
// launcher.ready (created once Bolt is listening and `RETURN 1` succeeded
// embedded; removed again on shutdown), launcher.stopped (written after a
// clean shutdown, i.e. dbms.shutdown() returned without error).
// Auth is disabled unless a password is given (--password or the environment
// variable NEO4J_LAUNCHER_PASSWORD); then user `neo4j` gets that password.

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.io.ByteUnit;
import org.neo4j.logging.Level;
import org.neo4j.logging.log4j.Log4jLogProvider;

public final class Launcher {
    private static final String HOST = "127.0.0.1";

    public static void main(String[] args) {
        try {
            run(args);
        } catch (Throwable t) {
            // Neo4j's non-daemon threads would keep the JVM alive after a failure in
            // main; exit explicitly (the shutdown hook, if registered, stops the DBMS).
            System.out.println("[launcher] start-up failed: " + t);
            t.printStackTrace(System.out);
            System.out.flush();
            System.exit(1);
        }
    }

    private static void run(String[] args) throws Exception {
        Integer port = null;
        Integer httpPort = null;
        String password = null;
        Path data = null;
        Path conf = null;
        String pagecache = "256m";
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = (i + 1 < args.length) ? args[i + 1] : null;
            switch (a) {
                case "--port": port = Integer.parseInt(req(a, v)); i++; break;
                case "--http-port": httpPort = Integer.parseInt(req(a, v)); i++; break;
                case "--password": password = req(a, v); i++; break;
                case "--data": data = Path.of(req(a, v)).toAbsolutePath().normalize(); i++; break;
                case "--pagecache": pagecache = req(a, v); i++; break;
                case "--conf": conf = Path.of(req(a, v)); i++; break;
                default: die("unknown argument: " + a);
            }
        }
        if (port == null || data == null) {
            die("usage: Launcher --port N --data DIR [--http-port M] [--password PW] [--pagecache 256m] [--conf FILE]");
        }
        if (password == null) {
            // the wrapper script passes the password via the environment (not argv)
            String envPw = System.getenv("NEO4J_LAUNCHER_PASSWORD");
            if (envPw != null && !envPw.isEmpty()) {
                password = envPw;
            }
        }
        if (password != null && password.length() < 8) {
            die("--password must be at least 8 characters (Neo4j minimum password length)");
        }
        Files.createDirectories(data);
        Path ready = data.resolve("launcher.ready");
        Files.deleteIfExists(ready);
        Path stoppedMarker = data.resolve("launcher.stopped");
        Files.deleteIfExists(stoppedMarker);

        boolean authEnabled = password != null;
        DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(data)
                .setUserLogProvider(new Log4jLogProvider(System.out, Level.INFO))
                // Bolt
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(HOST, port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress(HOST, port))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                // HTTP (optional) / HTTPS (never)
                .setConfig(HttpConnector.enabled, httpPort != null)
                .setConfig(HttpsConnector.enabled, false)
                // auth
                .setConfig(GraphDatabaseSettings.auth_enabled, authEnabled)
                // small footprint
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.parse(pagecache))
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                .setConfig(GraphDatabaseSettings.logical_log_rotation_threshold, ByteUnit.mebiBytes(64))
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                .setConfig(GraphDatabaseSettings.shutdown_transaction_end_timeout, Duration.ofSeconds(5))
                // Netty's default graceful shutdown waits a 5 s quiet period per event loop
                // group (~10 s per stop); tests stop/restart a lot, so skip the quiet period.
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_timeout, Duration.ofSeconds(5));
        if (httpPort != null) {
            builder.setConfig(HttpConnector.listen_address, new SocketAddress(HOST, httpPort))
                   .setConfig(HttpConnector.advertised_address, new SocketAddress(HOST, httpPort));
        }
        if (conf != null) {
            builder.loadPropertiesFromFile(conf);
        }

        long t0 = System.nanoTime();
        final DatabaseManagementService dbms = builder.build();
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("[launcher] shutdown requested, stopping Neo4j ...");
            try {
                Files.deleteIfExists(ready);
            } catch (IOException ignored) {
            }
            try {
                dbms.shutdown();
                System.out.println("[launcher] Neo4j stopped cleanly");
                Files.writeString(stoppedMarker, ProcessHandle.current().pid() + "\n");
            } catch (Throwable t) {
                System.out.println("[launcher] error during shutdown: " + t);
                t.printStackTrace(System.out);
            } finally {
                System.out.flush();
                stopped.countDown();
            }
        }, "neo4j-shutdown"));

        if (authEnabled) {
            // Embedded transactions bypass auth, so we can (re)set the password of the
            // built-in `neo4j` user on every start (idempotent) and clear the
            // "password change required" flag.
            try {
                dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME).executeTransactionally(
                        "ALTER USER neo4j SET PASSWORD $pw CHANGE NOT REQUIRED", Map.of("pw", password));
            } catch (RuntimeException e) {
                if (!causeMessageContains(e, "Old password and new password cannot be the same")) {
                    throw e;
                }
                // already set to this password on an earlier start; still clear the flag
                dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME).executeTransactionally(
                        "ALTER USER neo4j SET PASSWORD CHANGE NOT REQUIRED");
            }
        }
        GraphDatabaseService db = dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
        db.executeTransactionally("RETURN 1");
        waitForPort(HOST, port, 30_000);
        Files.writeString(ready, ProcessHandle.current().pid() + "\n");
        System.out.printf("[launcher] Neo4j %s ready: bolt://%s:%d%s auth=%s (started in %d ms)%n",
                org.neo4j.kernel.internal.Version.getNeo4jVersion(), HOST, port,
                httpPort != null ? " http://" + HOST + ":" + httpPort : "",
                authEnabled ? "neo4j/<password>" : "disabled",
                (System.nanoTime() - t0) / 1_000_000);
        System.out.flush();
        stopped.await();
    }

    private static void waitForPort(String host, int port, long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (true) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(host, port), 1000);
                return;
            } catch (IOException e) {
                if (System.currentTimeMillis() > deadline) {
                    die("Bolt port " + port + " not listening: " + e);
                }
                Thread.sleep(100);
            }
        }
    }

    private static boolean causeMessageContains(Throwable t, String text) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getMessage() != null && c.getMessage().contains(text)) {
                return true;
            }
        }
        return false;
    }

    private static String req(String flag, String v) {
        if (v == null) {
            die("missing value for " + flag);
        }
        return v;
    }

    private static void die(String msg) {
        System.err.println("[launcher] " + msg);
        System.exit(2);
    }
}
