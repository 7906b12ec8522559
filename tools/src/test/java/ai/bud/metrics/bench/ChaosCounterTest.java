package ai.bud.metrics.bench;

import static org.assertj.core.api.Assertions.assertThat;

import ai.bud.metrics.bench.ChaosCounter.Engine;
import ai.bud.metrics.bench.ChaosCounter.Fate;
import ai.bud.metrics.bench.ChaosCounter.Row;
import ai.bud.metrics.bench.ChaosCounter.Stream;
import ai.bud.metrics.bench.ChaosLedger.Expect;
import ai.bud.metrics.bench.ChaosLedger.Item;
import ai.bud.metrics.bench.ChaosLedger.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chaos counter's accounting: which item ended where, and what the table row says about it. */
class ChaosCounterTest {

    private static Item event(String id, String ack, String entryId, Expect expect, String label) {
        return new Item(id, Kind.EVENT, ack, entryId, expect, label);
    }

    @Test
    void classifiesEveryItemByWhereItEnded() {
        Engine engine = new Engine(Map.of("stored", 1L, "twice", 2L), Set.of("invalid"), Set.of("5-0"), null);
        Stream stream = new Stream(Set.of("7-0"), "8-0", true, 1, null);

        assertThat(ChaosCounter.fate(event("stored", "SUCCESS", "-", Expect.STORED, "x"), engine, stream)).isEqualTo(Fate.STORED);
        assertThat(ChaosCounter.fate(event("invalid", "DROP", "-", Expect.DEAD_LETTERED, "x"), engine, stream)).isEqualTo(Fate.DEAD_LETTERED);
        // an entry-level dead letter (no inference id) covers the events of that stream entry
        assertThat(ChaosCounter.fate(event("in-dead-entry", "XADD", "5-0", Expect.STORED, "x"), engine, stream)).isEqualTo(Fate.DEAD_LETTERED);
        assertThat(ChaosCounter.fate(new Item("entry:3", Kind.ENTRY, "XADD", "5-0", Expect.DEAD_LETTERED, "x"), engine, stream))
                .isEqualTo(Fate.DEAD_LETTERED);
        assertThat(ChaosCounter.fate(event("pending", "XADD", "7-0", Expect.STORED, "x"), engine, stream)).isEqualTo(Fate.PENDING);
        assertThat(ChaosCounter.fate(event("behind", "XADD", "9-0", Expect.STORED, "x"), engine, stream)).isEqualTo(Fate.UNDELIVERED);
        assertThat(ChaosCounter.fate(event("acked-away", "XADD", "6-0", Expect.STORED, "x"), engine, stream)).isEqualTo(Fate.GONE);
        assertThat(ChaosCounter.fate(event("http-away", "SUCCESS", "-", Expect.STORED, "x"), engine, null)).isEqualTo(Fate.GONE);
        assertThat(ChaosCounter.fate(event("never", "-", "-", Expect.STORED, "x"), engine, null)).isEqualTo(Fate.NOT_ACKNOWLEDGED);
    }

    @Test
    void anEventsOwnDeadLetterDoesNotCoverTheOtherEventsOfItsEntry() {
        // the invalid event of an entry is dead-lettered by its id; its valid neighbour, not stored, is not accounted for
        Engine engine = new Engine(Map.of(), Set.of("bad"), Set.of(), null);
        Stream stream = new Stream(Set.of(), "9-0", true, 0, null);

        assertThat(ChaosCounter.fate(event("good", "XADD", "4-0", Expect.STORED, "x"), engine, stream)).isEqualTo(Fate.GONE);
    }

    @Test
    void theRowCountsLostAcknowledgedItemsAndExtraRowsOnly() {
        List<Item> items = new ArrayList<>();
        items.add(event("a", "SUCCESS", "-", Expect.STORED, "valid"));      // stored once
        items.add(event("b", "SUCCESS", "-", Expect.STORED, "valid"));      // stored three times: 2 extra rows
        items.add(event("c", "SUCCESS", "-", Expect.STORED, "valid"));      // answered SUCCESS, no row: lost
        items.add(event("d", "HTTP404", "-", Expect.STORED, "valid"));      // answered 404, Dapr dropped it: lost
        items.add(event("e", "-", "-", Expect.STORED, "valid"));            // never acknowledged, stored anyway
        items.add(event("f", "-", "-", Expect.STORED, "valid"));            // never acknowledged, not stored: not lost
        items.add(event("g", "DROP", "-", Expect.DEAD_LETTERED, "invalid")); // dead-lettered as it should
        items.add(event("h", "DROP", "-", Expect.STORED, "valid"));         // dead-lettered though valid: a mismatch
        Engine engine = new Engine(Map.of("a", 1L, "b", 3L, "e", 1L), Set.of("g", "h"), Set.of(), null);

        Row row = ChaosCounter.row("x", items, engine, null, "settled", List.of(), List.of());

        assertThat(row.sent()).isEqualTo(8);
        assertThat(row.acknowledged()).isEqualTo(6);
        assertThat(row.stored()).isEqualTo(3);
        assertThat(row.deadLettered()).isEqualTo(2);
        assertThat(row.lost()).isEqualTo(2);
        assertThat(row.duplicated()).isEqualTo(2);
        assertThat(String.join("; ", row.notes())).contains("1 answered 404").contains("1 acknowledged without a row or dead letter")
                .contains("2 never acknowledged to the sender (1 of them stored anyway)").contains("1 ended other than expected");
        assertThat(row.markdown()).startsWith("| x | 8 | 6 | 3 | 2 | **2** | **2** | ");
    }

    @Test
    void streamIdsCompareByTimeThenSequence() {
        assertThat(ChaosCounter.compareIds("1700000000000-2", "1700000000000-10")).isNegative();
        assertThat(ChaosCounter.compareIds("1700000000001-0", "1700000000000-10")).isPositive();
        assertThat(ChaosCounter.compareIds("5-1", "5-1")).isZero();
    }

    @Test
    void aLedgerReadsBackAsWritten(@TempDir Path dir) throws Exception {
        String project = UUID.randomUUID().toString();
        ChaosLedger ledger = new ChaosLedger(List.of(project), List.of("HTTP 200 ×3"),
                List.of(event("id-1", "SUCCESS", "-", Expect.STORED, "valid events"),
                        new Item("entry:2", Kind.ENTRY, "XADD", "17-0", Expect.DEAD_LETTERED, "not JSON")));
        Path file = dir.resolve("l.tsv");

        ledger.write(file);

        assertThat(ChaosLedger.read(file)).isEqualTo(ledger);
        assertThat(Files.readAllLines(file)).first().isEqualTo("#project\t" + project);
    }

    @Test
    void theSameSeedAndClockGiveTheSameEvents() {
        UUID project = UUID.randomUUID();
        long now = 1_790_000_000_000L;

        assertThat(ChaosEvents.events(project, 50, 7, now, 0)).isEqualTo(ChaosEvents.events(project, 50, 7, now, 0));
        assertThat(ChaosEvents.events(project, 50, 8, now, 0)).isNotEqualTo(ChaosEvents.events(project, 50, 7, now, 0));
        // spanning: event i arrives i months before the clock's month, so 150 events cover 150 months
        assertThat(ChaosEvents.events(project, 150, 7, now, 150).stream().map(e -> ((String) e.get("request_arrival_time")).substring(0, 7))
                .distinct().count()).isEqualTo(150);
    }
}
