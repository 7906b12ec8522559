package ai.bud.metrics.ingest;

import java.time.DateTimeException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ISO-8601 date-times as the gateway sends them: {@code T} or a space between date and time, seconds
 * optional, a fraction of any length (truncated to the millisecond), an offset ({@code Z}, {@code +hh},
 * {@code +hhmm}, {@code +hh:mm}) or none, meaning UTC. The result is the UTC wall time.
 */
final class EventTimes {

    /** DateTime64(3) covers 1900-01-01 .. 2299-12-31. */
    static final int MIN_YEAR = 1900;
    static final int MAX_YEAR = 2299;

    private static final Pattern ISO = Pattern.compile(
            "(\\d{4})-(\\d{2})-(\\d{2})[Tt ](\\d{2}):(\\d{2})(?::(\\d{2})(?:[.,](\\d{1,12}))?)?\\s?([Zz]|[+-]\\d{2}(?::?\\d{2})?)?");

    private EventTimes() {
    }

    /** The UTC time, or an exception whose message says what is wrong. */
    static LocalDateTime parseUtc(String text) {
        Matcher m = ISO.matcher(text.strip());
        if (!m.matches()) {
            throw new DateTimeException("must be an ISO-8601 date-time such as 2026-01-31T12:00:00.123Z");
        }
        int millis = 0;
        if (m.group(7) != null) {
            String fraction = (m.group(7) + "00").substring(0, 3);
            millis = Integer.parseInt(fraction);
        }
        LocalDateTime local;
        try {
            local = LocalDateTime.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                    Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)), m.group(6) == null ? 0 : Integer.parseInt(m.group(6)),
                    millis * 1_000_000);
        } catch (DateTimeException e) {
            throw new DateTimeException("is not a valid date-time (" + e.getMessage() + ")");
        }
        LocalDateTime utc = local;
        String offset = m.group(8);
        if (offset != null && !offset.equalsIgnoreCase("Z")) {
            String normalized = offset.length() == 5 ? offset.substring(0, 3) + ":" + offset.substring(3) : offset;
            ZoneOffset zone;
            try {
                zone = ZoneOffset.of(normalized);
            } catch (DateTimeException e) {
                throw new DateTimeException("has an invalid offset " + offset);
            }
            utc = local.atOffset(zone).withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime();
        }
        if (utc.getYear() < MIN_YEAR || utc.getYear() > MAX_YEAR) {
            throw new DateTimeException("must lie between " + MIN_YEAR + " and " + MAX_YEAR);
        }
        return utc;
    }
}
