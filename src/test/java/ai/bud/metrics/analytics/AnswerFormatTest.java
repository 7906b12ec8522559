package ai.bud.metrics.analytics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.bud.metrics.errors.ApiException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Content negotiation of the analytics answer: ?format= first, then Accept's most specific range and its q-value. */
class AnswerFormatTest {

    @ParameterizedTest(name = "format={0} Accept={1} -> {2}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "-       | -                                              | JSON",
            "-       | ''                                             | JSON",
            "-       | */*                                            | JSON",
            "-       | text/html,application/xhtml+xml,*/*;q=0.8      | JSON",
            "-       | text/csv                                       | CSV",
            "-       | TEXT/CSV; charset=utf-8                        | CSV",
            "-       | text/*                                         | CSV",
            "-       | application/x-ndjson                           | NDJSON",
            "-       | application/json;q=0.5, application/x-ndjson  | NDJSON",
            "-       | application/*;q=0.9, application/json;q=0.1   | NDJSON",
            "-       | text/csv;q=0.5, */*;q=0.5                      | JSON",
            "-       | */*;q=0.1, text/csv                            | CSV",
            "-       | */*, application/json;q=0                      | CSV",
            "csv     | application/json                               | CSV",
            "' Csv ' | -                                              | CSV",
            "ndjson  | text/csv                                       | NDJSON",
            "json    | text/csv                                       | JSON",
    })
    void picks(String format, String accept, AnswerFormat expected) {
        assertThat(AnswerFormat.negotiate(format, accept)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "Accept={0}")
    @CsvSource(delimiter = '|', value = {"application/xml", "text/html", "image/*", "text/csv;q=0, application/*;q=0",
            "*/*;q=0", "application/json;q=abc"})
    void refusesAnAcceptThatAllowsNoFormatWith406NamingAccept(String accept) {
        assertThatThrownBy(() -> AnswerFormat.negotiate(null, accept)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(406);
            assertThat(e.errors()).singleElement().satisfies(error -> assertThat(error.field()).isEqualTo("Accept"));
        });
    }

    @ParameterizedTest(name = "format={0}")
    @CsvSource(delimiter = '|', value = {"xlsx", "''", "tsv"})
    void refusesAnUnknownFormatWith422NamingFormat(String format) {
        assertThatThrownBy(() -> AnswerFormat.negotiate(format, null)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(422);
            assertThat(e.errors()).singleElement().satisfies(error -> assertThat(error.field()).isEqualTo("format"));
        });
    }
}
