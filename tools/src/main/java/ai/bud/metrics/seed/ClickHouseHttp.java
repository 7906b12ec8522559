package ai.bud.metrics.seed;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * ClickHouse's HTTP interface, spoken directly: the bulk path for inserts ({@code INSERT … FORMAT TabSeparated}
 * with the rows as the request body) and small text queries. Works against a server and against the embedded
 * engine's facade alike (the facade hands the body to the engine as a file).
 */
final class ClickHouseHttp {

    private final HttpClient client;
    private final URI base;
    private final String database;
    private final String user;
    private final String password;

    ClickHouseHttp(URI base, String database, String user, String password) {
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        String text = base.toString();
        this.base = URI.create(text.endsWith("/") ? text : text + "/");
        this.database = database;
        this.user = user;
        this.password = password;
    }

    URI base() {
        return base;
    }

    /** Runs {@code sql} and returns its TabSeparated answer, stripped. */
    String query(String sql) {
        return execute(sql, java.util.Map.of());
    }

    /** Runs {@code sql} (the body) with these ClickHouse settings (URL parameters, as a server reads them); its answer, stripped. */
    String execute(String sql, java.util.Map<String, String> settings) {
        StringBuilder query = new StringBuilder("?database=").append(encode(database)).append("&default_format=TabSeparated");
        settings.forEach((name, value) -> query.append('&').append(encode(name)).append('=').append(encode(value)));
        HttpRequest request = request(query.toString()).POST(HttpRequest.BodyPublishers.ofString(sql)).build();
        return send(request, sql).strip();
    }

    long count(String sql) {
        return Long.parseLong(query(sql));
    }

    /** Inserts {@code rows}, encoded in ClickHouse input {@code format}, into {@code table} ({@code columns}) of the database. */
    void insert(String table, String columns, String format, byte[] rows) {
        if (rows.length == 0) {
            return;
        }
        String sql = "INSERT INTO " + database + "." + table + " (" + columns + ") FORMAT " + format;
        HttpRequest request = request("?database=" + encode(database) + "&query=" + encode(sql))
                .POST(HttpRequest.BodyPublishers.ofByteArray(rows)).build();
        send(request, sql);
    }

    /**
     * Inserts rows that carry the inference ids {@code ids}, at most once: when the connection breaks before the
     * answer (an I/O error, not a refusal), it looks whether the insert went through (one INSERT block is atomic)
     * and sends it again only if nothing of it is there.
     */
    void insertOnce(String table, String columns, String format, byte[] rows, java.util.Collection<java.util.UUID> ids) {
        for (int attempt = 1; ; attempt++) {
            try {
                insert(table, columns, format, rows);
                return;
            } catch (SeedException e) {
                if (!(e.getCause() instanceof IOException) || attempt == 3) {
                    throw e;
                }
                pause(250L * attempt);
                // the ids are UUIDs this program generated, so their text is safe in the statement
                String list = ids.stream().map(id -> "'" + id + "'").collect(java.util.stream.Collectors.joining(","));
                long present = count("SELECT count() FROM " + database + "." + table + " WHERE inference_id IN (" + list + ")");
                if (present == ids.size()) {
                    return;
                }
                if (present != 0) {
                    throw new SeedException("an interrupted insert into " + table + " left " + present + " of " + ids.size()
                            + " rows (" + e.getMessage() + ")", e);
                }
            }
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SeedException("interrupted", e);
        }
    }

    /** True when something answers ClickHouse's {@code /ping} at this address. */
    boolean ping() {
        try {
            HttpRequest request = HttpRequest.newBuilder(base.resolve("ping")).timeout(Duration.ofSeconds(3)).GET().build();
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 && response.body().startsWith("Ok");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private HttpRequest.Builder request(String query) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve(query)).timeout(Duration.ofMinutes(10));
        if (user != null && !user.isBlank()) {
            builder.header("X-ClickHouse-User", user);
        }
        if (password != null && !password.isEmpty()) {
            builder.header("X-ClickHouse-Key", password);
        }
        return builder;
    }

    private String send(HttpRequest request, String sql) {
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() >= 400) {
                throw new SeedException("ClickHouse at " + base + " refused `" + abbreviate(sql) + "`: HTTP " + response.statusCode()
                        + " " + abbreviate(response.body().strip()));
            }
            return response.body();
        } catch (IOException e) {
            throw new SeedException("cannot reach ClickHouse at " + base + " (" + describe(e) + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SeedException("interrupted", e);
        }
    }

    static String describe(IOException e) {
        String message = e.getMessage();
        if (e instanceof java.net.ConnectException) {
            return "connection refused";
        }
        return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    private static String abbreviate(String text) {
        return text.length() <= 300 ? text : text.substring(0, 300) + "…";
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }
}
