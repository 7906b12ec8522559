package ai.bud.metrics.web;

import org.apache.camel.Exchange;
import org.springframework.stereotype.Component;

/**
 * Route-side face of {@link ServerTiming}: {@code start} at the top of a flow, {@code mark(${exchange}, 'parse')}
 * after each step; every mark also (re)sets the {@code Server-Timing} header, so the last mark after
 * {@code removeHeaders} leaves it on the reply.
 */
@Component("serverTiming")
public class ServerTimings {

    public void start(Exchange exchange) {
        exchange.setProperty(ServerTiming.PROPERTY, new ServerTiming());
    }

    public void mark(Exchange exchange, String name) {
        ServerTiming timing = exchange.getProperty(ServerTiming.PROPERTY, ServerTiming.class);
        if (timing == null) {
            timing = new ServerTiming();
            exchange.setProperty(ServerTiming.PROPERTY, timing);
        }
        timing.mark(name);
        exchange.getMessage().setHeader(ServerTiming.HEADER, timing.header());
    }
}
