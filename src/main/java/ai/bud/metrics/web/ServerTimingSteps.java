package ai.bud.metrics.web;

import java.util.Map;
import org.apache.camel.AsyncCallback;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.NamedNode;
import org.apache.camel.Processor;
import org.apache.camel.Route;
import org.apache.camel.spi.InterceptStrategy;
import org.apache.camel.spi.SynchronizationRouteAware;
import org.apache.camel.spi.UnitOfWork;
import org.apache.camel.support.AsyncProcessorConverterHelper;
import org.apache.camel.support.SynchronizationAdapter;
import org.apache.camel.support.processor.DelegateAsyncProcessor;

/**
 * Takes the {@code Server-Timing} of a route from its step ids, so that no route carries timing steps: the steps whose
 * ids are keys of {@code budmetrics.web.server-timing.steps} are wrapped when the route is built (any other step, and
 * every route without such a step, is left as it is: no cost per exchange), and each wrapped step, when it ends,
 * records the time since the previous timed step ended (or since the first one started) under its metric name
 * ({@link ServerTiming#mark}). So the metrics add up to the route's time from its first timed step to its last one,
 * the untimed steps in between counted in the metric that follows them; a metric named twice adds up.
 *
 * <p>The {@code Server-Timing} header is written when the exchange leaves a route, after any {@code removeHeaders},
 * unless an error was handled (the error answer carries no timing). A step may add durations it measures itself
 * through the exchange property {@link ServerTiming#PROPERTY} (the analytics query adds execute, shape and serialize).
 */
public final class ServerTimingSteps implements InterceptStrategy {

    private final Map<String, String> metricByStepId;

    /** @param metricByStepId step id -> Server-Timing metric name (an HTTP token) */
    public ServerTimingSteps(Map<String, String> metricByStepId) {
        metricByStepId.values().forEach(ServerTiming::requireMetricName);
        this.metricByStepId = Map.copyOf(metricByStepId);
    }

    @Override
    public Processor wrapProcessorInInterceptors(CamelContext context, NamedNode definition, Processor target, Processor nextTarget) {
        String metric = definition.getId() == null ? null : metricByStepId.get(definition.getId());
        return metric == null ? target : new TimedStep(metric, target);
    }

    /** The exchange's timing, started now (and its header writer registered) when it has none yet. */
    static ServerTiming timing(Exchange exchange) {
        ServerTiming timing = exchange.getProperty(ServerTiming.PROPERTY, ServerTiming.class);
        if (timing == null) {
            timing = new ServerTiming();
            exchange.setProperty(ServerTiming.PROPERTY, timing);
            UnitOfWork unitOfWork = exchange.getUnitOfWork();
            if (unitOfWork != null) {
                unitOfWork.addSynchronization(new HeaderWriter(timing));
            }
        }
        return timing;
    }

    private static final class TimedStep extends DelegateAsyncProcessor {

        private final String metric;

        TimedStep(String metric, Processor step) {
            super(AsyncProcessorConverterHelper.convert(step));
            this.metric = metric;
        }

        @Override
        public boolean process(Exchange exchange, AsyncCallback callback) {
            ServerTiming timing = timing(exchange);
            return processor.process(exchange, doneSync -> {
                timing.mark(metric);
                callback.done(doneSync);
            });
        }

        @Override
        public String toString() {
            return "ServerTiming[" + metric + "](" + processor + ")";
        }
    }

    /** Puts the header on the message as the exchange leaves a route (before platform-http writes the answer). */
    private static final class HeaderWriter extends SynchronizationAdapter implements SynchronizationRouteAware {

        private final ServerTiming timing;

        HeaderWriter(ServerTiming timing) {
            this.timing = timing;
        }

        @Override
        public SynchronizationRouteAware getRouteSynchronization() {
            return this;
        }

        @Override
        public void onBeforeRoute(Route route, Exchange exchange) {
        }

        @Override
        public void onAfterRoute(Route route, Exchange exchange) {
            if (exchange.getException() == null && exchange.getProperty(Exchange.EXCEPTION_CAUGHT) == null) {
                exchange.getMessage().setHeader(ServerTiming.HEADER, timing.header());
            }
        }

        @Override
        public boolean allowHandover() {
            return false;
        }
    }
}
