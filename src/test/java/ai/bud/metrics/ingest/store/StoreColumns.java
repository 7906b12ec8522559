package ai.bud.metrics.ingest.store;

import java.util.List;

/** The columns the store writes, in table order, for tests of the flow's per-event view. */
public final class StoreColumns {

    public static final List<String> DETAILS = RowBinaryRows.DETAILS_COLUMNS;

    private StoreColumns() {
    }
}
