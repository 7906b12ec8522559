package ai.bud.metrics.web;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.camel.AsyncCallback;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.NamedNode;
import org.apache.camel.NamedRoute;
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

    /** {@code budmetrics_route_step_seconds{route,step}}: each Server-Timing metric of an exchange, when it is done. */
    static final String METER = "budmetrics.route.step";

    private final Map<String, String> metricByStepId;
    private final MeterRegistry meters;

    /** @param metricByStepId step id -> Server-Timing metric name (an HTTP token) */
    public ServerTimingSteps(Map<String, String> metricByStepId) {
        this(metricByStepId, null);
    }

    /** @param meters where each exchange's durations go as timers per route and metric, when it is done; may be null */
    public ServerTimingSteps(Map<String, String> metricByStepId, MeterRegistry meters) {
        metricByStepId.values().forEach(ServerTiming::requireMetricName);
        this.metricByStepId = Map.copyOf(metricByStepId);
        this.meters = meters;
    }

    @Override
    public Processor wrapProcessorInInterceptors(CamelContext context, NamedNode definition, Processor target, Processor nextTarget) {
        String metric = definition.getId() == null ? null : metricByStepId.get(definition.getId());
        return metric == null ? target : new TimedStep(metric, routeId(definition), target);
    }

    private static String routeId(NamedNode node) {
        for (NamedNode at = node; at != null; at = at.getParent()) {
            if (at instanceof NamedRoute route && route.getRouteId() != null) {
                return route.getRouteId();
            }
        }
        return "unknown";
    }

    /** The exchange's timing, started now (and its header writer registered) when it has none yet. */
    private static ServerTiming timing(Exchange exchange, String route, MeterRegistry meters) {
        ServerTiming timing = exchange.getProperty(ServerTiming.PROPERTY, ServerTiming.class);
        if (timing == null) {
            timing = new ServerTiming();
            exchange.setProperty(ServerTiming.PROPERTY, timing);
            UnitOfWork unitOfWork = exchange.getUnitOfWork();
            if (unitOfWork != null) {
                unitOfWork.addSynchronization(new HeaderWriter(timing, route, meters));
            }
        }
        return timing;
    }

    private final class TimedStep extends DelegateAsyncProcessor {

        private final String metric;
        private final String route;

        TimedStep(String metric, String route, Processor step) {
            super(AsyncProcessorConverterHelper.convert(step));
            this.metric = metric;
            this.route = route;
        }

        @Override
        public boolean process(Exchange exchange, AsyncCallback callback) {
            ServerTiming timing = timing(exchange, route, meters);
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

    /**
     * Puts the header on the message as the exchange leaves a route (before platform-http writes the answer), and
     * records the durations as timers when the exchange is done.
     */
    private static final class HeaderWriter extends SynchronizationAdapter implements SynchronizationRouteAware {

        private final ServerTiming timing;
        private final String route;
        private final MeterRegistry meters;

        HeaderWriter(ServerTiming timing, String route, MeterRegistry meters) {
            this.timing = timing;
            this.route = route;
            this.meters = meters;
        }

        @Override
        public void onDone(Exchange exchange) {
            if (meters != null) {
                timing.durations().forEach((step, nanos) -> Timer.builder(METER)
                        .description("time of a route's Server-Timing step (docs/OPERATIONS.md)")
                        .tags("route", route, "step", step).register(meters).record(nanos, TimeUnit.NANOSECONDS));
            }
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
