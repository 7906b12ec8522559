package ai.bud.metrics.ingest;

import ai.bud.metrics.ingest.store.InferenceEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Predicate;
import org.apache.camel.support.DefaultExchange;

/**
 * The per-event view of the ingest flow, for a route that asks for it (the shipped routes do not: a batch pays
 * nothing for it). {@link #drop} evaluates a {@code simple} predicate on each valid event, as the map of its
 * ModelInferenceDetails columns ({@link StoredEvent}), and drops those it matches before storage: not stored,
 * answered SUCCESS, counted as {@code outcome="dropped"}. The route gives the predicate in the variable
 * {@value #PREDICATE}; the dropped events are left in the variable {@value #DROPPED} (a list of those maps), for a
 * route that reroutes them ({@code to: … variableSend: droppedEvents}).
 *
 * <pre>
 * - setVariable:
 *     name: dropWhen
 *     constant: "${body[project_id]} == '5d1c…'"
 * - bean:
 *     ref: eventFilter
 *     method: drop
 * </pre>
 */
public class EventFilter {

    public static final String PREDICATE = "dropWhen";
    public static final String DROPPED = "droppedEvents";

    private final Map<String, Predicate> predicates = new ConcurrentHashMap<>();

    public IngestBatch drop(Exchange exchange) {
        IngestBatch batch = exchange.getMessage().getBody(IngestBatch.class);
        if (batch == null) {
            throw new IllegalStateException("eventFilter.drop needs an IngestBatch body (use it in the ingest flow, before store-events)");
        }
        String text = exchange.getVariable(PREDICATE, String.class);
        if (text == null || text.isBlank()) {
            throw new IllegalStateException("eventFilter.drop needs the variable " + PREDICATE + ": a simple predicate on ${body[column]}");
        }
        CamelContext context = exchange.getContext();
        Predicate predicate = predicates.computeIfAbsent(text, t -> compile(context, t));
        Exchange event = new DefaultExchange(context);
        List<Map<String, Object>> dropped = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            InferenceEvent valid = batch.event(i);
            if (valid == null || batch.outcome(i) != null) {
                continue;
            }
            Map<String, Object> row = StoredEvent.columns(valid);
            event.getMessage().setBody(row);
            if (predicate.matches(event)) {
                batch.drop(i);
                dropped.add(row);
            }
        }
        exchange.setVariable(DROPPED, dropped);
        return batch;
    }

    private static Predicate compile(CamelContext context, String text) {
        Predicate predicate = context.resolveLanguage("simple").createPredicate(text);
        predicate.init(context);
        return predicate;
    }
}
