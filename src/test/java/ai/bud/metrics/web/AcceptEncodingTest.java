package ai.bud.metrics.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AcceptEncodingTest {

    private static final List<ContentCoding> ALL = List.of(ContentCoding.BR, ContentCoding.ZSTD, ContentCoding.GZIP);

    @ParameterizedTest(name = "[{0}] -> {1}")
    @CsvSource(delimiter = '|', nullValues = "none", value = {
            "br                              | br",
            "gzip                            | gzip",
            "zstd                            | zstd",
            "GZIP                            | gzip",
            "x-gzip                          | gzip",
            "gzip, deflate, br, zstd         | br",
            "gzip, zstd                      | zstd",
            "gzip;q=1.0, br;q=0.5            | gzip",
            "br;q=0.2, zstd;q=0.8, gzip;q=0.5 | zstd",
            "br ; q=0.9 , gzip ; q=0.95      | gzip",
            "br;q=0, gzip                    | gzip",
            "*                               | br",
            "*;q=0.5, br;q=0                 | zstd",
            "*;q=0                           | none",
            "identity                        | none",
            "identity;q=1, gzip;q=0.5        | none",
            "identity;q=0.5, gzip;q=0.5      | gzip",
            "identity;q=0, gzip              | gzip",
            "deflate, compress               | none",
            "br;q=1.5, gzip;q=0.1            | gzip",
            "br;q=abc, zstd;q=0.001          | zstd",
            "br;q=0.000                      | none",
            "''                              | none",
            "' , ,'                          | none"})
    void choosesTheBestAcceptableCoding(String header, String expected) {
        assertThat(AcceptEncoding.choose(header, ALL).map(ContentCoding::token).orElse(null)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "[{0}] with gzip preferred -> {1}")
    @CsvSource(delimiter = '|', value = {
            "gzip, br, zstd | gzip",
            "br, zstd       | zstd",
            "*              | gzip"})
    void breaksTiesByServerPreference(String header, String expected) {
        List<ContentCoding> gzipFirst = List.of(ContentCoding.GZIP, ContentCoding.ZSTD);
        assertThat(AcceptEncoding.choose(header, gzipFirst).map(ContentCoding::token)).hasValue(expected);
    }

    @org.junit.jupiter.api.Test
    void noHeaderMeansNoCompression() {
        assertThat(AcceptEncoding.choose(null, ALL)).isEmpty();
    }
}
