package ai.bud.metrics.analytics;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The tests' reference path ({@link JdbcReference}): builds the response records from the JDBC rows of
 * {@link QueryBuilder}'s statement, which arrive ordered (bucket newest first, then top-K rank, then ids as text), with
 * the SPEC's delta rules ({@link ResponseValues}). The service writes JSON straight from the rows ({@link RowJsonWriter}).
 */
final class ResultShaper {

    private ResultShaper() {
    }

    public static AnalyticsResponse shape(ResultSet rows, AnalyticsRequest request) throws SQLException {
        List<MetricDefinition> metrics = request.metricDefinitions();
        List<AnalyticsResponse.Period> periods = new ArrayList<>();
        long currentBucket = Long.MIN_VALUE;
        List<AnalyticsResponse.Series> currentItems = null;
        while (rows.next()) {
            long bucket = rows.getLong("bucket");
            boolean hasData = rows.getInt("has_data") == 1;
            if (bucket != currentBucket || periods.isEmpty()) {
                currentBucket = bucket;
                currentItems = hasData ? new ArrayList<>() : null;
                periods.add(new AnalyticsResponse.Period(ResponseValues.timePeriod(bucket, request.timezone()), currentItems));
            }
            if (hasData) {
                currentItems.add(series(rows, request, metrics));
            }
        }
        return AnalyticsResponse.of(periods.stream()
                .map(p -> new AnalyticsResponse.Period(p.timePeriod(), p.items() == null ? null : List.copyOf(p.items())))
                .toList());
    }

    private static AnalyticsResponse.Series series(ResultSet rows, AnalyticsRequest request, List<MetricDefinition> metrics)
            throws SQLException {
        UUID[] ids = new UUID[Dimension.values().length];
        for (Dimension key : request.groupBy()) {
            ids[key.ordinal()] = UUID.fromString(rows.getString(key.keyAlias()));
        }
        List<AnalyticsResponse.MetricValue> data = new ArrayList<>(metrics.size());
        for (MetricDefinition metric : metrics) {
            List<AnalyticsResponse.FieldValue> fields = new ArrayList<>(metric.fields().size());
            for (MetricField field : metric.fields()) {
                fields.add(new AnalyticsResponse.FieldValue(field.name(), read(rows, metric, field)));
            }
            Number delta = null;
            Double deltaPercent = null;
            if (request.returnDelta()) {
                MetricField primary = metric.primary();
                boolean integer = primary.kind() == MetricField.Kind.INTEGER;
                if (rows.getInt("has_previous") == 1) {
                    double value = rows.getDouble(metric.column(primary));
                    double previous = rows.getDouble(metric.previousColumn());
                    double rounded = ResponseValues.round2(value - previous);
                    delta = integer ? (Number) (rows.getLong(metric.column(primary)) - rows.getLong(metric.previousColumn())) : rounded;
                    deltaPercent = ResponseValues.percent(rounded, previous);
                } else {
                    delta = integer ? (Number) 0L : 0.0;
                    deltaPercent = 0.0;
                }
            }
            data.add(new AnalyticsResponse.MetricValue(metric.name(), List.copyOf(fields), delta, deltaPercent));
        }
        return new AnalyticsResponse.Series(ids[Dimension.MODEL.ordinal()], ids[Dimension.PROJECT.ordinal()],
                ids[Dimension.ENDPOINT.ordinal()], List.copyOf(data));
    }

    private static Number read(ResultSet rows, MetricDefinition metric, MetricField field) throws SQLException {
        return switch (field.kind()) {
            case ALWAYS_NULL -> null;
            case INTEGER -> rows.getLong(metric.column(field));
            case NUMBER -> rows.getDouble(metric.column(field));
            case NULLABLE_NUMBER -> {
                double value = rows.getDouble(metric.column(field));
                yield rows.wasNull() || Double.isNaN(value) ? null : value;
            }
        };
    }
}
