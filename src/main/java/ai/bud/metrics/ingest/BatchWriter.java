package ai.bud.metrics.ingest;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * ModelInferenceDetails I/O of the ingest flow: which ids are already stored (bound {@code IN} list), and one
 * multi-row INSERT per batch with every value bound ({@code response_analysis} as JSON text).
 */
public class BatchWriter {

    static final String TABLE = "ModelInferenceDetails";
    private static final String INSERT = "INSERT INTO " + TABLE + " (inference_id, request_ip, project_id, endpoint_id, model_id, cost,"
            + " response_analysis, is_success, request_arrival_time, request_forward_time, api_key_id, user_id, api_key_project_id,"
            + " error_code, error_message, error_type, status_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    private static final int IN_CHUNK = 1000;

    private final DataSource dataSource;
    private final int insertTimeoutSeconds;

    public BatchWriter(DataSource dataSource, int insertTimeoutSeconds) {
        this.dataSource = dataSource;
        this.insertTimeoutSeconds = insertTimeoutSeconds;
    }

    /** The ids among {@code ids} that already have a row. */
    public Set<UUID> existing(Collection<UUID> ids) {
        Set<UUID> found = new HashSet<>();
        if (ids.isEmpty()) {
            return found;
        }
        List<UUID> all = List.copyOf(ids);
        try (Connection connection = dataSource.getConnection()) {
            for (int from = 0; from < all.size(); from += IN_CHUNK) {
                List<UUID> chunk = all.subList(from, Math.min(all.size(), from + IN_CHUNK));
                String sql = "SELECT DISTINCT toString(inference_id) FROM " + TABLE + " WHERE inference_id IN ("
                        + String.join(", ", java.util.Collections.nCopies(chunk.size(), "?")) + ")";
                try (PreparedStatement statement = connection.prepareStatement(sql)) {
                    for (int i = 0; i < chunk.size(); i++) {
                        statement.setString(i + 1, chunk.get(i).toString());
                    }
                    try (ResultSet rows = statement.executeQuery()) {
                        while (rows.next()) {
                            found.add(UUID.fromString(rows.getString(1)));
                        }
                    }
                }
            }
            return found;
        } catch (SQLException | RuntimeException e) {
            throw new StorageException("cannot check stored inference ids", e, true);
        }
    }

    /** Inserts the events in one statement; nothing is inserted when it fails. */
    public void insert(List<InferenceEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        try (Connection connection = dataSource.getConnection(); PreparedStatement statement = connection.prepareStatement(INSERT)) {
            if (insertTimeoutSeconds > 0) {
                statement.setQueryTimeout(insertTimeoutSeconds);
            }
            for (InferenceEvent e : events) {
                statement.setObject(1, e.inferenceId());
                setNullable(statement, 2, e.requestIp(), Types.VARCHAR);
                statement.setObject(3, e.projectId());
                statement.setObject(4, e.endpointId());
                statement.setObject(5, e.modelId());
                setNullable(statement, 6, e.cost(), Types.DOUBLE);
                setNullable(statement, 7, e.responseAnalysis(), Types.VARCHAR);
                statement.setBoolean(8, e.isSuccess());
                statement.setObject(9, e.requestArrivalTime());
                statement.setObject(10, e.requestForwardTime());
                setNullable(statement, 11, e.apiKeyId(), Types.VARCHAR);
                setNullable(statement, 12, e.userId(), Types.VARCHAR);
                setNullable(statement, 13, e.apiKeyProjectId(), Types.VARCHAR);
                setNullable(statement, 14, e.errorCode(), Types.VARCHAR);
                setNullable(statement, 15, e.errorMessage(), Types.VARCHAR);
                setNullable(statement, 16, e.errorType(), Types.VARCHAR);
                setNullable(statement, 17, e.statusCode(), Types.INTEGER);
                statement.addBatch();
            }
            statement.executeBatch();
        } catch (SQLException | RuntimeException e) {
            throw new StorageException("cannot insert " + events.size() + " events", e, StorageException.certainlyNotWritten(e));
        }
    }

    private static void setNullable(PreparedStatement statement, int index, Object value, int sqlType) throws SQLException {
        if (value == null) {
            statement.setNull(index, sqlType);
        } else {
            statement.setObject(index, value);
        }
    }
}
