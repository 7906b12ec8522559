package ai.bud.metrics.clickhouse;

/**
 * ClickHouse's SQL lexer ({@code src/Parsers/Lexer.cpp}) as far as {@link QueryGuard} needs it: where strings,
 * quoted identifiers, heredocs and comments begin and end, so that a word the engine reads as code is never taken
 * for text, nor the other way round. Comments and whitespace are skipped. Where the engine would see an error token
 * (the query fails there anyway) this lexer may split more finely, never less: it can only find more words.
 */
final class ClickHouseLexer {

    enum Type {
        WORD, QUOTED_IDENTIFIER, STRING, NUMBER, OPEN, CLOSE, COMMA, DOT, EQUALS, END_OF_STATEMENT, OTHER,
        /** A string, quoted identifier or comment that never ends: the engine refuses the query. */
        UNTERMINATED,
        END
    }

    private final String text;
    private final int length;
    private int pos;
    private Type type;
    private int start;
    private int end;

    ClickHouseLexer(String text) {
        this.text = text;
        this.length = text.length();
    }

    Type type() {
        return type;
    }

    int start() {
        return start;
    }

    int end() {
        return end;
    }

    /** Whether the current token is the bare word {@code word} (case-insensitive). */
    boolean is(String word) {
        return type == Type.WORD && end - start == word.length() && text.regionMatches(true, start, word, 0, word.length());
    }

    /** The current word, or the unescaped name of a quoted identifier. */
    String name() {
        return name(start, end);
    }

    /** The word or quoted identifier that spans {@code from} to {@code to}, unescaped. */
    String name(int from, int to) {
        char first = text.charAt(from);
        return first == '"' || first == '`' ? unescape(from + 1, to - 1) : text.substring(from, to);
    }

    /** Whether the current token is a quoted identifier spelt with an escape (no function or engine name needs one). */
    boolean hasEscape() {
        if (type != Type.QUOTED_IDENTIFIER) {
            return false;
        }
        int backslash = text.indexOf('\\', start);
        return backslash >= 0 && backslash < end;
    }

    /** The text of a plain single-quoted string with no escapes, else null. */
    String plainString() {
        if (type != Type.STRING || text.charAt(start) != '\'') {
            return null;
        }
        String inner = text.substring(start + 1, end - 1);
        return inner.indexOf('\\') >= 0 ? null : inner.replace("''", "'");
    }

    Type next() {
        while (pos < length) {
            char c = text.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0B || c >= 0x80) {
                pos++; // the engine skips Unicode whitespace; any other non-ASCII outside a literal is an error there
            } else if (c == '-' && at(pos + 1, '-') || c == '/' && at(pos + 1, '/')
                    || c == '#' && (at(pos + 1, ' ') || at(pos + 1, '!'))) {
                int newline = text.indexOf('\n', pos);
                pos = newline < 0 ? length : newline;
            } else if (c == '/' && at(pos + 1, '*')) {
                if (!skipBlockComment()) {
                    return token(Type.UNTERMINATED, length);
                }
            } else {
                return scan(c);
            }
        }
        start = end = length;
        return type = Type.END;
    }

    private Type scan(char c) {
        start = pos;
        switch (c) {
            case '\'':
                return quoted('\'', Type.STRING);
            case '"':
                return quoted('"', Type.QUOTED_IDENTIFIER);
            case '`':
                return quoted('`', Type.QUOTED_IDENTIFIER);
            case '(':
                return token(Type.OPEN, pos + 1);
            case ')':
                return token(Type.CLOSE, pos + 1);
            case ',':
                return token(Type.COMMA, pos + 1);
            case '.':
                return token(Type.DOT, pos + 1);
            case ';':
                return token(Type.END_OF_STATEMENT, pos + 1);
            case '=':
                return token(Type.EQUALS, at(pos + 1, '=') ? pos + 2 : pos + 1);
            case '\\':
                return at(pos + 1, 'G') ? token(Type.END_OF_STATEMENT, pos + 2) : token(Type.OTHER, pos + 1);
            case '$':
                return dollar();
            default:
                break;
        }
        if ((c == 'x' || c == 'X' || c == 'b' || c == 'B') && at(pos + 1, '\'')) {
            return hexOrBinaryString(c == 'x' || c == 'X');
        }
        if (isWordChar(c)) {
            int i = pos + 1;
            boolean digits = c >= '0' && c <= '9';
            while (i < length && (isWordChar(text.charAt(i)) || text.charAt(i) == '$')) {
                char d = text.charAt(i++);
                digits &= d >= '0' && d <= '9';
            }
            return token(digits ? Type.NUMBER : Type.WORD, i);
        }
        return token(Type.OTHER, pos + 1);
    }

    /** A quoted string or identifier: a backslash escapes the next character, a doubled quote is one quote. */
    private Type quoted(char quote, Type success) {
        int i = pos + 1;
        while (i < length) {
            char c = text.charAt(i);
            if (c == '\\') {
                i += 2;
            } else if (c == quote) {
                if (at(i + 1, quote)) {
                    i += 2;
                } else {
                    return token(success, i + 1);
                }
            } else {
                i++;
            }
        }
        return token(Type.UNTERMINATED, length);
    }

    private Type hexOrBinaryString(boolean hex) {
        int i = pos + 2;
        while (i < length && (hex ? Character.digit(text.charAt(i), 16) >= 0 : text.charAt(i) == '0' || text.charAt(i) == '1')) {
            i++;
        }
        return at(i, '\'') ? token(Type.STRING, i + 1) : token(Type.UNTERMINATED, length);
    }

    /** {@code $tag$ … $tag$} is a heredoc string (the tag may be empty), else {@code $} or a word starting with it. */
    private Type dollar() {
        int tagEnd = text.indexOf('$', pos + 1);
        if (tagEnd >= 0) {
            String tag = text.substring(pos, tagEnd + 1);
            int close = text.indexOf(tag, tagEnd + 1);
            if (close >= 0) {
                return token(Type.STRING, close + tag.length());
            }
        }
        if (pos + 1 >= length || !isWordChar(text.charAt(pos + 1))) {
            return token(Type.OTHER, pos + 1);
        }
        int i = pos + 1;
        while (i < length && (isWordChar(text.charAt(i)) || text.charAt(i) == '$')) {
            i++;
        }
        return token(Type.WORD, i);
    }

    /** Multi-line comments nest, as in the SQL standard and the engine. */
    private boolean skipBlockComment() {
        int depth = 1;
        int i = pos + 2;
        while (i + 1 < length) {
            if (text.charAt(i) == '/' && text.charAt(i + 1) == '*') {
                depth++;
                i += 2;
            } else if (text.charAt(i) == '*' && text.charAt(i + 1) == '/') {
                i += 2;
                if (--depth == 0) {
                    pos = i;
                    return true;
                }
            } else {
                i++;
            }
        }
        start = pos;
        return false;
    }

    private Type token(Type tokenType, int tokenEnd) {
        end = tokenEnd;
        pos = tokenEnd;
        return type = tokenType;
    }

    private boolean at(int index, char c) {
        return index < length && text.charAt(index) == c;
    }

    private static boolean isWordChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_';
    }

    private String unescape(int from, int to) {
        StringBuilder out = new StringBuilder(to - from);
        char quote = text.charAt(from - 1);
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c == '\\' && i + 1 < to) {
                char escaped = text.charAt(++i);
                if ((escaped == 'x' || escaped == 'X') && i + 2 < to && Character.digit(text.charAt(i + 1), 16) >= 0
                        && Character.digit(text.charAt(i + 2), 16) >= 0) {
                    out.append((char) Integer.parseInt(text.substring(i + 1, i + 3), 16));
                    i += 2;
                } else {
                    out.append(escaped);
                }
            } else if (c == quote && i + 1 < to && text.charAt(i + 1) == quote) {
                out.append(quote);
                i++;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
