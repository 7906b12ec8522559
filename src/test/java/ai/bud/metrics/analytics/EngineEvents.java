package ai.bud.metrics.analytics;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Test events generated inside the engine ({@code INSERT … SELECT … FROM numbers()}), for row counts a JDBC batch would
 * take minutes to send. Event {@code n} is a pure function of {@code n}: six endpoints (each of one project and one model,
 * as in {@link GeneratedEvents}); events come in pairs sharing an arrival second and an endpoint half of the time, so
 * seconds hold 1 to several requests; 85 % succeed; 9 of 10 have a ModelInference row, whose tokens, latency and TTFT
 * are sometimes NULL (latency sometimes 0) and one in five is cached. Times carry milliseconds.
 */
final class EngineEvents {

    /** The first arrival; events spread over {@link #SPAN_SECONDS} from here. */
    static final String START = "2023-12-25 00:00:00";
    static final long SPAN_SECONDS = 82L * 86_400;

    private EngineEvents() {
    }

    /** The arguments of event n, shared by both tables: its key k (pairs share it), endpoint e and arrival. */
    private static String event(long first, long count) {
        return "SELECT number AS n, if(n % 4 < 2, intDiv(n, 4), n + 1000000000000) AS k, sipHash64(k, 2) % 6 AS e,"
                + " toDateTime64('" + START + "', 3, 'UTC') + toIntervalSecond(sipHash64(k, 1) % " + SPAN_SECONDS + ")"
                + " + toIntervalMillisecond(sipHash64(n, 3) % 1000) AS arrival"
                + " FROM numbers(" + first + ", " + count + ")";
    }

    static String id(String prefix, String number) {
        return "toUUID(concat('" + prefix + "', leftPad(hex(" + number + "), 12, '0')))";
    }

    /** A UUIDv7 whose time is {@code millis} (as the gateway's ids: the call's start) and whose other bits come from {@code bits}. */
    static String uuidV7(String millis, String bits) {
        String time = "leftPad(hex(toUInt64(" + millis + ")), 12, '0')";
        String rest = "leftPad(hex(" + bits + "), 16, '0')";
        return "toUUID(concat(substring(" + time + ", 1, 8), '-', substring(" + time + ", 9, 4), '-7', substring(" + rest
                + ", 1, 3), '-8', substring(" + rest + ", 4, 3), '-', substring(" + rest + ", 7, 10), substring(" + rest + ", 1, 2)))";
    }

    /** ModelInferenceDetails rows of events [first, first + count). */
    static void insertDetails(Connection connection, long first, long count) throws SQLException {
        insertDetails(connection, first, count, "1");
    }

    /** ModelInferenceDetails rows of those of events [first, first + count) that match {@code where} (over n). */
    static void insertDetails(Connection connection, long first, long count, String where) throws SQLException {
        execute(connection, "INSERT INTO ModelInferenceDetails (inference_id, project_id, endpoint_id, model_id, is_success,"
                + " request_arrival_time, request_forward_time)"
                + " SELECT " + id("00000000-0000-4000-8000-", "n") + ", " + id("00000000-0000-4000-8001-", "intDiv(e, 2)") + ", "
                + id("00000000-0000-4000-8002-", "e") + ", " + id("00000000-0000-4000-8003-", "e % 4") + ","
                + " sipHash64(n, 4) % 100 < 85, arrival, arrival + toIntervalMillisecond(sipHash64(n, 5) % 800)"
                + " FROM (" + event(first, count) + ") WHERE " + where);
    }

    /** ModelInference rows of those of events [first, first + count) that have one and match {@code where} (over n). */
    static void insertInference(Connection connection, long first, long count, String where) throws SQLException {
        execute(connection, "INSERT INTO ModelInference (id, inference_id, raw_request, raw_response, model_name,"
                + " model_provider_name, input_tokens, output_tokens, response_time_ms, ttft_ms, input_messages, output, cached)"
                + " SELECT " + uuidV7("toUnixTimestamp64Milli(arrival)", "sipHash64(n, 12)") + ", " + id("00000000-0000-4000-8000-", "n") + ", '{}', '{}', concat('model-', toString(e % 4)),"
                + " 'provider',"
                + " if(sipHash64(n, 7) % 20 = 0, NULL, toUInt32(10 + sipHash64(n, 7) % 2000)),"
                + " if(sipHash64(n, 8) % 20 = 0, NULL, toUInt32(sipHash64(n, 8) % 1500)),"
                + " if(sipHash64(n, 9) % 20 = 0, NULL, if(sipHash64(n, 9) % 40 = 1, 0, toUInt32(50 + sipHash64(n, 9) % 5000))),"
                + " if(sipHash64(n, 10) % 10 = 0, NULL, toUInt32(5 + sipHash64(n, 10) % 900)),"
                + " '[]', '', sipHash64(n, 11) % 5 = 0"
                + " FROM (" + event(first, count) + ") WHERE sipHash64(n, 6) % 10 != 0 AND (" + where + ")");
    }

    private static void execute(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }
}
