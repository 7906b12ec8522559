package ai.bud.metrics.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EventCounterTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "'{\"entries\":[{\"entryId\":\"a\",\"event\":{\"entries\":[1,2,3]}},{\"entryId\":\"b\"}],\"topic\":\"t\"}' | 2",
            "'{\"pubsubname\":\"p\",\"metadata\":{\"entries\":[1,2,3,4]},\"entries\":[{},{},{}]}' | 3",
            "'[{\"a\":[1,2]},{\"b\":{\"c\":[]}},3,\"x\",null]' | 5",
            "'{\"specversion\":\"1.0\",\"data\":{\"inference_id\":\"x\"}}' | 1",
            "'{\"entries\":\"not a list\"}' | 1",
            "'{\"entries\":[]}' | 1",
            "'[]' | 1",
            "'not json' | 1",
            "'[{\"a\":1},{\"a\":2' | 1",
            "'' | 1"})
    void countsEntriesElementsOrOne(String body, long expected) {
        assertThat(EventCounter.count(body.getBytes(StandardCharsets.UTF_8))).isEqualTo(expected);
    }
}
