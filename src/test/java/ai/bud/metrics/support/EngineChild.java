package ai.bud.metrics.support;

import ai.bud.metrics.clickhouse.ClickHouseConnector;
import ai.bud.metrics.clickhouse.ClickHouseProperties;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;

/** A separate process on an embedded data directory, for restart tests: {@code EngineChild DIR insert N | count}. */
public final class EngineChild {

    private EngineChild() {
    }

    public static void main(String[] args) throws Exception {
        ClickHouseProperties properties = ClickHouseProperties.fromEnvironment(Map.of("CLICKHOUSE_EMBEDDED_DATA", args[0],
                "CLICKHOUSE_DB_NAME", "restart_it")).withEmbeddedPort(0);
        try (ClickHouseConnector connector = ClickHouseConnector.start(properties)) {
            connector.migrate(true, false);
            try (Connection connection = connector.openConnection("restart_it"); Statement statement = connection.createStatement()) {
                if ("insert".equals(args[1])) {
                    statement.execute("INSERT INTO ModelInferenceDetails (inference_id, project_id, endpoint_id, model_id, is_success,"
                            + " request_arrival_time, request_forward_time) SELECT generateUUIDv4(number), generateUUIDv4(), generateUUIDv4(),"
                            + " generateUUIDv4(), true, now64(3), now64(3) FROM numbers(" + Integer.parseInt(args[2]) + ")");
                }
                try (ResultSet rows = statement.executeQuery("SELECT count() FROM ModelInferenceDetails")) {
                    rows.next();
                    System.out.println("COUNT=" + rows.getLong(1));
                }
            }
        }
    }
}
