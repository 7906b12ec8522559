package ai.bud.metrics.web;

import java.util.Map;
import org.slf4j.MDC;
import org.springframework.core.task.TaskDecorator;

/**
 * Runs a task with the MDC of the thread that submitted it, and restores the worker's own afterwards. Spring Boot puts
 * the one TaskDecorator bean on its task executor, the one platform-http runs the routes on: so a route's log lines
 * carry the request's {@code request_id} ({@link RequestId}).
 */
final class MdcTaskDecorator implements TaskDecorator {

    @Override
    public Runnable decorate(Runnable task) {
        Map<String, String> submitter = MDC.getCopyOfContextMap();
        return () -> {
            Map<String, String> own = MDC.getCopyOfContextMap();
            if (submitter == null) {
                MDC.clear();
            } else {
                MDC.setContextMap(submitter);
            }
            try {
                task.run();
            } finally {
                if (own == null) {
                    MDC.clear();
                } else {
                    MDC.setContextMap(own);
                }
            }
        };
    }
}
