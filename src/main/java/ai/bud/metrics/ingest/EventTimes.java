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
        LocalDateTime common = commonForm(text);
        return common != null ? common : parseGeneral(text);
    }

    /**
     * The form nearly every sender uses — {@code yyyy-MM-ddTHH:mm:ss}, {@code T} or a space, an optional fraction of 1
     * to 12 digits after a dot, an optional {@code Z}, no blanks around — read without the pattern; null for
     * anything else (including invalid values), which {@link #parseGeneral} then reads or explains. For the texts
     * it accepts it gives exactly what the general rule gives.
     */
    static LocalDateTime commonForm(String text) {
        int n = text.length();
        if (n < 19 || text.charAt(4) != '-' || text.charAt(7) != '-' || text.charAt(13) != ':' || text.charAt(16) != ':') {
            return null;
        }
        char separator = text.charAt(10);
        if (separator != 'T' && separator != 't' && separator != ' ') {
            return null;
        }
        int year = digits(text, 0, 4);
        int month = digits(text, 5, 7);
        int day = digits(text, 8, 10);
        int hour = digits(text, 11, 13);
        int minute = digits(text, 14, 16);
        int second = digits(text, 17, 19);
        if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) {
            return null;
        }
        int end = n;
        if (text.charAt(end - 1) == 'Z' || text.charAt(end - 1) == 'z') {
            end--;
        }
        int millis = 0;
        if (end > 19) {
            int fractionDigits = end - 20;
            if (text.charAt(19) != '.' || fractionDigits < 1 || fractionDigits > 12) {
                return null;
            }
            for (int i = 20; i < end; i++) {
                char c = text.charAt(i);
                if (c < '0' || c > '9') {
                    return null;
                }
            }
            for (int i = 20; i < 23; i++) {
                millis = millis * 10 + (i < end ? text.charAt(i) - '0' : 0);
            }
        }
        if (year < MIN_YEAR || year > MAX_YEAR) {
            return null;
        }
        try {
            return LocalDateTime.of(year, month, day, hour, minute, second, millis * 1_000_000);
        } catch (DateTimeException e) {
            return null;
        }
    }

    /** The decimal value of {@code text[from, to)}, or -1 when a character is not an ASCII digit. */
    private static int digits(String text, int from, int to) {
        int value = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private static LocalDateTime parseGeneral(String text) {
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
