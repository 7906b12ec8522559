package ai.bud.metrics.ingest;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Client addresses as the IPv6 text of a ClickHouse IPv6 column: IPv4 becomes {@code ::ffff:a.b.c.d}. */
final class IpAddresses {

    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    // Only hex digits, colons and dots reach InetAddress, so it never resolves a name.
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]+");

    private IpAddresses() {
    }

    static String toStoredForm(String text) {
        String plain = plainIpv4(text);
        if (plain != null) {
            return plain;
        }
        String value = text.strip();
        if (value.startsWith("[") && value.endsWith("]")) {
            value = value.substring(1, value.length() - 1);
        }
        Matcher v4 = IPV4.matcher(value);
        if (v4.matches()) {
            for (int group = 1; group <= 4; group++) {
                if (Integer.parseInt(v4.group(group)) > 255) {
                    throw new IllegalArgumentException("is not a valid IPv4 address");
                }
            }
            return "::ffff:" + canonicalV4(v4);
        }
        if (!value.contains(":") || !IPV6_CHARS.matcher(value).matches()) {
            throw new IllegalArgumentException("must be an IPv4 or IPv6 address");
        }
        try {
            InetAddress address = InetAddress.getByName(value);
            if (address instanceof Inet4Address) {
                return "::ffff:" + address.getHostAddress();
            }
            return address.getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("is not a valid IPv6 address");
        }
    }

    /**
     * The stored form of a dotted IPv4 address without blanks or brackets (what senders write), read without the
     * patterns; null for anything else, which the general rule then reads or rejects. Same result as that rule.
     */
    static String plainIpv4(String text) {
        int n = text.length();
        if (n < 7 || n > 15) {
            return null;
        }
        StringBuilder out = new StringBuilder(22).append("::ffff:");
        int part = 0;
        int value = 0;
        int digits = 0;
        for (int i = 0; i <= n; i++) {
            char c = i == n ? '.' : text.charAt(i);
            if (c >= '0' && c <= '9') {
                value = value * 10 + (c - '0');
                if (++digits > 3) {
                    return null;
                }
            } else if (c == '.') {
                if (digits == 0 || value > 255 || ++part > 4) {
                    return null;
                }
                if (part > 1) {
                    out.append('.');
                }
                out.append(value);
                value = 0;
                digits = 0;
            } else {
                return null;
            }
        }
        return part == 4 ? out.toString() : null;
    }

    private static String canonicalV4(Matcher v4) {
        return Integer.parseInt(v4.group(1)) + "." + Integer.parseInt(v4.group(2)) + "." + Integer.parseInt(v4.group(3)) + "."
                + Integer.parseInt(v4.group(4));
    }
}
