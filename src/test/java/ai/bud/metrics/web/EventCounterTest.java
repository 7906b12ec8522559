package ai.bud.metrics.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
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
            "'' | 1",
            // SPEC section 3 item 4: a CloudEvent whose data is a bulk envelope carries that envelope's entries
            "'{\"specversion\":\"1.0\",\"type\":\"add_observability_metrics\",\"data\":{\"id\":\"b\",\"entries\":[{},{},{},{}],\"topic\":\"t\"}}' | 4",
            "'{\"data\":{\"metadata\":{\"entries\":[1]},\"entries\":[{\"event\":{\"entries\":[1,2]}},{}]},\"specversion\":\"1.0\"}' | 2",
            "'{\"specversion\":\"1.0\",\"data\":\"{\\\"entries\\\":[{},{},{}]}\"}' | 3",
            "'{\"specversion\":\"1.0\",\"data\":{\"inference_id\":\"x\",\"cost\":1}}' | 1",
            "'{\"specversion\":\"1.0\",\"data\":{\"entries\":[]}}' | 1",
            "'{\"specversion\":\"1.0\",\"data\":\"not json\"}' | 1",
            // a top-level entries list wins over data, wherever it stands (the ingest parser reads it as the bulk)
            "'{\"data\":{\"entries\":[1,2,3,4,5]},\"entries\":[{},{}]}' | 2"})
    void countsEntriesElementsOrOne(String body, long expected) {
        assertThat(EventCounter.count(body.getBytes(StandardCharsets.UTF_8))).isEqualTo(expected);
    }

    @Test
    void aBulkInBase64DataCountsItsEntries() {
        String bulk = "{\"entries\":[" + "{\"entryId\":\"e\"},".repeat(6) + "{}]}";
        String event = "{\"specversion\":\"1.0\",\"datacontenttype\":\"application/json\",\"data_base64\":\""
                + Base64.getEncoder().encodeToString(bulk.getBytes(StandardCharsets.UTF_8)) + "\"}";

        assertThat(EventCounter.count(event.getBytes(StandardCharsets.UTF_8))).isEqualTo(7);
    }
}
