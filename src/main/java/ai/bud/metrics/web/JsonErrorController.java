package ai.bud.metrics.web;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import org.springframework.boot.web.servlet.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Errors raised outside the routes (unknown path, wrong method, servlet failures) in the same envelope. */
@RestController
class JsonErrorController implements ErrorController {

    @RequestMapping("/error")
    ResponseEntity<ErrorEnvelope> error(HttpServletRequest request) {
        Object code = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        int status = code instanceof Integer value ? value : 500;
        Object uri = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
        String message = switch (status) {
            case 404 -> "no such route: " + uri;
            case 405 -> "method not allowed on " + uri;
            default -> HttpStatus.resolve(status) == null ? "error" : HttpStatus.resolve(status).getReasonPhrase();
        };
        return ResponseEntity.status(status).contentType(MediaType.APPLICATION_JSON).body(ErrorEnvelope.of(status, message, List.of()));
    }
}
