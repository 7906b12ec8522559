package ai.bud.metrics.ingest;

import java.util.List;

/** A parsed delivery: its shape and its entries in order. */
public record Delivery(DeliveryKind kind, List<RawEntry> entries) {

    public Delivery {
        entries = List.copyOf(entries);
    }
}
