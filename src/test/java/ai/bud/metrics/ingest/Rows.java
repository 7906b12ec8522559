package ai.bud.metrics.ingest;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/** Reads back what the ingestion stored, with bound parameters. */
public final class Rows {

    private final DataSource dataSource;

    public Rows(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Empties ModelInferenceDetails and the rollups fed from it (migrations 004, 006, 007): analytics answers from the rollups where
     * it can, so a test that starts from an empty table must start from empty rollups too (the suite's engine keeps data
     * between runs).
     */
    public static void emptyDetailsAndRollups(Statement statement) throws SQLException {
        for (String table : List.of("ModelInferenceDetails", "InferenceRollup", "InferenceRollupDaily", "InferenceRollupDailyByModel",
                "InferenceSecondCounts",
                "InferenceSecondCountsDaily")) {
            statement.execute("TRUNCATE TABLE " + table);
        }
    }

    /** inference_id -> number of rows, for the given ids (ids without rows are absent). */
    public Map<String, Long> countsPerId(Collection<String> ids) {
        Map<String, Long> counts = new HashMap<>();
        List<String> all = new ArrayList<>(ids);
        for (int from = 0; from < all.size(); from += 1000) {
            List<String> chunk = all.subList(from, Math.min(all.size(), from + 1000));
            String sql = "SELECT toString(inference_id), count() FROM ModelInferenceDetails WHERE inference_id IN ("
                    + String.join(",", Collections.nCopies(chunk.size(), "?")) + ") GROUP BY inference_id";
            for (List<Object> row : query(sql, chunk.toArray())) {
                counts.put((String) row.get(0), ((Number) row.get(1)).longValue());
            }
        }
        return counts;
    }

    public List<List<Object>> query(String sql, Object... params) {
        try (Connection connection = dataSource.getConnection(); PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                statement.setObject(i + 1, params[i]);
            }
            List<List<Object>> rows = new ArrayList<>();
            try (ResultSet rs = statement.executeQuery()) {
                int columns = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    List<Object> row = new ArrayList<>();
                    for (int c = 1; c <= columns; c++) {
                        row.add(rs.getObject(c));
                    }
                    rows.add(row);
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One row as column name -> value. */
    public Map<String, Object> single(String sql, Object... params) {
        try (Connection connection = dataSource.getConnection(); PreparedStatement statement = connection.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                statement.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = statement.executeQuery()) {
                if (!rs.next()) {
                    throw new AssertionError("no row for " + sql);
                }
                Map<String, Object> row = new LinkedHashMap<>();
                for (int c = 1; c <= rs.getMetaData().getColumnCount(); c++) {
                    row.put(rs.getMetaData().getColumnLabel(c), rs.getObject(c));
                }
                return row;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public void execute(String sql) {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
