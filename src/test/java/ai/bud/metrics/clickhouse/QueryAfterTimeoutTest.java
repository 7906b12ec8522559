package ai.bud.metrics.clickhouse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.bud.metrics.support.TestClickHouse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * A query the engine stops part-way (max_execution_time) must not leave its partial output to be read as the answer
 * of the next query on the same embedded connection (chDB 26.5 did: the stopped query's RowBinary header and partial
 * row came back as the next result).
 */
class QueryAfterTimeoutTest {

    private final DataSource dataSource = TestClickHouse.database("query_after_timeout");

    @Test
    void queriesAfterATimedOutQueryGetTheirOwnAnswers() throws Exception {
        assertThatThrownBy(() -> {
            try (Connection c = dataSource.getConnection();
                    PreparedStatement endless = c.prepareStatement(
                            "SELECT sum(number) AS stale FROM numbers(1000000000000) SETTINGS max_execution_time = 1")) {
                endless.executeQuery();
            }
        }).isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getErrorCode()).isEqualTo(159));

        // more queries than the engine has connections, so the one that ran the stopped query is among them
        for (int i = 0; i < 12; i++) {
            try (Connection c = dataSource.getConnection();
                    PreparedStatement statement = c.prepareStatement("SELECT toInt64(?) AS answer, 'fresh' AS label")) {
                statement.setLong(1, i);
                try (ResultSet rows = statement.executeQuery()) {
                    assertThat(rows.getMetaData().getColumnName(1)).isEqualTo("answer");
                    assertThat(rows.next()).isTrue();
                    assertThat(rows.getLong("answer")).isEqualTo(i);
                    assertThat(rows.getString("label")).isEqualTo("fresh");
                    assertThat(rows.next()).isFalse();
                }
            }
        }
    }
}
