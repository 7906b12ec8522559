package ai.bud.metrics.clickhouse;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A query the embedded engine refused, with ClickHouse's error code and text. */
public final class EngineQueryException extends RuntimeException {

    private static final Pattern CODE = Pattern.compile("Code:\\s*(\\d+)");
    private static final int UNKNOWN_EXCEPTION = 1002;

    private final int code;

    EngineQueryException(String message) {
        super(message);
        Matcher matcher = CODE.matcher(message);
        this.code = matcher.find() ? Integer.parseInt(matcher.group(1)) : UNKNOWN_EXCEPTION;
    }

    /** A refusal worded as the engine words its errors: {@code Code: N. DB::Exception: message. (NAME)}. */
    static EngineQueryException of(int code, String name, String message) {
        return new EngineQueryException("Code: " + code + ". DB::Exception: " + message + ". (" + name + ")");
    }

    public int code() {
        return code;
    }
}
